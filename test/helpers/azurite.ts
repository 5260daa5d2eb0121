// Test helpers for Azurite, the Azure Storage emulator that scripts/azurite.sh runs on loopback
// (blob service only). Integration tests call ensureAzurite() first (it starts — and on first
// use installs — the emulator when nothing answers), make their own container with
// uniqueContainer() + createContainer(), and sign SAS tokens for it with sasFor(): Azurite checks
// SAS signatures like Azure does, so a wrong one gets a 403.

import {
  BlobServiceClient,
  ContainerClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { checkAzuriteOnce } from '../../scripts/services/ready-check.ts';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../scripts/services/test-account.ts';
import { ServiceStarter } from './service-script.ts';

/** Blob service port; scripts/azurite.sh reads the same variable. */
export const AZURITE_PORT = Number(process.env['SLUICE_AZURITE_PORT'] ?? 39010);
export const AZURITE_HOST_PORT = `127.0.0.1:${AZURITE_PORT}`;
/** The account's blob service URL (Azurite puts the account in the path). */
export const AZURITE_SERVICE_URL = `http://${AZURITE_HOST_PORT}/${AZURITE_ACCOUNT}`;

const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY);
const starter = new ServiceStarter('azurite.sh', () => checkAzuriteOnce(AZURITE_HOST_PORT));

/** Resolves once Azurite answers a signed request, starting it with `scripts/azurite.sh start` if not. */
export async function ensureAzurite(): Promise<{ serviceUrl: string }> {
  await starter.ensure();
  return { serviceUrl: AZURITE_SERVICE_URL };
}

/** A client for the container signed with the account key (for checking what sluice wrote). */
export function containerClient(container: string): ContainerClient {
  return new BlobServiceClient(AZURITE_SERVICE_URL, credential, { retryOptions: { maxTries: 1 } }).getContainerClient(container);
}

let containerCounter = 0;

/** A container name no other test (or earlier run) uses, valid under Azure's rules. */
export function uniqueContainer(prefix: string): string {
  const suffix = `-${process.pid.toString(36)}-${Date.now().toString(36)}-${(++containerCounter).toString(36)}`;
  const safe = prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63 - suffix.length);
  return `${safe.length >= 3 ? safe : 'c00'}${suffix}`;
}

export async function createContainer(name: string): Promise<void> {
  await containerClient(name).create();
}

/**
 * A service SAS for the container as a query string (no '?'), valid for a year: `permissions` in
 * Azure's letters, e.g. 'cw' (what Logpush asks for: create and write) or 'racwdl'.
 */
export function sasFor(container: string, permissions = 'racwdl'): string {
  return generateBlobSASQueryParameters({
    containerName: container,
    permissions: ContainerSASPermissions.parse(permissions),
    startsOn: new Date(Date.now() - 60_000),
    expiresOn: new Date(Date.now() + 365 * 24 * 3600_000),
    protocol: SASProtocol.HttpsAndHttp,
  }, credential).toString();
}

/** The azure: destination_conf for a container on Azurite (or on a proxy in front of it at `serviceUrl`). */
export function azuriteConf(container: string, path: string, options: { sas?: string; serviceUrl?: string; extra?: string } = {}): string {
  const endpoint = encodeURIComponent(options.serviceUrl ?? AZURITE_SERVICE_URL);
  return `azure://${container}/${path}?${options.sas ?? sasFor(container)}&endpoint=${endpoint}${options.extra ? `&${options.extra}` : ''}`;
}

/** Committed blob names under `prefix`, in the service's order. */
export async function listBlobNames(container: string, prefix = ''): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of containerClient(container).listBlobsFlat({ prefix })) names.push(blob.name);
  return names;
}

export async function getBlobBytes(container: string, blob: string): Promise<Buffer> {
  return containerClient(container).getBlockBlobClient(blob).downloadToBuffer();
}

/**
 * Every uncommitted block in the container, as `<blob>#<block id>`: blobs that have only
 * uncommitted blocks are listed too (includeUncommitedBlobs), and each blob's block list is read.
 */
export async function uncommittedBlocks(container: string): Promise<string[]> {
  const client = containerClient(container);
  const found: string[] = [];
  for await (const blob of client.listBlobsFlat({ includeUncommitedBlobs: true })) {
    const list = await client.getBlockBlobClient(blob.name).getBlockList('uncommitted');
    for (const block of list.uncommittedBlocks ?? []) found.push(`${blob.name}#${block.name}`);
  }
  return found;
}
