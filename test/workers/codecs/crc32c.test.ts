import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32c, maskCrc32c } from '../../../workers/codecs/crc32c.ts';

/** Bit-at-a-time CRC-32C straight from the definition, to check the table-driven one. */
function referenceCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it('matches the standard check value crc32c("123456789") = 0xE3069283', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  });

  it('matches RFC 3720 (iSCSI) test vectors', () => {
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
    assert.equal(crc32c(new Uint8Array(0)), 0);
  });

  it('agrees with the bit-at-a-time definition for every length 0–70 and a random buffer', () => {
    const data = Uint8Array.from({ length: 70_001 }, (_, i) => (i * 2654435761) >>> 24);
    for (let n = 0; n <= 70; n++) assert.equal(crc32c(data.subarray(0, n)), referenceCrc32c(data.subarray(0, n)), `length ${n}`);
    assert.equal(crc32c(data), referenceCrc32c(data));
  });

  it('respects start/end and continues a previous crc', () => {
    const data = Buffer.from('hello, castagnoli');
    assert.equal(crc32c(data, 7, 17), crc32c(data.subarray(7)));
    assert.equal(crc32c(data, 5, data.length, crc32c(data, 0, 5)), crc32c(data));
  });

  it('masks as the Snappy framing format specifies', () => {
    const crc = 0xe3069283;
    const expected = ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) % 2 ** 32;
    assert.equal(maskCrc32c(crc), expected);
    assert.equal(maskCrc32c(0), 0xa282ead8);
  });
});
