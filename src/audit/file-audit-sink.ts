// Audit events appended to <data_dir>/audit.ndjson, one audit_logs record per line: the
// embedded (no Kafka) form of the audit trail. Appends go one at a time so lines never
// interleave; mode 0600 because job names and destinations (redacted) are operator data.

import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AuditSink } from '../api/types.ts';
import { SerialQueue } from '../jobs/store/serial-queue.ts';
import { auditLogRecord } from './audit-record.ts';

export const AUDIT_FILE_NAME = 'audit.ndjson';

export function auditFilePath(dataDir: string): string {
  return join(dataDir, AUDIT_FILE_NAME);
}

export function fileAuditSink(path: string, ownerId: string): AuditSink {
  const queue = new SerialQueue();
  return (event) => {
    const line = `${JSON.stringify(auditLogRecord(event, ownerId))}\n`;
    return queue.run(async () => {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, line, { mode: 0o600 });
    });
  };
}
