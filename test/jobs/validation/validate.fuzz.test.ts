// Property test: validateJob returns a result — never throws, never reaches its internal-error
// fallback — for random JSON values and for random mutations of a valid job.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Problem } from '../../../src/jobs/types.ts';
import { validateJob } from '../../../src/jobs/validation/validate.ts';
import { goodJob, limits } from '../helpers.ts';
import { createPrng, unit } from '../../../src/generator/prng.ts';

/** Uniform floats in [0, 1), the same sequence for the same seed (mulberry32, as the generator uses). */
function prng(seed: number): () => number {
  const rng = createPrng(seed);
  return () => unit(rng);
}

const INTERESTING_STRINGS = [
  '', ' ', 'http_requests', 'audit_logs', 'ClientIP', 'RayID', 'eq', 'in', 'and', 'or', 'where', 'key', 'value', 'operator',
  'file:///tmp/x/{DATE}', 's3://b/p?secret-access-key=S', '{"where":{}}', '{"where":{"key":"RayID","operator":"eq","value":"x"}}',
  '{{.RayID}}', '{{if}}', 'ndjson', 'csv', 'rfc3339', 'gzip', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
  '\u0000', '\ud800', 'é', 'fields=RayID&timestamps=unix', '%E0%A4%A', 'CVE-2021-44228', 'zone_id', 'account_id',
];
const INTERESTING_NUMBERS = [0, -0, 1, -1, 0.5, 1e21, -1e21, 2 ** 53, 30, 300, 1000, 5_000_000, 1e9, 1e9 + 1, Number.MAX_VALUE, Number.MIN_VALUE];
const KEYS = [
  'id', 'name', 'enabled', 'dataset', 'zone_id', 'account_id', 'destination_conf', 'filter', 'output_options', 'logpull_options',
  'max_upload_bytes', 'max_upload_records', 'max_upload_interval_seconds', 'compression', 'field_names', 'output_type',
  'record_template', 'sample_rate', 'where', 'and', 'or', 'key', 'operator', 'value', '__proto__', 'constructor', 'x',
];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function randomJson(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth <= 0 || r < 0.45) {
    const s = rand();
    if (s < 0.15) return null;
    if (s < 0.3) return rand() < 0.5;
    if (s < 0.5) return rand() < 0.5 ? pick(rand, INTERESTING_NUMBERS) : (rand() - 0.5) * 10 ** Math.floor(rand() * 12);
    if (s < 0.8) return pick(rand, INTERESTING_STRINGS);
    return String.fromCharCode(...Array.from({ length: Math.floor(rand() * 12) }, () => Math.floor(rand() * 0xffff)));
  }
  if (r < 0.7) return Array.from({ length: Math.floor(rand() * 5) }, () => randomJson(rand, depth - 1));
  // Built with JSON.parse so "__proto__" becomes an own key, exactly as from a request body.
  const entries = Array.from({ length: Math.floor(rand() * 6) }, () => [pick(rand, KEYS), randomJson(rand, depth - 1)]);
  return JSON.parse(JSON.stringify(Object.fromEntries(entries)).replace(/"__proto_"/g, '"__proto__"'));
}

/** Replaces, deletes or adds one value somewhere inside `value` (a fresh copy). */
function mutate(rand: () => number, value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 6 || rand() < 0.2) return randomJson(rand, 3);
  if (Array.isArray(value)) {
    const copy = [...value];
    if (copy.length === 0 || rand() < 0.2) copy.push(randomJson(rand, 2));
    else {
      const i = Math.floor(rand() * copy.length);
      copy[i] = mutate(rand, copy[i], depth + 1);
    }
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const action = rand();
  if (keys.length === 0 || action < 0.15) copy[pick(rand, KEYS)] = randomJson(rand, 2);
  else if (action < 0.3) delete copy[pick(rand, keys)];
  else {
    const key = pick(rand, keys);
    copy[key] = mutate(rand, copy[key], depth + 1);
  }
  return copy;
}

