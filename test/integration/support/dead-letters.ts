// Where poison records ended up: the dead-letter topic (read from the broker) and the local
// quarantine folder (<data_dir>/quarantine/dead-letter/, one JSON line per record).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseConfig } from '../../../src/config/load.ts';
import type { Config } from '../../../src/config/schema.ts';
import { DEAD_LETTER_QUARANTINE } from '../../../src/core/quarantine.ts';
import type { SluiceMetrics } from '../../../src/telemetry/metrics.ts';
import { parseSamples, valueOf } from '../../telemetry/support.ts';
import { listFiles } from '../../e2e/output-reader.ts';
import { kafkaClient, uniqueTopic } from '../../helpers/kafka.ts';

export interface DeadLetter {
  value: Buffer;
  headers: Record<string, string>;
}

/** Reads `topic` from the start until `expected` messages arrived (or `timeoutMs` passed: then what arrived). */
export async function readDeadLetters(topic: string, expected: number, timeoutMs = 60_000): Promise<DeadLetter[]> {
  const consumer = kafkaClient('sluice-dlq-reader').consumer({ groupId: uniqueTopic('dlq-reader') });
  const seen: DeadLetter[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
          seen.push({ value: message.value ?? Buffer.alloc(0), headers });
        }
        if (seen.length >= expected) done();
      },
    });
    const deadline = setTimeout(done, timeoutMs);
    await all;
    clearTimeout(deadline);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

export interface QuarantinedPoison {
  reason: string;
  error: string;
  source: string;
  offset: number;
  job_id: number | null;
  bytes: number;
  dead_letter_error: string;
  value?: string;
  value_base64?: string;
}

/** Every poison record quarantined under `dataDir` because its dead-letter topic refused writes. */
export function quarantinedPoison(dataDir: string): QuarantinedPoison[] {
  const out: QuarantinedPoison[] = [];
  for (const file of listFiles(join(dataDir, 'quarantine', DEAD_LETTER_QUARANTINE))) {
    if (!file.endsWith('.log')) continue; // a temporary file of a write in progress
    for (const line of readFileSync(file, 'utf8').split('\n')) if (line !== '') out.push(JSON.parse(line) as QuarantinedPoison);
  }
  return out;
}

/** The dead-letter counters and gauge of one service's /metrics. */
export async function deadLetterMetrics(metrics: SluiceMetrics): Promise<{ written: number; truncated: number; quarantined: number; setAside: number }> {
  const samples = parseSamples(await metrics.text());
  const records = (outcome: string) => valueOf(samples, 'sluice_dead_letter_records_total', { outcome });
  return { written: records('written'), truncated: records('truncated'), quarantined: records('quarantined'), setAside: valueOf(samples, 'sluice_dead_letter_set_aside_topics') };
}

/** The config both dead-letter tests run: one Kafka topic with a dead-letter topic, one file job keeping RayID. */
export function poisonConfig(dir: string, brokers: string[], topic: string, deadLetterTopic: string, groupId: string): Config {
  return parseConfig({
    data_dir: join(dir, 'state'),
    limits: { min_upload_interval_seconds: 0.5, min_upload_records: 1, min_upload_bytes: 1 },
    pipeline: { workers: 1 },
    sources: [{ type: 'kafka', brokers, group_id: groupId, commit_interval_ms: 200, dead_letter_topic: deadLetterTopic, topics: [{ topic, dataset: 'http_requests', tenant_from: { key: true } }] }],
    jobs: [{
      id: 5, zone_id: ZONE, dataset: 'http_requests', destination_conf: `${pathToFileURL(join(dir, 'out')).href}/{DATE}`, compression: 'none',
      max_upload_records: 100_000, max_upload_interval_seconds: 1, output_options: { field_names: ['RayID'] },
    }],
  }, 'dead-letter test', {});
}

export const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
export const goodRecord = (i: number): string => JSON.stringify({ RayID: `good${String(i).padStart(12, '0')}`, EdgeResponseStatus: 200 });
export const badRecord = (i: number): string => `bad ${i}: this is not json`;
