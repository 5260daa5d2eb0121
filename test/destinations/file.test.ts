import { ChunkStream } from '../../src/destinations/chunk-stream.ts';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { DeliveryError, type DeliveryObject } from '../../src/destinations/destination.ts';
import { FileDestination, fileDeliveryError } from '../../src/destinations/file.ts';
import { objectName } from '../../src/destinations/object-name.ts';

const root = mkdtempSync(join(tmpdir(), 'sluice-file-dest-'));
after(() => rmSync(root, { recursive: true, force: true }));

const START = '1700000000123456789'; // 2023-11-14

function object(chunks: string[], overrides: Partial<DeliveryObject> = {}): DeliveryObject {
  const buffers = chunks.map((c) => Buffer.from(c));
  return {
    jobId: 1, batchId: 'aaaabbbbccccdddd', startNs: START, endNs: '1700000005000000000', compression: 'none',
    chunks: ChunkStream.of(buffers), records: chunks.length, ...overrides,
  };
}

function confFor(dir: string): string {
  return `${pathToFileURL(dir).href}/{DATE}`;
}

/** Every entry under `dir`, recursively, as relative paths. */
function listAll(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('FileDestination', () => {
  it('writes the concatenated chunks to <dir>/<DATE>/<objectName> and leaves no temp file', async () => {
    const dir = join(root, 'ok');
    const destination = new FileDestination(confFor(dir));
    assert.equal(destination.kind, 'file');
    const obj = object(['{"a":1}\n', '{"b":2}\n', '', '{"c":3}\n'], { compression: 'zstd' });
    const receipt = await destination.deliver(obj);
    const expected = join(dir, '20231114', objectName(obj));
    assert.equal(receipt.location, expected);
    assert.equal(readFileSync(expected, 'utf8'), '{"a":1}\n{"b":2}\n{"c":3}\n');
    assert.deepEqual(listAll(dir), ['20231114', join('20231114', objectName(obj))]);
  });

  it('writes more chunks than one writev call takes, in order', async () => {
    const dir = join(root, 'many-chunks');
    const chunks = Array.from({ length: 3000 }, (_, i) => `${i}\n`);
    const receipt = await new FileDestination(confFor(dir)).deliver(object(chunks));
    assert.equal(readFileSync(receipt.location, 'utf8'), chunks.join(''));
  });

  it('re-delivering the same object overwrites the same name', async () => {
    const dir = join(root, 'again');
    const destination = new FileDestination(confFor(dir));
    const first = await destination.deliver(object(['old\n']));
    const second = await destination.deliver(object(['new\n']));
    assert.equal(second.location, first.location);
    assert.equal(readFileSync(second.location, 'utf8'), 'new\n');
    assert.equal(readdirSync(join(dir, '20231114')).length, 1);
  });

  it('removes the temp file when the final rename fails, with a non-retryable error', async () => {
    const dir = join(root, 'rename-fails');
    const obj = object(['x\n']);
    // A non-empty directory where the object should go makes rename() fail after the write.
    mkdirSync(join(dir, '20231114', objectName(obj), 'blocker'), { recursive: true });
    await assert.rejects(new FileDestination(confFor(dir)).deliver(obj), (error: DeliveryError) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.retryable, false);
      assert.equal(error.code, 'ERR_DESTINATION_PATH');
      assert.ok(error.message.includes(objectName(obj)), error.message);
      return true;
    });
    assert.deepEqual(readdirSync(join(dir, '20231114')).filter((name) => name.startsWith('.tmp-')), []);
  });

  it('fails non-retryably with a clear message when a path component is a file (ENOTDIR)', async () => {
    const file = join(root, 'a-regular-file');
    writeFileSync(file, 'not a directory');
    await assert.rejects(new FileDestination(confFor(join(file, 'sub'))).deliver(object(['x\n'])), (error: DeliveryError) => {
      assert.equal(error.retryable, false);
      assert.equal(error.code, 'ERR_DESTINATION_PATH');
      assert.ok(error.message.includes(file), error.message);
      assert.match(error.message, /ENOTDIR/);
      assert.match(error.message, /not a directory/);
      return true;
    });
  });

  it('classifies file system errors as retryable or not', () => {
    const sys = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ['ENOSPC', 'EIO', 'EMFILE', 'ENFILE', 'EAGAIN', 'ESOMETHINGNEW']) {
      const error = fileDeliveryError(sys(code), 'write', '/x/y', 'file:///x/{DATE}');
      assert.equal(error.retryable, true, code);
      assert.equal(error.code, 'ERR_DESTINATION_IO');
    }
    for (const [code, ours] of [['EACCES', 'ERR_DESTINATION_PERMISSION'], ['EPERM', 'ERR_DESTINATION_PERMISSION'], ['EROFS', 'ERR_DESTINATION_PERMISSION'], ['ENOTDIR', 'ERR_DESTINATION_PATH'], ['EISDIR', 'ERR_DESTINATION_PATH']] as const) {
      const error = fileDeliveryError(sys(code), 'write', '/x/y', 'file:///x/{DATE}');
      assert.equal(error.retryable, false, code);
      assert.equal(error.code, ours);
      assert.ok(error.message.includes('/x/y') && error.message.includes('file:///x/{DATE}'), error.message);
    }
  });

  it('refuses a conf that is not file:', () => {
    assert.throws(() => new FileDestination('s3://bucket/x'), TypeError);
  });
});
