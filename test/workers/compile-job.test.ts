import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompiledJobCache, compileJob, compiledJobBytes } from '../../workers/compile-job.ts';
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

describe('CompiledJobCache', () => {
  it('compiles once per (id, version) and evicts the least recently used', () => {
    const a1 = job({}, { id: 1, version: 1 });
    const cache = new CompiledJobCache(2 * compiledJobBytes(compileJob(a1))); // room for two
    const b1 = job({}, { id: 2, version: 1 });
    const c1 = job({}, { id: 3, version: 1 });
    const first = cache.get(a1);
    assert.equal(cache.get({ ...a1 }), first);
    assert.notEqual(cache.get(job({}, { id: 1, version: 2 })), first, 'a new version compiles anew');
    cache.get(a1); // a1 is now most recent; (1,2) least
    cache.get(b1);
    assert.equal(cache.size, 2);
    assert.equal(cache.get(a1), first, 'a1 survived: it was used more recently than (1,2)');
    cache.get(c1); // evicts b1
    assert.equal(cache.size, 2);
    const b1Again = cache.get(b1);
    assert.equal(cache.size, 2);
    assert.equal(cache.get(b1), b1Again);
  });

  it('is bounded by estimated bytes, not a count: larger jobs leave room for fewer', () => {
    const small = (id: number) => job({ field_names: ['RayID'] }, { id });
    const large = (id: number) => job({ field_names: [...TEN_FIELDS] }, { id });
    const limit = 4 * compiledJobBytes(compileJob(small(0)));
    const cache = new CompiledJobCache(limit);
    for (let id = 1; id <= 4; id++) cache.get(small(id));
    assert.equal(cache.size, 4);
    cache.get(large(5));
    assert.ok(cache.size < 4, `a job tracking ten fields pushes out more than one of one field (${cache.size} left)`);
    assert.ok(cache.bytes <= limit);
  });

  it('counts what a job learns as it runs, and makes room for it', () => {
    const a = job({}, { id: 1 });
    const b = job({}, { id: 2 });
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

  it('the workers\' limit holds every job of a 1,000-job instance once they have run', () => {
    const jobs = Array.from({ length: 1000 }, (_, i) => job({ field_names: [...TEN_FIELDS] }, { id: i + 1 }));
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
