// The API's seams: what the service plugs in (store, health, validators, ownership writer,
// audit sink) and what a route handler receives.

import type { z } from 'zod';
import type { JobStore } from '../jobs/store/job-store.ts';
import type { Tenant } from '../jobs/types.ts';
import type { Caller } from './auth.ts';
import type { DestinationBoundary } from './destination-boundary.ts';
import type { ApiErrorItem } from './errors.ts';
import type { JobView } from './job-view.ts';
import type { OwnershipSigner, OwnershipWriter } from './ownership.ts';
import type { TokenStore } from './token-store.ts';

export interface JobHealthView {
  last_complete: string | null;
  last_error: string | null;
  error_message: string | null;
}

/** Per-instance job health from the running pipeline; undefined = not running here. */
export type HealthProvider = (jobId: number) => JobHealthView | undefined;

/** Checks that a destination works (S3 HeadBucket, an HTTP test POST, …). Must not echo secrets. */
export type DestinationValidator = (destinationConf: string) => Promise<{ valid: boolean; message?: string }>;

export type AuditAction = 'create' | 'update' | 'delete' | 'enable' | 'disable';

export interface AuditEvent {
  /** Token id, or "operator". */
  who: string;
  action: AuditAction;
  tenant: Tenant;
  job_id: number;
  /** Redacted views; null before a create and after a delete. */
  before: JobView | null;
  after: JobView | null;
  /** ISO 8601. */
  when: string;
}

export type AuditSink = (event: AuditEvent) => void | Promise<void>;

/** The pino subset the API logs through. */
export interface ApiLog {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface ApiLimits {
  /** Largest request body accepted (413 beyond). Default 1 MiB. */
  max_body_bytes: number;
  /** Requests per second per token (token bucket). Default 20. */
  rate_per_second: number;
  /** Bucket size. Default 40. */
  rate_burst: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = { max_body_bytes: 1024 * 1024, rate_per_second: 20, rate_burst: 40 };

/** Everything a handler may use; built once per server. */
export interface ApiDeps {
  store: JobStore;
  tokens: TokenStore;
  signer: OwnershipSigner;
  ownershipWriter: OwnershipWriter;
  validateDestination: DestinationValidator;
  /** Whether a tenant may use a destination at all (file roots, network policy); checked before any write or request. */
  destinationBoundary: DestinationBoundary;
  health: HealthProvider;
  audit: AuditSink;
  log: ApiLog;
  now: () => number;
}

export interface RequestContext {
  params: Readonly<Record<string, string>>;
  /** The tenant of /zones/{zone_id} or /accounts/{account_id} routes, null elsewhere. */
  tenant: Tenant | null;
  caller: Caller | null;
  /** The parsed JSON body (validated by the route's requestBody schema if it has one). */
  body(): Promise<unknown>;
  deps: ApiDeps;
}

export interface HandlerResult {
  result: unknown;
  messages?: ApiErrorItem[];
}

export type Handler = (ctx: RequestContext) => Promise<HandlerResult>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One route: the router and the OpenAPI document are both built from these. */
export interface RouteSpec {
  method: HttpMethod;
  /** For tenant routes, the part after /zones/{zone_id} or /accounts/{account_id}. */
  path: string;
  /** tenant: under both tenant prefixes, needs a scoped token; operator: operator token; public: no auth. */
  scope: 'tenant' | 'operator' | 'public';
  access: 'read' | 'write';
  operationId: string;
  summary: string;
  requestBody?: z.ZodType;
  /** Schema of `result` (public routes that do not use the envelope set `raw`). */
  response?: z.ZodType;
  raw?: boolean;
  /** Reads the job store, so may answer 503 (routes named …Job/…Jobs are known to). */
  readsJobStore?: boolean;
  handler: Handler;
}
