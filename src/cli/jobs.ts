// `sluice jobs list|create|get|update|delete`: a small operator client over the admin API.
// Results are printed as pretty JSON on stdout; API errors as one line each on stderr (exit 1);
// an unreachable API as one line (exit 1). The token comes from --token or SLUICE_API_TOKEN
// (an environment variable keeps it out of shell history and `ps`).

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { UsageError } from './user-error.ts';

export const JOBS_USAGE = `usage: sluice jobs <list|get|create|update|delete> [ID] (--zone ID | --account ID) [options]

  sluice jobs list                      the jobs of the zone or account
  sluice jobs get ID                    one job
  sluice jobs create [--file FILE|-]    create a job from job JSON (default: stdin)
  sluice jobs update ID [--file FILE|-] replace the fields given (output_options as a whole)
  sluice jobs delete ID
  --api URL        admin API base URL (env SLUICE_API_URL; default http://127.0.0.1:8787);
                   for https:// with a private CA, set NODE_EXTRA_CA_CERTS=<CA PEM file>
  --token TOKEN    API token (env SLUICE_API_TOKEN)`;

const DEFAULT_API_URL = 'http://127.0.0.1:8787';
const REQUEST_TIMEOUT_MS = 30_000;

export interface JobsCommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  env: Record<string, string | undefined>;
}

interface Envelope {
  success?: boolean;
  errors?: Array<{ code?: number; message?: string }>;
  messages?: Array<{ code?: number; message?: string }>;
  result?: unknown;
}

const ID = /^[1-9][0-9]{0,14}$/;

/** Runs one `sluice jobs` command; returns the exit code. Throws UsageError for bad arguments. */
export async function runJobsCommand(argv: string[], io: JobsCommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      api: { type: 'string' },
      token: { type: 'string' },
      zone: { type: 'string' },
      account: { type: 'string' },
      file: { type: 'string', short: 'f' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(`${JOBS_USAGE}\n`);
    return 0;
  }
  const [action, id, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"\n${JOBS_USAGE}`);
  const needsId = action === 'get' || action === 'update' || action === 'delete';
  if (action !== 'list' && action !== 'create' && !needsId) {
    throw new UsageError(action === undefined ? `missing jobs command\n${JOBS_USAGE}` : `unknown jobs command "${action}"\n${JOBS_USAGE}`);
  }
  if (needsId && (id === undefined || !ID.test(id))) throw new UsageError(`sluice jobs ${action} needs a job id (a positive integer)${id === undefined ? '' : `, got "${id}"`}`);
  if (!needsId && id !== undefined) throw new UsageError(`unexpected argument "${id}"`);
  if ((values.zone === undefined) === (values.account === undefined)) throw new UsageError('give exactly one of --zone ID or --account ID');
  if (values.file !== undefined && action !== 'create' && action !== 'update') throw new UsageError('--file only applies to create and update');
  const token = values.token ?? io.env.SLUICE_API_TOKEN;
  if (!token) throw new UsageError('an API token is needed: --token TOKEN or env SLUICE_API_TOKEN');
  const base = (values.api ?? io.env.SLUICE_API_URL ?? DEFAULT_API_URL).replace(/\/+$/, '');
  let baseUrl: URL;
  try {
    baseUrl = new URL(base);
  } catch {
    throw new UsageError(`--api must be a URL like ${DEFAULT_API_URL}, got "${base}"`);
  }

  const tenant = values.zone !== undefined ? `/zones/${encodeURIComponent(values.zone)}` : `/accounts/${encodeURIComponent(values.account!)}`;
  const path = `${tenant}/logpush/jobs${needsId ? `/${id}` : ''}`;
  const method = action === 'create' ? 'POST' : action === 'update' ? 'PUT' : action === 'delete' ? 'DELETE' : 'GET';
  let body: string | undefined;
  if (action === 'create' || action === 'update') {
    const text = values.file === undefined || values.file === '-' ? await io.readStdin() : await readJobFile(values.file);
    // Checked here only as far as "is it JSON": the API reports every problem with its path.
    try {
      JSON.parse(text);
    } catch (error) {
      throw new UsageError(`the job JSON from ${values.file === undefined || values.file === '-' ? 'stdin' : values.file} is not valid JSON: ${(error as Error).message}`);
    }
    body = text;
  }

  const url = new URL(baseUrl.pathname.replace(/\/$/, '') + path, baseUrl);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const reason = networkReason(error);
    io.stderr(`sluice: cannot reach the admin API at ${baseUrl.origin} (${reason})${tlsHint(reason, baseUrl)}\n`);
    return 1;
  }
  const text = await response.text();
  let envelope: Envelope;
  try {
    envelope = JSON.parse(text) as Envelope;
  } catch {
    io.stderr(`sluice: the admin API at ${baseUrl.origin} answered HTTP ${response.status} without a JSON envelope; is --api the sluice admin API?\n`);
    return 1;
  }
  for (const message of envelope.messages ?? []) io.stderr(`sluice: warning ${message.code ?? ''}: ${message.message ?? ''}\n`);
  if (!response.ok || envelope.success === false) {
    const errors = envelope.errors ?? [];
    if (errors.length === 0) io.stderr(`sluice: the admin API answered HTTP ${response.status}\n`);
    for (const error of errors) io.stderr(`sluice: error ${error.code ?? response.status}: ${error.message ?? 'no message'}\n`);
    return 1;
  }
  io.stdout(`${JSON.stringify(envelope.result, null, 2)}\n`);
  return 0;
}

async function readJobFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** What a certificate from a CA this process does not trust fails with (the cause's code). */
const UNTRUSTED_CERTIFICATE = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']);

/** The likely fix when TLS is why the API could not be reached. */
function tlsHint(reason: string, url: URL): string {
  if (UNTRUSTED_CERTIFICATE.has(reason)) return '; if its certificate comes from a private CA, set NODE_EXTRA_CA_CERTS=<CA PEM file>';
  // An HTTPS server closes a connection that does not start with a TLS handshake.
  if (url.protocol === 'http:' && (reason === 'UND_ERR_SOCKET' || reason === 'ECONNRESET')) return '; if the API serves HTTPS (api.tls), use --api https://…';
  return '';
}

function networkReason(error: unknown): string {
  if ((error as Error)?.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? 'network error';
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
