import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompiledJobCache, compileJob, compiledJobBytes, jobKey } from '../../workers/compile-job.ts';
import type { Job, OutputOptions } from '../../src/jobs/types.ts';
import { COMPILED_JOBS_BYTES, processBatch } from '../../workers/pipeline-worker.ts';
import { generateRecords, TEN_FIELDS } from '../../bench/fixtures.ts';
import { utf8Bytes } from '../../workers/byte-text.ts';
import { createScannedRecord } from '../../workers/scan.ts';
import { job, LOGPUSH_RECORD, task } from './helpers/batch.ts';

describe('compileJob', () => {
  it('tracks the union of output, template, filter and event-time fields in one scanner', () => {
    const compiled = compileJob(job({ field_names: ['RayID', 'ClientIP'] }, {
      filter: { where: { and: [{ key: 'EdgeResponseStatus', operator: 'eq', value: 200 }, { key: 'RayID', operator: 'startsWith', value: 'a' }] } },
    }));
    assert.deepEqual([...compiled.scanner.fields].sort(), ['ClientIP', 'EdgeResponseStatus', 'EdgeStartTimestamp', 'RayID']);
    assert.equal(compiled.eventTimeSlot, compiled.scanner.slotOf('EdgeStartTimestamp'));
    // A template reads its placeholders' fields that field_names lists (ClientCountry is not: it prints null).
    const templated = compileJob(job({ field_names: ['RayID'], record_template: '{{.ClientCountry}} {{.RayID}}' }));
    assert.deepEqual([...templated.scanner.fields].sort(), ['EdgeStartTimestamp', 'RayID']);
  });

  it('a job without a filter keeps every record, whatever it holds', () => {
    const compiled = compileJob(job());
    const record = createScannedRecord(compiled.scanner.slotCount);
    assert.ok(compiled.scanner.scan(utf8Bytes('{"x":1}'), 0, 7, record));
    assert.equal(compiled.filter.test(record), 1);
  });

  it('uses the dataset’s event-time field, or none', () => {
    const audit = compileJob(job({ field_names: ['ActionType'] }, { dataset: 'audit_logs' }));
    assert.equal(audit.scanner.fields.includes('When'), true);
    const workers = compileJob(job({ field_names: ['Event'] }, { dataset: 'workers_trace_events' }));
    assert.equal(workers.eventTimeSlot, -1);
  });

  it('fails with ERR_JOB_COMPILE for an unknown dataset or a bad template', () => {
    assert.throws(() => compileJob(job({}, { dataset: '../../etc/passwd' })), { code: 'ERR_JOB_COMPILE' });
    assert.throws(() => compileJob(job({ record_template: '{{range .X}}' })), { code: 'ERR_JOB_COMPILE' });
    assert.throws(() => compileJob(job({ sample_rate: 0 })), { code: 'ERR_JOB_COMPILE' });
  });
});

/** A job whose compiled form differs from every other id's: its filter names the id. */
function tenantJob(id: number, output: Partial<OutputOptions> = {}, version = 1): Job {
  return job(output, { id, version, filter: { where: { key: 'EdgeResponseStatus', operator: '!eq', value: 100_000 + id } } });
}

