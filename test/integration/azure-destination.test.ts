// The Azure Blob destination against Azurite (a real Blob service emulator that checks SAS
// signatures and keeps uncommitted blocks as Azure does), through the SDK client sluice builds.
// A multi-block upload goes through Toxiproxy, which resets the connections while a block is
// being sent, after earlier blocks were staged; the delivery is attempted again, as the
// pipeline does, until it succeeds. Then every record is in the blob exactly once and the
// blocks the failed attempt left uncommitted are gone.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { AzureDestination } from '../../src/destinations/azure/azure-destination.ts';
import type { BlobStore } from '../../src/destinations/azure/blob-store.ts';
import { azureConfigFrom } from '../../src/destinations/azure/config.ts';
import { writeAzureOwnershipChallenge } from '../../src/destinations/azure/ownership.ts';
import { SdkBlobStore } from '../../src/destinations/azure/sdk-blob-store.ts';
import { validateAzureDestination } from '../../src/destinations/azure/validate.ts';
import { ChunkStream } from '../../src/destinations/chunk-stream.ts';
import { DeliveryError, type DeliveryObject } from '../../src/destinations/destination.ts';
import { NetworkPolicy } from '../../src/destinations/net/network-policy.ts';
import { objectAccessFor } from '../../src/destinations/object-access.ts';
import { DESTINATION_UNREACHABLE } from '../../src/destinations/net/unreachable.ts';
import {
  AZURITE_HOST_PORT, azuriteConf, containerClient, createContainer, ensureAzurite, getBlobBytes, listBlobNames, sasFor, uncommittedBlocks, uniqueContainer,
} from '../helpers/azurite.ts';
import { LOOPBACK_ALLOWED } from '../helpers/network.ts';
import { addToxic, createProxy, deleteProxy, removeToxic, uniqueProxyName, type ToxiProxy } from '../helpers/toxiproxy.ts';

const BLOCK = 256 * 1024;
const RECORDS = 12000;
const RECORDS_PER_CHUNK = 400;
// 2026-11-27T10:00:00Z
const START_NS = '1795773600000000000';

/** NDJSON records with incompressible payloads, gzipped in members of RECORDS_PER_CHUNK records. */
function gzipChunks(): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let first = 0; first < RECORDS; first += RECORDS_PER_CHUNK) {
    let text = '';
    for (let id = first; id < Math.min(RECORDS, first + RECORDS_PER_CHUNK); id++) text += `${JSON.stringify({ id, pad: randomBytes(150).toString('base64') })}\n`;
    chunks.push(gzipSync(text));
  }
  return chunks;
}

function batch(chunks: Uint8Array[], batchId: string): DeliveryObject {
  return { jobId: 1, batchId, startNs: START_NS, endNs: START_NS, compression: 'gzip', chunks: ChunkStream.of(chunks), contentType: 'application/x-ndjson', records: RECORDS };
}

/**
 * The SDK store, counting failed block stages and what they failed with. `beforeStage` runs
 * before each block is sent (1-based block number), so a test can hold a block back until a
 * fault is in place.
 */
function countingStore(conf: string, beforeStage: (block: number) => Promise<void>): { store: BlobStore; staged: number[]; failedStages: string[] } {
  const sdk = new SdkBlobStore(azureConfigFrom(conf), LOOPBACK_ALLOWED);
  const staged: number[] = [];
  const failedStages: string[] = [];
  const store: BlobStore = {
    upload: (blob, body, headers) => sdk.upload(blob, body, headers),
    stageBlock: async (blob, blockId, body) => {
      // Block ids end in the block number (block-uploads.ts).
      const block = Number(Buffer.from(blockId, 'base64').toString().slice(-6));
      await beforeStage(block);
      try {
        await sdk.stageBlock(blob, blockId, body);
        staged.push(block);
      } catch (error) {
        failedStages.push(String((error as { code?: unknown }).code ?? (error as Error).name));
        throw error;
      }
    },
    commitBlockList: (blob, ids, headers) => sdk.commitBlockList(blob, ids, headers),
    deleteBlob: (blob) => sdk.deleteBlob(blob),
    destroy: () => sdk.destroy(),
  };
  return { store, staged, failedStages };
}

