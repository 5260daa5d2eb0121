import { ChunkStream } from '../../src/destinations/chunk-stream.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeliveryObject } from '../../src/destinations/destination.ts';
import { batchIdFor, expandDate, objectName, undatedFolder, utcStamp } from '../../src/destinations/object-name.ts';

// 2023-11-14T22:13:20.123456789Z
const START = '1700000000123456789';
// 2023-11-15T00:00:01.999999999Z (next UTC day)
const END = '1700006401999999999';

function object(overrides: Partial<DeliveryObject> = {}): DeliveryObject {
  return { jobId: 7, batchId: '0123456789abcdef', startNs: START, endNs: END, compression: 'gzip', chunks: ChunkStream.of([]), records: 0, ...overrides };
}

describe('object names', () => {
  it('formats UTC stamps from nanosecond strings without rounding up', () => {
    assert.equal(utcStamp(START), '20231114T221320Z');
    assert.equal(utcStamp(END), '20231115T000001Z');
    assert.equal(utcStamp('0'), '19700101T000000Z');
    assert.equal(utcStamp('999999999'), '19700101T000000Z');
    assert.equal(utcStamp('1000000000'), '19700101T000001Z');
  });

  it('expands every {DATE} to the UTC date of the batch start', () => {
    assert.equal(expandDate('/logs/{DATE}/x/{DATE}', START), '/logs/20231114/x/20231114');
    assert.equal(expandDate('/logs/plain', START), '/logs/plain');
  });

  it('names objects <start>_<end>_<batchId>.log.<ext>', () => {
    assert.equal(objectName(object()), '20231114T221320Z_20231115T000001Z_0123456789abcdef.log.gz');
    assert.equal(objectName(object({ compression: 'zstd' })), '20231114T221320Z_20231115T000001Z_0123456789abcdef.log.zst');
    assert.equal(objectName(object({ compression: 'snappy' })), '20231114T221320Z_20231115T000001Z_0123456789abcdef.log.sz');
    assert.equal(objectName(object({ compression: 'none' })), '20231114T221320Z_20231115T000001Z_0123456789abcdef.log');
  });

  it('rejects event times that are not decimal nanoseconds', () => {
    for (const bad of ['', '-1', '1.5', '17e17', 'abc']) {
      assert.throws(() => objectName(object({ startNs: bad })), { code: 'ERR_OBJECT_NAME' }, bad);
    }
  });
});

describe('batchIdFor', () => {
  const ranges = [
    { partition: 'http_requests/1', first: 100, last: 199 },
    { partition: 'http_requests/0', first: 5, last: 42 },
  ];

  it('is 16 hex chars, deterministic and independent of range order', () => {
    const id = batchIdFor(3, ranges);
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.equal(batchIdFor(3, ranges.map((r) => ({ ...r }))), id);
    assert.equal(batchIdFor(3, [...ranges].reverse()), id);
  });

  it('changes with the job, the partitions and the offsets', () => {
    const id = batchIdFor(3, ranges);
    const others = [
      batchIdFor(4, ranges),
      batchIdFor(3, [ranges[0]!]),
      batchIdFor(3, [{ ...ranges[0]!, last: 200 }, ranges[1]!]),
      batchIdFor(3, [{ ...ranges[0]!, first: 101 }, ranges[1]!]),
      batchIdFor(3, [{ ...ranges[0]!, partition: 'http_requests/2' }, ranges[1]!]),
    ];
    assert.equal(new Set([id, ...others]).size, others.length + 1);
    // Partition names cannot run into offsets.
    assert.notEqual(batchIdFor(1, [{ partition: 'a1', first: 2, last: 3 }]), batchIdFor(1, [{ partition: 'a', first: 12, last: 3 }]));
  });
});

describe('undatedFolder', () => {
  it('is the folder holding the {DATE} folders, the same every day', () => {
    assert.equal(undatedFolder('logs/{DATE}'), 'logs');
    assert.equal(undatedFolder('logs/{DATE}/http'), 'logs');
    assert.equal(undatedFolder('logs/day-{DATE}'), 'logs');
    assert.equal(undatedFolder('{DATE}'), '');
    assert.equal(undatedFolder('logs/http/'), 'logs/http');
    assert.equal(undatedFolder('/var/log/sluice/{DATE}'), '/var/log/sluice');
  });
});