describe('jobKey', () => {
  it('names exactly what compileJob reads of a job besides its id and version', () => {
    const read = new Set<string>();
    const watched = new Proxy(job({ field_names: [...TEN_FIELDS] }, { filter: { where: { key: 'RayID', operator: 'eq', value: 'x' } } }), {
      get(target, property, receiver) {
        if (typeof property === 'string') read.add(property);
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    compileJob(watched);
    const inKey = ['dataset', 'compression', 'filter', 'output_options'];
    const notInKey = [...read].filter((p) => !inKey.includes(p) && p !== 'id' && p !== 'version');
    assert.deepEqual(notInKey, [], 'compileJob reads a job property the cache key leaves out: add it to jobKey');
    const base = job({ field_names: ['RayID'] });
    const keyOf = (more: Partial<Job>) => jobKey({ ...base, ...more });
    assert.equal(keyOf({ id: 99, version: 5, name: 'other', destination_conf: 's3://b/p', tenant: { zone_id: 'z2' } }), jobKey(base), 'identity and destination are not compile inputs');
    assert.notEqual(keyOf({ dataset: 'firewall_events' }), jobKey(base));
    assert.notEqual(keyOf({ compression: 'zstd' }), jobKey(base));
    assert.notEqual(keyOf({ filter: { where: { key: 'RayID', operator: 'eq', value: 'x' } } }), jobKey(base));
    assert.notEqual(keyOf({ output_options: { ...base.output_options, field_names: ['ClientIP'] } }), jobKey(base));
  });
});

describe('CompiledJobCache', () => {
  it('compiles once per compile input, shared by jobs and versions equal in it, and evicts the least recently used', () => {
    const a1 = tenantJob(1);
    const cache = new CompiledJobCache(2 * compiledJobBytes(compileJob(a1))); // room for two
    const b1 = tenantJob(2);
    const c1 = tenantJob(3);
    const first = cache.get(a1);
    assert.equal(cache.get({ ...a1 }), first);
    assert.equal(cache.get({ ...a1, id: 77, version: 4, tenant: { zone_id: 'other' }, destination_conf: 'file:///tmp/y' }), first, 'another job with the same inputs shares it');
    const a2 = tenantJob(1, { field_names: ['ClientIP'] }, 2);
    assert.notEqual(cache.get(a2), first, 'a version with other fields compiles anew');
    cache.get(a1); // a1 is now most recent; a2 least
    cache.get(b1);
    assert.equal(cache.size, 2);
    assert.equal(cache.get(a1), first, 'a1 survived: it was used more recently than a2');
    cache.get(c1); // evicts b1
    assert.equal(cache.size, 2);
    const b1Again = cache.get(b1);
    assert.equal(cache.size, 2);
    assert.equal(cache.get(b1), b1Again);
  });

  it('jobs sharing a compiled job each get their own output, batch after batch', () => {
    const cache = new CompiledJobCache(COMPILED_JOBS_BYTES);
    const one = job({ field_names: ['RayID'] }, { id: 1 });
    const two = job({ field_names: ['RayID'] }, { id: 2 });
    const shared = cache.get(one);
    assert.equal(cache.get(two), shared);
    const records = generateRecords(4);
    const first = processBatch(shared, task(one, records.slice(0, 2)));
    const second = processBatch(cache.get(two), task(two, records.slice(2)));
    assert.equal(first.recordsOut, 2);
    assert.equal(second.recordsOut, 2);
    assert.notDeepEqual(first.chunks, second.chunks, 'each batch encodes its own records');
  });

  it('is bounded by estimated bytes, not a count: larger jobs leave room for fewer', () => {
    const small = (id: number) => tenantJob(id, { field_names: ['RayID'] });
    const large = (id: number) => tenantJob(id, { field_names: [...TEN_FIELDS] });
    const limit = 4 * compiledJobBytes(compileJob(small(0)));
    const cache = new CompiledJobCache(limit);
    for (let id = 1; id <= 4; id++) cache.get(small(id));
    assert.equal(cache.size, 4);
    cache.get(large(5));
    assert.ok(cache.size < 4, `a job tracking ten fields pushes out more than one of one field (${cache.size} left)`);
    assert.ok(cache.bytes <= limit);
  });

  it('counts what a job learns as it runs, and makes room for it', () => {
    const a = tenantJob(1);
    const b = tenantJob(2);
    const fresh = compiledJobBytes(compileJob(a));
    const cache = new CompiledJobCache(2 * fresh + 1024); // two fresh jobs, not two that learned
    const compiledA = cache.get(a);
    const compiledB = cache.get(b);
    assert.equal(cache.size, 2);
    processBatch(compiledB, task(b, [LOGPUSH_RECORD])); // learns the record's keys
    assert.ok(compiledJobBytes(compiledB) > fresh);
    cache.update(compiledB);
    assert.equal(cache.size, 1, 'the least recently used job made room');
    assert.equal(cache.get(b), compiledB);
    assert.notEqual(cache.get(a), compiledA, 'a was evicted and compiles again');
  });

  it('the workers\' limit holds every job of a 1,000-job instance once they have run, each with its own fields and filter', () => {
    const jobs = Array.from({ length: 1000 }, (_, i) => tenantJob(i + 1, { field_names: [...TEN_FIELDS] }));
    const cache = new CompiledJobCache(COMPILED_JOBS_BYTES);
    const records = generateRecords(3);
    const compiled = jobs.map((j) => {
      const c = cache.get(j);
      processBatch(c, task(j, records));
      cache.update(c);
      return c;
    });
    assert.equal(cache.size, 1000);
    jobs.forEach((j, i) => assert.equal(cache.get(j), compiled[i], `job ${j.id} was compiled again`));
  });
});
