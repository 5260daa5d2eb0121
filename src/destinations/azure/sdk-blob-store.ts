// BlobStore over @azure/storage-blob, authorised by the SAS token of destination_conf.
//
// Retries: the SDK's own are off (maxTries 1), for the reason sdk-store.ts gives for S3: the
// pipeline's delivery loop is the one retry loop, plus one quick retry of a failed block
// (s3/multipart.ts). Redirects are not followed: a 3xx is an error, never a second host.
//
// Network: every request goes through an agent whose sockets are checked against the
// operator's policy (net/node-agents.ts), like the S3 client's, so neither the account host nor
// endpoint= reaches an address the operator has not allowed.
//
// Loading: the SDK is imported when a store first talks to Azure, not when sluice starts. Loaded
// up front it took ~8 MB of RSS and ~10 MB of main-thread heap (importing src/service.ts: 155 →
// 147–148 MB, 43 → 33–34 MB) that an instance without Azure jobs would hold for nothing
// (bench/README.md "Next steps", item 5).

import type { ContainerClient, StoragePipelineOptions } from '@azure/storage-blob';
import { guardedAgents } from '../net/node-agents.ts';
import type { NetworkPolicy } from '../net/network-policy.ts';
import { DEFAULT_TIMEOUTS, type SdkStoreTimeouts } from '../s3/sdk-store.ts';
import type { ObjectHeaders } from '../s3/store.ts';
import type { AzureDestinationConfig } from './config.ts';
import type { BlobStore } from './blob-store.ts';

export class SdkBlobStore implements BlobStore {
  readonly #url: string;
  readonly #options: StoragePipelineOptions;
  #container: Promise<ContainerClient> | null = null;
  readonly #destroyAgents: () => void;

  constructor(config: AzureDestinationConfig, network: NetworkPolicy, timeouts: SdkStoreTimeouts = DEFAULT_TIMEOUTS) {
    const agents = guardedAgents(network, { keepAlive: true, maxSockets: 64, timeoutMs: timeouts.connectionTimeoutMs });
    const agent = config.serviceUrl.startsWith('http:') ? agents.httpAgent : agents.httpsAgent;
    // `agent` and `redirectOptions` are core-rest-pipeline options that newPipeline passes on to
    // the client pipeline; StoragePipelineOptions does not declare them.
    const options: StoragePipelineOptions & { agent: typeof agent; redirectOptions: { maxRetries: number } } = {
      retryOptions: { maxTries: 1, tryTimeoutInMs: timeouts.requestTimeoutMs },
      agent,
      redirectOptions: { maxRetries: 0 },
    };
    this.#url = `${config.serviceUrl}/${config.container}?${config.sas}`;
    this.#options = options;
    this.#destroyAgents = () => {
      agents.httpAgent.destroy();
      agents.httpsAgent.destroy();
    };
  }

  /** The container client (loading the SDK the first time), for object access (reads and listings) and tests. */
  container(): Promise<ContainerClient> {
    this.#container ??= import('@azure/storage-blob').then(({ AnonymousCredential, ContainerClient, newPipeline }) =>
      new ContainerClient(this.#url, newPipeline(new AnonymousCredential(), this.#options)));
    return this.#container;
  }

  async upload(blob: string, body: Uint8Array, headers: ObjectHeaders): Promise<void> {
    await (await this.container()).getBlockBlobClient(blob).upload(body, body.length, { blobHTTPHeaders: httpHeaders(headers) });
  }

  async stageBlock(blob: string, blockId: string, body: Uint8Array): Promise<void> {
    await (await this.container()).getBlockBlobClient(blob).stageBlock(blockId, body, body.length);
  }

  async commitBlockList(blob: string, blockIds: readonly string[], headers: ObjectHeaders): Promise<void> {
    await (await this.container()).getBlockBlobClient(blob).commitBlockList([...blockIds], { blobHTTPHeaders: httpHeaders(headers) });
  }

  async deleteBlob(blob: string): Promise<void> {
    await (await this.container()).getBlockBlobClient(blob).delete();
  }

  destroy(): void {
    this.#destroyAgents();
  }
}

function httpHeaders(headers: ObjectHeaders): { blobContentType: string; blobContentEncoding?: string } {
  return { blobContentType: headers.contentType, ...(headers.contentEncoding !== null ? { blobContentEncoding: headers.contentEncoding } : {}) };
}
