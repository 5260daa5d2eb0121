// Token management (operator token only). The secret is in the create response and nowhere else.

import { notFound } from '../errors.ts';
import type { TokenScope } from '../token-store.ts';
import type { HandlerResult, RequestContext } from '../types.ts';

export async function createToken(ctx: RequestContext): Promise<HandlerResult> {
  const body = (await ctx.body()) as { name?: string; scopes: TokenScope[] };
  const { secret, info } = await ctx.deps.tokens.create(body.scopes, body.name ?? null, new Date(ctx.deps.now()));
  return { result: { ...info, token: secret } };
}

export async function listTokens(ctx: RequestContext): Promise<HandlerResult> {
  return { result: ctx.deps.tokens.list() };
}

export async function deleteToken(ctx: RequestContext): Promise<HandlerResult> {
  const id = ctx.params.token_id ?? '';
  if (!(await ctx.deps.tokens.delete(id))) throw notFound(`token ${JSON.stringify(id.slice(0, 64))}`);
  return { result: { id } };
}
