import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createNoneCodec } from '../../../workers/codecs/none.ts';
import { getCodec, objectExtension } from '../../../workers/codecs/registry.ts';

describe('codec registry', () => {
  it('returns one shared codec per compression and level', () => {
    assert.equal(getCodec('zstd'), getCodec('zstd'));
    assert.notEqual(getCodec('gzip'), getCodec('gzip', 1));
    for (const name of ['gzip', 'zstd', 'snappy', 'none'] as const) assert.equal(getCodec(name).name, name);
  });

  it('names objects …log.<ext>, and plain …log without compression', () => {
    assert.equal(objectExtension('gzip'), 'log.gz');
    assert.equal(objectExtension('zstd'), 'log.zst');
    assert.equal(objectExtension('snappy'), 'log.sz');
    assert.equal(objectExtension('none'), 'log');
    for (const name of ['gzip', 'zstd', 'snappy', 'none'] as const) {
      const ext = getCodec(name).extension;
      assert.equal(objectExtension(name), ext === '' ? 'log' : `log.${ext}`);
    }
  });

  it('rejects an unknown compression with ERR_CODEC', () => {
    assert.throws(() => getCodec('lz4' as 'gzip'), { code: 'ERR_CODEC' });
  });

  it('none copies the bytes (the caller reuses its buffer)', () => {
    const input = Buffer.from('plain text');
    const out = createNoneCodec().compress(input);
    input.fill(0);
    assert.equal(Buffer.from(out).toString(), 'plain text');
  });
});
