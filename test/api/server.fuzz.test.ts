// Random JSON bodies to POST …/logpush/jobs never produce a 5xx (and never a non-envelope
// answer). Bodies are mutations of a valid job (so they get deep into validation) plus
// entirely random values; a seeded generator keeps failures reproducible.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileJob, startHarness, ZONE_A, zoneJobs } from './helpers.ts';
import { createPrng, unit } from '../../src/generator/prng.ts';

/** Uniform floats in [0, 1), the same sequence for the same seed (mulberry32, as the generator uses). */
function prng(seed: number): () => number {
  const rng = createPrng(seed);
  return () => unit(rng);
}

const KEYS = ['name', 'enabled', 'dataset', 'destination_conf', 'filter', 'output_options', 'logpull_options', 'max_upload_bytes',
  'max_upload_records', 'max_upload_interval_seconds', 'compression', 'zone_id', 'account_id', 'id', '__proto__', 'constructor',
  'where', 'and', 'or', 'key', 'operator', 'value', 'field_names', 'record_template', 'sample_rate', 'ownership_challenge'];
const STRINGS = ['', 'http_requests', 'audit_logs', 's3://b/p', 'file:///tmp/x', 'ClientIP', 'eq', 'in', '{{.ClientIP}}', '{"where":{}}', '\u0000', 'x'.repeat(600), '%zz'];

function randomValue(rand: () => number, depth: number): unknown {
  const pick = Math.floor(rand() * (depth > 3 ? 5 : 8));
  switch (pick) {
    case 0: return null;
    case 1: return rand() < 0.5;
    case 2: return [0, -1, 1e300, 0.5, 1000, 2 ** 53, -0][Math.floor(rand() * 7)];
    case 3:
    case 4: return STRINGS[Math.floor(rand() * STRINGS.length)];
    case 5:
    case 6: {
      const out: Record<string, unknown> = {};
      const n = Math.floor(rand() * 5);
      for (let i = 0; i < n; i++) out[KEYS[Math.floor(rand() * KEYS.length)]!] = randomValue(rand, depth + 1);
      return out;
    }
    default: return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  }
}

function mutate(rand: () => number): unknown {
  if (rand() < 0.2) return randomValue(rand, 0);
  const job: Record<string, unknown> = fileJob();
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) job[KEYS[Math.floor(rand() * KEYS.length)]!] = randomValue(rand, 1);
  return job;
}

describe('POST /logpush/jobs fuzz', () => {
  it('answers every random body with an envelope and a status below 500', async () => {
    const h = await startHarness({ counts: { max_jobs_per_zone: 10_000 } });
    try {
      const rand = prng(20250101);
      for (let i = 0; i < 400; i++) {
        const body = mutate(rand);
        const raw = JSON.stringify(body) ?? 'null';
        const reply = await h.call('POST', zoneJobs(ZONE_A), { raw });
        assert.ok(reply.status < 500, `body ${raw.slice(0, 300)} → ${reply.status} ${reply.text}`);
        assert.equal(typeof reply.json?.success, 'boolean', reply.text);
        assert.doesNotMatch(reply.text, /\n\s+at /, 'no stack trace');
      }
    } finally {
      await h.close();
    }
  });
});
