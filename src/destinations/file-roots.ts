// Where a tenant's file:// destination may write: inside one of the operator's file roots
// (`destinations.file_roots`) and, by default, inside that tenant's own folder
// `<root>/<zone or account id>/` (docs/architecture.md invariant 8).
//
// The check runs on the path the file destination will really write to. FileDestination
// decodes %-escapes and joins paths lexically (node:path normalises `..` before any system
// call), so the template is decoded the same way (parseDestinationConf), normalised the same way
// (resolve), and then every symlink on the part that exists is followed (realpath): a symlink
// that points out of the root is caught, whatever its name. `{DATE}` only ever becomes eight
// digits, so one sample date stands for every day.
//
// Messages never contain a host path (neither the root nor where a symlink leads): the tenant
// is told what the rule is, and the operator tells tenants their path.

import { realpath } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Tenant } from '../jobs/types.ts';
import { parseDestinationConf } from './destination-conf.ts';
import { expandDate } from './object-name.ts';

export interface FileRootsPolicy {
  /** Directories API-created file:// jobs may write under; empty = file:// is refused. */
  roots: readonly string[];
  /** Confine each tenant to `<root>/<tenant id>/`. */
  tenantFolders: boolean;
}

/** A tenant id usable as one folder name: no separators, not "." or "..", nothing a shell or a path would read twice. */
const TENANT_FOLDER_NAME = /^[A-Za-z0-9_-]{1,128}$/;
/** Any date: {DATE} expands to eight digits, never to a separator. */
const SAMPLE_DATE_NS = `${Date.UTC(2000, 0, 1)}000000`;

export const FILE_DESTINATIONS_DISABLED = 'file:// destinations are not available to jobs created through the API on this instance (the operator allows none); use object storage or HTTPS';

export function outsideRootsMessage(tenantFolders: boolean): string {
  return tenantFolders
    ? 'a file:// destination must lie inside one of the operator\'s file roots, in the folder named after this zone or account id (file://<root>/<id>/…); ask the operator for the path'
    : 'a file:// destination must lie inside one of the operator\'s file roots; ask the operator for the path';
}

/**
 * Null when `tenant` may write to the file:// destination `conf`, else one sentence saying why
 * not (safe to return to the tenant). Non-file destinations are not this module's business: null.
 */
export async function fileDestinationProblem(conf: string, tenant: Tenant, policy: FileRootsPolicy): Promise<string | null> {
  const parsed = parseDestinationConf(conf);
  if (parsed.scheme !== 'file') return null;
  if (policy.roots.length === 0) return FILE_DESTINATIONS_DISABLED;
  const target = await confinedPath(expandDate(parsed.pathTemplate, SAMPLE_DATE_NS), tenant, policy);
  return target === null ? outsideRootsMessage(policy.tenantFolders) : null;
}

/**
 * `path` as written to, relative to the root it lies in (for answers that must not show host
 * paths), or null when it lies in no root.
 */
export async function pathWithinRoots(path: string, policy: FileRootsPolicy): Promise<string | null> {
  const real = await physicalPath(resolve(path));
  for (const root of policy.roots) {
    const realRoot = await physicalPath(resolve(root));
    if (isInside(real, realRoot)) return relative(realRoot, real);
  }
  return null;
}

/** The physical path `path` is written to when it lies where `tenant` may write, else null. */
async function confinedPath(path: string, tenant: Tenant, policy: FileRootsPolicy): Promise<string | null> {
  if (path.includes('\0')) return null;
  const folder = tenant.zone_id ?? tenant.account_id ?? '';
  if (policy.tenantFolders && !TENANT_FOLDER_NAME.test(folder)) return null;
  const real = await physicalPath(resolve(path));
  for (const root of policy.roots) {
    const realRoot = await physicalPath(resolve(root));
    const base = policy.tenantFolders ? join(realRoot, folder) : realRoot;
    if (isInside(real, base)) return real;
  }
  return null;
}

function isInside(path: string, base: string): boolean {
  return path === base || path.startsWith(base.endsWith(sep) ? base : base + sep);
}

/**
 * `path` (absolute, normalised) with every symlink on its existing part followed; the part that
 * does not exist yet is appended as written (mkdir will create it as plain directories).
 */
async function physicalPath(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(await realpath(current), ...missing.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: a file where a directory should be; the write will fail there, so the
      // lexical path is as good as any. Anything else (EACCES, ELOOP) refuses the path.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `${sep}\0unresolvable`;
      const parent = dirname(current);
      if (parent === current) return path;
      missing.push(basename(current));
      current = parent;
    }
  }
}
