// Matches a request path against the expanded route table: literal segments and `{param}`
// segments (one non-empty segment each). A path that exists with another method is a 405
// (with the allowed methods), one that matches nothing is a 404.

import type { ExpandedRoute } from './routes.ts';
import { API_PREFIX } from './routes.ts';

type Segment = { literal: string } | { param: string };

interface CompiledRoute {
  route: ExpandedRoute;
  segments: Segment[];
}

export type RouteMatch =
  | { kind: 'found'; route: ExpandedRoute; params: Record<string, string> }
  | { kind: 'method'; allow: string[] }
  | { kind: 'none' };

function split(path: string): string[] {
  return path.split('/').filter((s, i, all) => !(s === '' && (i === 0 || i === all.length - 1)));
}

export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: readonly ExpandedRoute[]) {
    this.compiled = routes.map((route) => ({
      route,
      segments: split(route.pattern).map((s) => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s })),
    }));
  }

  match(method: string, rawPath: string): RouteMatch {
    let path = rawPath;
    if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) path = path.slice(API_PREFIX.length) || '/';
    const parts = split(path);
    let decoded: string[];
    try {
      decoded = parts.map((p) => decodeURIComponent(p));
    } catch {
      return { kind: 'none' };
    }
    const allow = new Set<string>();
    for (const { route, segments } of this.compiled) {
      if (segments.length !== decoded.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const segment = segments[i]!;
        const part = decoded[i]!;
        if ('literal' in segment) ok = segment.literal === part;
        else if (part === '') ok = false;
        else params[segment.param] = part;
      }
      if (!ok) continue;
      if (route.spec.method === method || (method === 'HEAD' && route.spec.method === 'GET')) return { kind: 'found', route, params };
      allow.add(route.spec.method);
    }
    return allow.size > 0 ? { kind: 'method', allow: [...allow].sort() } : { kind: 'none' };
  }
}
