import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8Bytes } from '../../../workers/byte-text.ts';
import { ByteWriter, utf8 } from '../../../workers/encoders/byte-writer.ts';

const written = (out: ByteWriter): string => Buffer.from(out.view()).toString('utf8');

describe('ByteWriter', () => {
  it('copies values byte for byte, at every length and alignment, up to the last byte of the source', () => {
    // A view into the middle of a larger buffer: reads must stay inside the view.
    const backing = new Uint8Array(64).fill(0x21);
    const source = backing.subarray(5, 5 + 20);
    for (let i = 0; i < source.length; i++) source[i] = 0x41 + i;
    const out = new ByteWriter(8);
    for (let start = 0; start < source.length; start++) {
      for (let end = start; end <= source.length; end++) {
        out.reset();
        out.value(source, start, end);
        assert.deepEqual([...out.view()], [...source.subarray(start, end)], `[${start}, ${end})`);
      }
    }
  });

  it('takes its source per call: values from different arrays interleave correctly', () => {
    const a = utf8Bytes('"Zürich"');
    const b = utf8Bytes('12345678901234567890');
    const out = new ByteWriter(4);
    out.value(a, 0, a.length);
    out.fragment(utf8(','));
    out.value(b, 3, 19);
    out.fragment(utf8(','));
    out.value(a, 1, 4);
    assert.equal(written(out), '"Zürich",4567890123456789,Zü');
  });

  it('text writes one byte per char, so a latin1 reading of UTF-8 bytes round-trips exactly', () => {
    const bytes = utf8Bytes('ü 😀 ${x}');
    const out = new ByteWriter(4);
    out.text(Buffer.from(bytes).toString('latin1').replaceAll('${', 'x{'));
    out.text('"2017-09-29T16:28:24Z"');
    assert.equal(written(out), 'ü 😀 x{x}"2017-09-29T16:28:24Z"');
  });

  it('grows past its initial size and keeps what it wrote; reset empties it', () => {
    const out = new ByteWriter(2);
    const long = utf8Bytes('x'.repeat(1000) + 'é');
    out.fragment(utf8('«'));
    out.value(long, 0, long.length);
    out.text('!');
    assert.equal(written(out), `«${'x'.repeat(1000)}é!`);
    out.reset();
    assert.equal(out.pos, 0);
    out.text('ok');
    assert.equal(written(out), 'ok');
  });

  it('shrink drops an oversized buffer and keeps a small one', () => {
    const out = new ByteWriter(16);
    const small = out.buffer;
    out.shrink(1024, 16);
    assert.equal(out.buffer, small);
    const big = utf8Bytes('y'.repeat(5000));
    out.value(big, 0, big.length);
    out.shrink(1024, 16);
    assert.ok(out.buffer.length < 1024);
    out.reset();
    out.value(big, 10, 20);
    assert.equal(written(out), 'y'.repeat(10));
  });
});
