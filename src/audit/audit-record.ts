// An admin API change as an `audit_logs` dataset record (src/datasets/catalogs/account/audit_logs.json),
// so sluice's own job changes are delivered like any other audit log: an audit_logs job of the
// operator account picks them up. Before/after are the API's redacted job views (invariant 7:
// destination secrets never reach an audit record).

import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '../api/types.ts';

/** The audit_logs fields sluice fills (the catalog's names and types). */
export interface AuditLogRecord {
  ID: string;
  /** RFC 3339. */
  When: string;
  ActionType: string;
  ActionResult: boolean;
  ActorID: string;
  ActorEmail: string;
  ActorIP: string;
  ActorType: string;
  Interface: string;
  OwnerID: string;
  ResourceID: string;
  ResourceType: string;
  Metadata: Record<string, unknown>;
  OldValue: object | null;
  NewValue: object | null;
}

export const AUDIT_RESOURCE_TYPE = 'logpush_job';

/**
 * `ownerId` is the operator account the audit log belongs to (its tenant key). The job's own
 * zone or account goes into Metadata. Events are emitted only for changes that were stored, so
 * ActionResult is always true.
 */
/** The actor of changes sluice makes on its own, without a token. */
export const SYSTEM_ACTOR = 'sluice';

export function auditLogRecord(event: AuditEvent, ownerId: string, id: string = randomUUID()): AuditLogRecord {
  const tenant = event.tenant.zone_id !== undefined ? { zone_id: event.tenant.zone_id } : { account_id: event.tenant.account_id };
  return {
    ID: id,
    When: event.when,
    ActionType: event.action,
    ActionResult: true,
    ActorID: event.who,
    // Tokens have no e-mail address; the token id in ActorID names the actor.
    ActorEmail: '',
    ActorIP: '',
    ActorType: event.who === SYSTEM_ACTOR ? 'system' : event.who === 'operator' ? 'operator' : 'api_token',
    // A change sluice made on its own (disabling a job parked too long) came through no API.
    Interface: event.who === SYSTEM_ACTOR ? 'sluice' : 'API',
    OwnerID: ownerId,
    ResourceID: String(event.job_id),
    ResourceType: AUDIT_RESOURCE_TYPE,
    Metadata: { ...tenant, before: event.before, after: event.after },
    OldValue: event.before,
    NewValue: event.after,
  };
}
