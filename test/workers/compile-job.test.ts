import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompiledJobCache, compileJob } from '../../workers/compile-job.ts';
import { utf8Bytes } from '../../workers/byte-text.ts';
import { createScannedRecord } from '../../workers/scan.ts';
import { job } from './helpers/batch.ts';

describe('compileJob', () => {
  it('tracks the union of output, template, filter and event-time fields in one scanner', () => {
    const compiled = compileJob(job({ field_names: ['RayID', 'ClientIP'] }, {
      filter: { where: { and: [{ key: 'EdgeResponseStatus', operator: 'eq', value: 200 }, { key: 'RayID', operator: 'startsWith', value: 'a' }] } },
    }));
    assert.deepEqual([...compiled.scanner.fields].sort(), ['ClientIP', 'EdgeResponseStatus', 'EdgeStartTimestamp', 'RayID']);
    assert.equal(compiled.eventTimeSlot, compiled.scanner.slotOf('EdgeStartTimestamp'));
    const templated = compileJob(job({ record_template: '{{.ClientCountry}} {{.RayID}}' }));
    assert.deepEqual([...templated.scanner.fields].sort(), ['ClientCountry', 'EdgeStartTimestamp', 'RayID']);
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
    const cache = new CompiledJobCache(2);
    const a1 = job({}, { id: 1, version: 1 });
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
});
