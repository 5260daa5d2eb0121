// Where a record's tenant (zone or account id) comes from: its key or a named header.
// A record without one gets the tenant "", which routes to no job: it is counted and
// acknowledged like any unrouted record, never an error that stops the partition.

import type { TenantFrom } from '../../config/schema.ts';

/** The subset of a kafkajs message this needs. */
export interface TenantCarrier {
  key?: Buffer | null;
  headers?: Record<string, Buffer | string | Array<Buffer | string> | undefined>;
}

export type TenantReader = (message: TenantCarrier) => string;

function text(value: Buffer | string | Array<Buffer | string> | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return text(value[0]);
  // Tenant ids are short ASCII; latin1 would mangle multibyte ids, so decode as UTF-8.
  return value.toString('utf8');
}

/** Builds the reader once per topic, so the per-record path has no branching on config. */
export function tenantReader(from: TenantFrom): TenantReader {
  if (from.key === true) return (message) => text(message.key);
  const name = from.header!;
  return (message) => text(message.headers?.[name]);
}