describe('Azure Blob destination on Azurite', { timeout: 180_000 }, () => {
  let container = '';
  let proxy: ToxiProxy | null = null;

  before(async () => {
    await ensureAzurite();
    container = uniqueContainer('sluice-azure');
    await createContainer(container);
  });

  after(async () => {
    if (proxy) await deleteProxy(proxy);
  });

  it('commits a multi-block upload reset mid-block exactly once, with no uncommitted block left', async () => {
    proxy = await createProxy(uniqueProxyName('azure-reset'), '127.0.0.1:0', AZURITE_HOST_PORT);
    const serviceUrl = `http://${proxy.listen}/devstoreaccount1`;
    const conf = azuriteConf(container, 'logs/{DATE}', { serviceUrl, extra: `block-size=${BLOCK}&blocks-in-flight=2` });
    // Blocks 1–3 go through; from block 4 on, every connection is reset as soon as a block's
    // request reaches the proxy (reset_peer), until the test heals it. The quick retry of the
    // block meets the same fault, so the attempt fails with three blocks staged.
    let reset: string | null = null;
    let faultInPlace: Promise<void> | null = null;
    const { store, staged, failedStages } = countingStore(conf, async (block) => {
      if (block < 4) return;
      faultInPlace ??= addToxic(proxy!, { type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } }).then((name) => {
        reset = name;
      });
      await faultInPlace;
    });
    const destination = new AzureDestination(conf, { store });
    const chunks = gzipChunks();
    const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    assert.ok(total > 4 * BLOCK, `the object spans several blocks (${total} bytes)`);

    const failures: string[] = [];
    let leftUncommitted = 0;
    let location = '';
    const deadline = Date.now() + 120_000;
    for (let attempt = 1; location === ''; attempt++) {
      assert.ok(Date.now() < deadline && attempt <= 30, `not delivered; failures: ${failures.join(' | ')}`);
      try {
        location = (await destination.deliver(batch(chunks, 'fedcba9876543210'))).location;
      } catch (error) {
        assert.ok(error instanceof DeliveryError && error.retryable, `a reset must be retryable: ${String(error)}`);
        failures.push(error.code);
        leftUncommitted = Math.max(leftUncommitted, (await uncommittedBlocks(container)).length);
      }
      // The fault heals once it has hit a block: the pipeline's retries then get through.
      if (reset !== null && failedStages.length > 0) {
        await removeToxic(proxy, reset);
        reset = null;
      }
    }
    await destination.close();
    assert.ok(failedStages.length > 0, 'the reset never hit a block upload');
    assert.ok(leftUncommitted > 0, 'no failed attempt left staged blocks behind');
    assert.ok(staged.filter((block) => block >= 4).length > 0, 'blocks after the fault were staged again');
    assert.ok(failedStages.every((code) => /ECONNRESET|REQUEST_SEND_ERROR|EPIPE|ECONNABORTED/.test(code)), failedStages.join(', '));

    const blob = location.slice(`azure://${container}/`.length);
    assert.equal(blob, 'logs/20261127/20261127T100000Z_20261127T100000Z_fedcba9876543210.log.gz');
    assert.deepEqual(await listBlobNames(container, 'logs/'), [blob]);
    const committed = await containerClient(container).getBlockBlobClient(blob).getBlockList('committed');
    assert.ok((committed.committedBlocks ?? []).length >= 4, `committed as blocks, got ${committed.committedBlocks?.length}`);
    const properties = await containerClient(container).getBlockBlobClient(blob).getProperties();
    assert.equal(properties.contentEncoding, 'gzip');
    assert.equal(properties.contentType, 'application/x-ndjson');

    const ids = gunzipSync(await getBlobBytes(container, blob)).toString().trimEnd().split('\n').map((line) => (JSON.parse(line) as { id: number }).id);
    assert.equal(ids.length, RECORDS, 'every record once');
    assert.deepEqual([...new Set(ids)].sort((a, b) => a - b), Array.from({ length: RECORDS }, (_, i) => i));
    assert.deepEqual(await uncommittedBlocks(container), []);
  });

  it('writes the ownership challenge above the {DATE} folders; a wrong SAS is refused without showing it', async () => {
    const written = await writeAzureOwnershipChallenge(azuriteConf(container, 'team-a/{DATE}', { sas: sasFor(container, 'cw') }), { name: 'ownership-challenge.txt', content: 'token-123' }, { network: LOOPBACK_ALLOWED });
    assert.equal(written.filename, `${container}/team-a/ownership-challenge.txt`);
    assert.equal((await getBlobBytes(container, 'team-a/ownership-challenge.txt')).toString(), 'token-123');

    const wrongSig = 'bm90LXRoZS1zaWduYXR1cmUtMDEyMzQ1Njc4OQ==';
    const wrong = sasFor(container).replace(/sig=[^&]+/, `sig=${encodeURIComponent(wrongSig)}`);
    await assert.rejects(writeAzureOwnershipChallenge(azuriteConf(container, 'team-b', { sas: wrong }), { name: 'ownership-challenge.txt', content: 'x' }, { network: LOOPBACK_ALLOWED }), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.code, 'ERR_AZURE_ACCESS_DENIED');
      assert.equal(error.retryable, false);
      assert.ok(!error.message.includes(wrongSig) && !error.message.includes(encodeURIComponent(wrongSig)), error.message);
      return true;
    });
  });

  it('validates with a write-only SAS (what Logpush asks for), warning that the test blob stays', async () => {
    const verdict = await validateAzureDestination(azuriteConf(container, 'checks', { sas: sasFor(container, 'cw') }), { network: LOOPBACK_ALLOWED });
    assert.equal(verdict.ok, true, verdict.message ?? '');
    assert.equal(verdict.warnings.length, 1);
    assert.match(verdict.warnings[0]!, /could not be deleted/);
    const full = await validateAzureDestination(azuriteConf(container, 'checks-full'), { network: LOOPBACK_ALLOWED });
    assert.deepEqual([full.ok, full.warnings], [true, []]);
    assert.deepEqual(await listBlobNames(container, 'checks-full/'), []);
  });

  it('reads and writes objects by key for audit digests and sluice verify', async () => {
    const access = objectAccessFor(azuriteConf(container, 'digests/{DATE}'), { network: LOOPBACK_ALLOWED });
    assert.ok(access !== null);
    try {
      assert.equal(access.root, `azure://${container}/digests/`);
      await access.put('20261127/b.json', new TextEncoder().encode('{"b":2}'), 'application/json');
      await access.put('20261127/a.json', new TextEncoder().encode('{"a":1}'), 'application/json');
      assert.deepEqual(await access.list('20261127/'), ['20261127/a.json', '20261127/b.json']);
      assert.equal(Buffer.from((await access.get('20261127/a.json'))!).toString(), '{"a":1}');
      assert.equal(await access.get('20261127/missing.json'), null);
      assert.equal(access.keyOfLocation(`azure://${container}/digests/20261127/a.json`), '20261127/a.json');
      assert.equal(access.keyOfLocation(`azure://${container}/other/a.json`), null);
    } finally {
      access.close();
    }
  });

  it('lists objects with sizes and modification times, and streams a large one in chunks', async () => {
    const access = objectAccessFor(azuriteConf(container, 'info/{DATE}'), { network: LOOPBACK_ALLOWED });
    assert.ok(access !== null);
    try {
      const big = randomBytes(3 * 1024 * 1024 + 12_345);
      const before = Date.now();
      await access.put('20261127/big.log', big, 'application/octet-stream');
      await access.put('20261127/a.log', new Uint8Array(0), 'application/octet-stream');
      await access.put('top.json', new TextEncoder().encode('{}'), 'application/json');
      const after = Date.now();
      const infos = await access.listInfo('');
      assert.deepEqual(infos.map(({ key, bytes }) => [key, bytes]), [['20261127/a.log', 0], ['20261127/big.log', big.length], ['top.json', 2]]);
      for (const info of infos) {
        // lastModified has whole seconds.
        assert.ok(info.modified.getTime() >= before - 2000 && info.modified.getTime() <= after + 2000, `${info.key}: ${info.modified.toISOString()}`);
      }
      assert.deepEqual(await access.list(''), infos.map((info) => info.key));
      assert.deepEqual((await access.listInfo('2026')).map((info) => info.key), ['20261127/a.log', '20261127/big.log']);

      const chunks: Uint8Array[] = [];
      for await (const chunk of (await access.read('20261127/big.log'))!) chunks.push(chunk);
      assert.ok(Buffer.concat(chunks).equals(big), 'same bytes');
      assert.ok(chunks.length > 1, `${chunks.length} chunks`);
      // Breaking out releases the connection: more abandoned reads than the client's 64 sockets
      // (sdk-blob-store.ts), and the next ones still get one.
      for (let i = 0; i < 70; i++) {
        for await (const chunk of (await access.read('20261127/big.log'))!) {
          assert.ok(chunk.length > 0);
          break;
        }
      }
      assert.equal(await access.read('20261127/missing.log'), null);
    } finally {
      access.close();
    }
    // Without read and list permissions in the SAS: refused, and the SAS is not shown.
    const sas = sasFor(container, 'cw');
    const writeOnly = objectAccessFor(azuriteConf(container, 'info/{DATE}', { sas }), { network: LOOPBACK_ALLOWED })!;
    try {
      const signature = new URLSearchParams(sas).get('sig')!;
      const refused = (error: unknown): boolean => error instanceof DeliveryError && !error.message.includes(signature) && !error.message.includes(encodeURIComponent(signature));
      await assert.rejects(writeOnly.read('20261127/big.log'), refused);
      await assert.rejects(writeOnly.listInfo(''), refused);
    } finally {
      writeOnly.close();
    }
  });

  it('connects to a loopback endpoint only when the operator allows loopback', async () => {
    const verdict = await validateAzureDestination(azuriteConf(container, 'refused'), { network: new NetworkPolicy([]) });
    assert.equal(verdict.ok, false);
    assert.equal(verdict.code, DESTINATION_UNREACHABLE);
    assert.deepEqual(await listBlobNames(container, 'refused/'), []);
  });
});