const RICH_JOB = goodJob({
  name: 'x.example.com',
  filter: { where: { and: [{ key: 'EdgeResponseStatus', operator: 'geq', value: 500 }, { or: [{ key: 'ClientCountry', operator: 'in', value: ['us'] }, { key: 'BotTags', operator: 'contains', value: 'x' }] }] } },
  output_options: { field_names: ['ClientIP', 'RayID'], output_type: 'csv', record_template: '{{.RayID}}', sample_rate: 0.5 },
  max_upload_bytes: 6_000_000,
  compression: 'zstd',
});

function assertWellFormed(input: unknown, seed: number): void {
  let result;
  try {
    result = validateJob(input, { limits });
  } catch (error) {
    assert.fail(`seed ${seed}: validateJob threw ${String(error)}`);
  }
  if (result.ok) {
    assert.equal(typeof result.value.id, 'number');
    return;
  }
  assert.ok(result.problems.length > 0, `seed ${seed}: rejected without problems`);
  for (const problem of result.problems as Problem[]) {
    assert.ok(problem.path.startsWith('$'), `seed ${seed}: path ${problem.path}`);
    assert.ok(typeof problem.message === 'string' && problem.message.length > 0 && problem.message.length < 2000, `seed ${seed}`);
    assert.ok(!problem.message.startsWith('internal validation error'), `seed ${seed}: ${problem.message}`);
  }
}

test('random JSON values never make validateJob throw', () => {
  for (let seed = 1; seed <= 3000; seed++) {
    assertWellFormed(randomJson(prng(seed), 5), seed);
  }
});

test('random mutations of a valid job never make validateJob throw', () => {
  assert.ok(validateJob(RICH_JOB, { limits }).ok);
  for (let seed = 1; seed <= 3000; seed++) {
    const rand = prng(seed);
    let job: unknown = RICH_JOB;
    const steps = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < steps; i++) job = mutate(rand, job);
    assertWellFormed(job, seed);
    // The same mutation with the filter as a string (Logpush's form).
    if (job !== null && typeof job === 'object' && !Array.isArray(job) && 'filter' in job) {
      let text: string | undefined;
      try { text = JSON.stringify((job as Record<string, unknown>).filter); } catch { text = undefined; }
      assertWellFormed({ ...job, filter: text }, seed);
    }
  }
});

test('hostile shapes: deep nesting, huge strings, cycles, getters that throw', () => {
  let deepArray: unknown = 1;
  let deepObject: unknown = { key: 'RayID', operator: 'eq', value: 'x' };
  for (let i = 0; i < 50_000; i++) {
    deepArray = [deepArray];
    deepObject = { and: [deepObject] };
  }
  const huge = 'x'.repeat(5_000_000);
  const cyclic: Record<string, unknown> = { where: null };
  cyclic.where = { and: [cyclic] };
  const hostile = [
    deepArray,
    goodJob({ filter: { where: deepObject } }),
    goodJob({ output_options: { field_names: deepArray } }),
    goodJob({ output_options: deepObject }),
    goodJob({ name: huge, destination_conf: huge, dataset: huge, filter: huge, logpull_options: huge, compression: huge }),
    goodJob({ output_options: { field_names: [huge], record_template: `{{.${huge}}}` } }),
    goodJob({ filter: cyclic }),
    goodJob({ filter: `{"where":${'['.repeat(900)}${']'.repeat(900)}}` }),
    goodJob({ filter: `{"where":${'{"and":['.repeat(110)}{"key":"RayID","operator":"eq","value":"x"}${']}'.repeat(110)}}` }),
  ];
  hostile.forEach((input, i) => assertWellFormed(input, -i));
  const throwing = goodJob();
  Object.defineProperty(throwing, 'dataset', { enumerable: true, get() { throw new Error('boom'); } });
  const result = validateJob(throwing, { limits });
  assert.equal(result.ok, false);
});
