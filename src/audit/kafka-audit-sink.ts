// Audit events onto the audit_logs dataset's topic. The record key is the operator account id:
// sources read the tenant from the key (tenant_from: { key: true }), so the events route to that
// account's audit_logs jobs like any other audit record.

import type { AuditSink } from '../api/types.ts';
import { auditLogRecord } from './audit-record.ts';

/** The producer calls the sink makes (kafkajs's, or a fake in tests). */
export interface AuditProducerPort {
  send(topic: string, messages: Array<{ key: string; value: string }>): Promise<void>;
}

export function kafkaAuditSink(producer: AuditProducerPort, topic: string, accountId: string): AuditSink {
  return async (event) => {
    await producer.send(topic, [{ key: accountId, value: JSON.stringify(auditLogRecord(event, accountId)) }]);
  };
}
