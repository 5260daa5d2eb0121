import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8Bytes } from '../../workers/byte-text.ts';
import { KeyOrder } from '../../workers/key-order.ts';
import { createFieldScanner, createScannedRecord } from '../../workers/scan.ts';

/** Feeds `keys` as one record's keys (learning each one predict() misses); returns which were predicted. */
function record(order: KeyOrder, keys: string[]): boolean[] {
  order.reset();
  return keys.map((key) => {
    const bytes = utf8Bytes(`"${key}":1`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const after = order.predict(bytes, view, 1, bytes.length);
    if (after >= 0) {
      assert.equal(after, bytes.length - 1, `${key}: just after the colon`);
      return true;
    }
    order.learn(bytes, 1, 1 + Buffer.byteLength(key), key.length);
    return false;
  });
}

describe('KeyOrder', () => {
  it('predicts each key from the key before it in the last record', () => {
    const order = new KeyOrder();
    assert.deepEqual(record(order, ['RayID', 'ZoneName', 'ClientIP']), [false, false, false]);
    assert.deepEqual(record(order, ['RayID', 'ZoneName', 'ClientIP']), [true, true, true]);
    assert.equal(order.slot, 'ClientIP'.length, 'the slot learned with the key');
    // A missing key breaks one prediction; the order is relearned.
    assert.deepEqual(record(order, ['RayID', 'ClientIP']), [true, false]);
    assert.deepEqual(record(order, ['RayID', 'ClientIP']), [true, true]);
  });

  it('never accepts a prefix, an extension or a key of the same length with other bytes', () => {
    const order = new KeyOrder();
    record(order, ['abcd', 'Zürich']);
    assert.deepEqual(record(order, ['abc', 'Zürich']), [false, false]);
    assert.deepEqual(record(order, ['abcde']), [false]);
    record(order, ['abcd', 'Zürich']);
    assert.deepEqual(record(order, ['abcd', 'Zürick']), [true, false]);
  });

  it('needs `":` right after the name: whitespace or an escape falls back to the full scan', () => {
    const order = new KeyOrder();
    record(order, ['k']);
    order.reset();
    const spaced = utf8Bytes('"k" :1');
    assert.equal(order.predict(spaced, new DataView(spaced.buffer, spaced.byteOffset, spaced.byteLength), 1, spaced.length), -1);
    order.reset();
    const escaped = utf8Bytes('"\\u006b":1');
    assert.equal(order.predict(escaped, new DataView(escaped.buffer, escaped.byteOffset, escaped.byteLength), 1, escaped.length), -1);
  });

  it('stops learning at its capacity, and then only misses', () => {
    const order = new KeyOrder(2);
    record(order, ['a', 'b', 'c', 'd']);
    assert.deepEqual(record(order, ['a', 'b', 'c', 'd']), [true, true, false, false]);
  });

  it('lets the scanner give the same answers whatever order records come in', () => {
    const records = [
      '{"a":1,"b":"x","c":[1,2]}', '{"c":3,"b":"y","a":4}', '{"a":5,"c":6}', '{"b" :"z","a":7}',
      '{"\\u0061":8,"b":"w"}', '{"ab":9,"a":10}', '{"a":11,"b":"v","c":12}', '{"a":13,"b":"u","c":14}',
    ];
    const fresh = (json: string): string[] => {
      const s = createFieldScanner(['a', 'c']);
      const out = createScannedRecord(s.slotCount);
      assert.ok(s.scan(utf8Bytes(json), 0, Buffer.byteLength(json), out));
      return [0, 1].map((slot) => (out.starts[slot]! < 0 ? '-' : json.slice(out.starts[slot], out.ends[slot])));
    };
    const shared = createFieldScanner(['a', 'c']);
    const out = createScannedRecord(shared.slotCount);
    const bytes = utf8Bytes(records.join(''));
    for (let round = 0; round < 3; round++) {
      let start = 0;
      for (const json of records) {
        const end = start + Buffer.byteLength(json);
        assert.ok(shared.scan(bytes, start, end, out), json);
        const got = [0, 1].map((slot) => (out.starts[slot]! < 0 ? '-' : Buffer.from(bytes.subarray(out.starts[slot], out.ends[slot])).toString()));
        assert.deepEqual(got, fresh(json), json);
        start = end;
      }
    }
  });
});
