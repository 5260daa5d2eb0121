// ObjectAccess for file:// destinations (object storage is tested against a real server in
// test/integration/s3-object-access.test.ts), and objectAccessFor's choice of implementation.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import fsPromises from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { ChunkStream } from '../../src/destinations/chunk-stream.ts';
import { DeliveryError } from '../../src/destinations/destination.ts';
import { FileDestination } from '../../src/destinations/file.ts';
import { FileObjectAccess, fileRoot } from '../../src/destinations/file-object-access.ts';
import { objectAccessFor } from '../../src/destinations/object-access.ts';
import { S3ObjectAccess } from '../../src/destinations/s3/object-access.ts';
import { LOOPBACK_ALLOWED } from '../helpers/network.ts';

const base = mkdtempSync(join(tmpdir(), 'sluice-object-access-'));
after(() => rmSync(base, { recursive: true, force: true }));

let dirCounter = 0;
function freshDir(): string {
  return join(base, `d${++dirCounter}`);
}

function access(dir: string, tail = '/{DATE}'): FileObjectAccess {
  return new FileObjectAccess(`${pathToFileURL(dir).href}${tail}`);
}

const bytes = (text: string): Uint8Array => Buffer.from(text);

/** All chunks of a read, and how many there were. */
async function drain(chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; count: number; largest: number }> {
  const all: Uint8Array[] = [];
  // A chunk is valid until the next is asked for (files reuse one buffer): keep copies.
  for await (const chunk of chunks) all.push(Buffer.from(chunk));
  return { bytes: Buffer.concat(all), count: all.length, largest: Math.max(0, ...all.map((chunk) => chunk.length)) };
}

/** How many of this process's file descriptors are open on `path` (Linux /proc). */
function descriptorsOn(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed since readdir
    }
  }
  return n;
}

async function waitFor(condition: () => boolean, what: string, deadlineMs = 5000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('objectAccessFor', () => {
  it('gives file and object storage destinations an ObjectAccess, HTTP none', () => {
    assert.ok(objectAccessFor('file:///var/log/sluice/{DATE}', { network: LOOPBACK_ALLOWED }) instanceof FileObjectAccess);
    const s3 = objectAccessFor('s3://bucket-a/logs/{DATE}?region=us-east-1&access-key-id=AKIAEXAMPLE&secret-access-key=very-secret-value', { network: LOOPBACK_ALLOWED });
    assert.ok(s3 instanceof S3ObjectAccess);
    assert.equal(s3.root, 's3://bucket-a/logs/');
    s3.close();
    const r2 = objectAccessFor('r2://bucket-b?account-id=abc123&access-key-id=AKIAEXAMPLE&secret-access-key=very-secret-value', { network: LOOPBACK_ALLOWED });
    assert.equal(r2?.root, 'r2://bucket-b/');
    r2?.close();
    assert.equal(objectAccessFor('https://logs.example.com/ingest?header_Authorization=Bearer%20x', { network: LOOPBACK_ALLOWED }), null);
    assert.equal(objectAccessFor('datadog://http-intake.logs.datadoghq.com/api/v2/logs?header_DD-API-KEY=k', { network: LOOPBACK_ALLOWED }), null);
  });

  it('rejects a malformed conf with a redacted ERR_DESTINATION_CONF', () => {
    assert.throws(() => objectAccessFor('s3://bucket-a/x?secret-access-key=very-secret-value&bogus=1&access-key-id=A', { network: LOOPBACK_ALLOWED }), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.code, 'ERR_DESTINATION_CONF');
      assert.ok(!error.message.includes('very-secret-value'), error.message);
      return true;
    });
  });
});

describe('fileRoot', () => {
  it('is the directory before the first path segment holding {DATE}, or the whole path', () => {
    assert.equal(fileRoot('/var/log/sluice/{DATE}'), '/var/log/sluice');
    assert.equal(fileRoot('/var/log/sluice/{DATE}/x/{DATE}'), '/var/log/sluice');
    assert.equal(fileRoot('/var/log/day-{DATE}/x'), '/var/log');
    assert.equal(fileRoot('/var/log/sluice'), '/var/log/sluice');
    assert.equal(fileRoot('/var/log/sluice/'), '/var/log/sluice');
    assert.equal(fileRoot('/var//log/./a/../sluice/{DATE}'), '/var/log/sluice');
    assert.equal(fileRoot('/{DATE}'), '/');
  });

  it('shows as a root that the key is appended to', () => {
    assert.equal(access('/var/log/sluice').root, '/var/log/sluice/');
    assert.equal(new FileObjectAccess('file:///{DATE}').root, '/');
  });
});

describe('FileObjectAccess', () => {
  it('puts, gets and lists objects under the root, creating directories', async () => {
    const dir = freshDir();
    const a = access(dir);
    await a.put('_digests/7/c1/000000.json', bytes('{"n":0}\n'), 'application/json');
    await a.put('_digests/7/c1/000001.json', bytes('{"n":1}\n'), 'application/json');
    await a.put('top.txt', bytes('top'), 'text/plain');
    assert.equal(readFileSync(join(dir, '_digests/7/c1/000001.json'), 'utf8'), '{"n":1}\n');
    assert.equal(Buffer.from((await a.get('_digests/7/c1/000000.json'))!).toString(), '{"n":0}\n');
    assert.deepEqual(await a.list(''), ['_digests/7/c1/000000.json', '_digests/7/c1/000001.json', 'top.txt']);
    assert.deepEqual(await a.list('_digests/7/'), ['_digests/7/c1/000000.json', '_digests/7/c1/000001.json']);
    assert.deepEqual(await a.list('_digests/7/c1/000001'), ['_digests/7/c1/000001.json']);
    assert.deepEqual(await a.list('_digests/8/'), []);
  });

  it('put replaces an existing object and leaves no temporary file', async () => {
    const dir = freshDir();
    const a = access(dir);
    await a.put('k/x.json', bytes('old'), 'application/json');
    await a.put('k/x.json', bytes('new'), 'application/json');
    assert.equal(Buffer.from((await a.get('k/x.json'))!).toString(), 'new');
    assert.deepEqual(readdirSync(join(dir, 'k')), ['x.json']);
  });

  it('get is null for a missing key, a missing directory, a path through a file and a directory', async () => {
    const dir = freshDir();
    const a = access(dir);
    assert.equal(await a.get('nothing.json'), null); // root does not exist yet
    await a.put('d/file', bytes('x'), 'text/plain');
    assert.equal(await a.get('d/other'), null);
    assert.equal(await a.get('e/other'), null);
    assert.equal(await a.get('d/file/below'), null);
    assert.equal(await a.get('d'), null);
  });

  it('list is empty when the root does not exist, and matches partial names like S3 prefixes', async () => {
    const dir = freshDir();
    const a = access(dir);
    assert.deepEqual(await a.list(''), []);
    assert.deepEqual(await a.list('x/y/'), []);
    await a.put('ab/1', bytes('1'), 'text/plain');
    await a.put('abc/2', bytes('2'), 'text/plain');
    await a.put('b/3', bytes('3'), 'text/plain');
    await a.put('a', bytes('4'), 'text/plain');
    assert.deepEqual(await a.list('ab'), ['ab/1', 'abc/2']);
    assert.deepEqual(await a.list('a'), ['a', 'ab/1', 'abc/2']);
    assert.deepEqual(await a.list('ab/'), ['ab/1']);
    assert.deepEqual(await a.list('a/'), []); // 'a' is a file
  });

  it('list is sorted, recursive, and skips temporary files, directories and symbolic links', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, '20261127', 'deep', 'er'), { recursive: true });
    mkdirSync(join(dir, 'empty'));
    writeFileSync(join(dir, '20261127', 'b.log.gz'), 'b');
    writeFileSync(join(dir, '20261127', 'a.log.gz'), 'a');
    writeFileSync(join(dir, '20261127', '.tmp-c.log.gz.123.abcd'), 'partial');
    writeFileSync(join(dir, '20261127', 'deep', 'er', 'z'), 'z');
    writeFileSync(join(dir, '20261126.txt'), 'f');
    symlinkSync(join(dir, '20261127'), join(dir, 'link'));
    symlinkSync(join(dir, '20261126.txt'), join(dir, 'link.txt'));
    assert.deepEqual(await access(dir).list(''), ['20261126.txt', '20261127/a.log.gz', '20261127/b.log.gz', '20261127/deep/er/z']);
  });

  it('keyOfLocation maps a FileDestination receipt to its key, and anything outside the root to null', async () => {
    const dir = freshDir();
    const conf = `${pathToFileURL(dir).href}/{DATE}`;
    const receipt = await new FileDestination(conf).deliver({
      jobId: 7, batchId: 'aaaabbbbccccdddd', startNs: '1795774500000000000', endNs: '1795774559000000000', compression: 'gzip',
      chunks: ChunkStream.of([Buffer.from('x')]),
    });
    const a = new FileObjectAccess(conf);
    const key = a.keyOfLocation(receipt.location);
    assert.equal(key, '20261127/20261127T101500Z_20261127T101559Z_aaaabbbbccccdddd.log.gz');
    assert.deepEqual(await a.list(''), [key]);
    assert.equal(Buffer.from((await a.get(key!))!).toString(), 'x');

    assert.equal(a.keyOfLocation(dir), null);
    assert.equal(a.keyOfLocation(`${dir}/`), null);
    assert.equal(a.keyOfLocation(join(dir, '..', 'elsewhere', 'f')), null);
    assert.equal(a.keyOfLocation(`${dir}-sibling/f`), null);
    assert.equal(a.keyOfLocation('relative/path'), null);
    assert.equal(a.keyOfLocation(`s3://bucket${dir}/f`), null);
    assert.equal(a.keyOfLocation(`${dir}/..hidden`), '..hidden');
  });

  it('rejects keys that are not relative paths inside the root', async () => {
    const a = access(freshDir());
    for (const key of ['', '/etc/passwd', '../x', 'a/../../x', 'a//b', './a', 'a/', 'a\0b']) {
      await assert.rejects(a.put(key, bytes('x'), 'text/plain'), (error: unknown) => error instanceof DeliveryError && error.code === 'ERR_OBJECT_KEY', key);
      await assert.rejects(a.get(key), (error: unknown) => error instanceof DeliveryError && error.code === 'ERR_OBJECT_KEY', key);
    }
    for (const prefix of ['/', '../', 'a/../', '//']) {
      await assert.rejects(a.list(prefix), (error: unknown) => error instanceof DeliveryError && error.code === 'ERR_OBJECT_KEY', prefix);
    }
  });

  it('maps file system failures to DeliveryErrors (a path through a file, a symbolic link loop)', async () => {
    const dir = freshDir();
    const a = access(dir);
    await a.put('f', bytes('x'), 'text/plain');
    await assert.rejects(a.put('f/below', bytes('x'), 'text/plain'), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.code, 'ERR_DESTINATION_PATH');
      assert.equal(error.retryable, false);
      assert.match(error.message, /cannot create directory/);
      return true;
    });
    // The rename fails (a directory is in the way): the temporary file must not stay behind.
    mkdirSync(join(dir, 'sub', 'taken'), { recursive: true });
    await assert.rejects(a.put('sub/taken', bytes('x'), 'text/plain'), (error: unknown) => error instanceof DeliveryError && error.code === 'ERR_DESTINATION_PATH');
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['taken']);
    symlinkSync('loop', join(dir, 'loop'));
    await assert.rejects(a.get('loop'), (error: unknown) => error instanceof DeliveryError && error.code === 'ERR_DESTINATION_PATH' && /ELOOP/.test(error.message));
    await assert.rejects(a.list('loop/'), (error: unknown) => error instanceof DeliveryError && error.code === 'ERR_DESTINATION_PATH' && /cannot list directory/.test(error.message));
  });

  it('listInfo gives what list gives, with each file\'s size and modification time', async () => {
    const dir = freshDir();
    const a = access(dir);
    const before = Date.now();
    await a.put('20261127/b.log', bytes('bb'), 'text/plain');
    await a.put('20261127/a.log', bytes(''), 'text/plain');
    await a.put('20261127/deep/c.log', randomBytes(70_000), 'text/plain');
    await a.put('top', bytes('top!'), 'text/plain');
    const after = Date.now();
    writeFileSync(join(dir, '20261127', '.tmp-d.log.1.abcd'), 'partial');
    symlinkSync(join(dir, 'top'), join(dir, '20261127', 'link'));
    const infos = await a.listInfo('');
    assert.deepEqual(infos.map(({ key, bytes }) => [key, bytes]), [['20261127/a.log', 0], ['20261127/b.log', 2], ['20261127/deep/c.log', 70_000], ['top', 4]]);
    for (const info of infos) {
      assert.ok(info.modified instanceof Date);
      // File systems keep mtimes in whole seconds at worst.
      assert.ok(info.modified.getTime() >= before - 2000 && info.modified.getTime() <= after + 2000, `${info.key}: ${info.modified.toISOString()}`);
    }
    assert.deepEqual(await a.list(''), infos.map((info) => info.key));
    assert.deepEqual((await a.listInfo('20261127/b')).map((info) => info.key), ['20261127/b.log']);
    assert.deepEqual(await a.listInfo('nothing/'), []);
    await assert.rejects(a.listInfo('../'), (error: unknown) => error instanceof DeliveryError && error.code === 'ERR_OBJECT_KEY');
  });

  it('listInfo skips a file that is removed between the readdir and its lstat', async () => {
    const dir = freshDir();
    const a = access(dir);
    for (const name of ['a', 'b', 'c']) await a.put(`d/${name}`, bytes(name), 'text/plain');
    const realLstat = fsPromises.lstat;
    let calls = 0;
    fsPromises.lstat = ((...args: Parameters<typeof realLstat>) => {
      if (calls++ === 0) rmSync(join(dir, 'd', 'b'));
      return (realLstat as (...a: unknown[]) => ReturnType<typeof realLstat>)(...args);
    }) as typeof realLstat;
    syncBuiltinESMExports();
    try {
      assert.deepEqual((await a.listInfo('')).map((info) => [info.key, info.bytes]), [['d/a', 1], ['d/c', 1]]);
      assert.equal(calls, 3);
    } finally {
      fsPromises.lstat = realLstat;
      syncBuiltinESMExports();
    }
  });

  it('read streams an object in chunks of at most 1 MiB, exactly its bytes', async () => {
    const dir = freshDir();
    const a = access(dir);
    const content = randomBytes(3 * 1024 * 1024 + 12_345);
    await a.put('20261127/big.log', content, 'text/plain');
    await a.put('20261127/empty.log', new Uint8Array(0), 'text/plain');
    const big = await drain((await a.read('20261127/big.log'))!);
    assert.ok(big.bytes.equals(content), 'same bytes');
    assert.equal(big.count, 4);
    assert.equal(big.largest, 1024 * 1024);
    assert.equal((await drain((await a.read('20261127/empty.log'))!)).bytes.length, 0);
  });

  it('read is null where get is, and rejects what get rejects', async () => {
    const dir = freshDir();
    const a = access(dir);
    assert.equal(await a.read('nothing.json'), null); // root does not exist yet
    await a.put('d/file', bytes('x'), 'text/plain');
    for (const key of ['d/other', 'e/other', 'd/file/below', 'd']) assert.equal(await a.read(key), null, key);
    for (const key of ['', '/etc/passwd', '../x', 'a//b', 'a/']) {
      await assert.rejects(a.read(key), (error: unknown) => error instanceof DeliveryError && error.code === 'ERR_OBJECT_KEY', key);
    }
    symlinkSync('loop', join(dir, 'loop'));
    await assert.rejects(a.read('loop'), (error: unknown) => error instanceof DeliveryError && error.code === 'ERR_DESTINATION_PATH' && /cannot read .*ELOOP/.test(error.message));
  });

  it('breaking out of a read closes the file', async () => {
    const dir = freshDir();
    const a = access(dir);
    await a.put('big', randomBytes(3 * 1024 * 1024), 'application/octet-stream');
    const path = join(dir, 'big');
    const chunks = (await a.read('big'))!;
    assert.equal(descriptorsOn(path), 1, 'read opens the file before returning');
    for await (const chunk of chunks) {
      assert.equal(chunk.length, 1024 * 1024);
      break;
    }
    await waitFor(() => descriptorsOn(path) === 0, 'the file to be closed');
    await drain((await a.read('big'))!);
    await waitFor(() => descriptorsOn(path) === 0, 'the file to be closed after the end');
  });

  it('a directory removed while the walk is under way counts as empty', async () => {
    const dir = freshDir();
    const a = access(dir);
    for (const day of ['20261101', '20261102', '20261103']) await a.put(`${day}/sub/obj`, bytes('x'), 'text/plain');
    // The root's readdir has seen 20261102; it is deleted (retention) before the walk reads it.
    const realReaddir = fsPromises.readdir;
    let calls = 0;
    fsPromises.readdir = (async (...args: Parameters<typeof realReaddir>) => {
      const entries = await (realReaddir as (...a: unknown[]) => Promise<unknown>)(...args);
      if (calls++ === 0) rmSync(join(dir, '20261102'), { recursive: true });
      return entries;
    }) as typeof realReaddir;
    syncBuiltinESMExports();
    try {
      assert.deepEqual(await a.list(''), ['20261101/sub/obj', '20261103/sub/obj']);
      assert.ok(calls > 1);
    } finally {
      fsPromises.readdir = realReaddir;
      syncBuiltinESMExports();
    }
  });
});
