// Dataset field catalogs: which fields each Logpush dataset has and of what type.
// Loaded once at import (one small JSON file per dataset and scope, written by
// scripts/dataset-catalogs.ts from Cloudflare's docs), then served from maps: job validation asks
// for a field's type once per field name, the API lists fields, the generator emits them.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isFieldType, type FieldType } from './field-types.ts';

export type { FieldType } from './field-types.ts';
export { isFieldType } from './field-types.ts';

export type DatasetScope = 'zone' | 'account';

export interface CatalogField {
  readonly name: string;
  readonly type: FieldType;
  readonly deprecated: boolean;
}

export interface DatasetCatalog {
  readonly dataset: string;
  /** zone datasets belong to a zone_id, account datasets to an account_id. */
  readonly scope: DatasetScope;
  readonly fields: readonly CatalogField[];
  readonly fieldsByName: ReadonlyMap<string, CatalogField>;
  readonly fieldNames: readonly string[];
  readonly timestampFields: readonly string[];
  /** The field that carries the event time (batch start/end in object names), or null. */
  readonly eventTimeField: string | null;
  /** Fields used when a job gives no field_names, or null when the dataset has none (Logpush: required). */
  readonly defaultFields: readonly string[] | null;
}

/** The directory the catalog JSON files live in (zone/ and account/), relative to this module (not the CWD). */
export const CATALOG_DIR = join(import.meta.dirname, 'catalogs');

/** Zone first: where a dataset is documented for both scopes, callers that name no scope get the zone catalog. */
const SCOPES: readonly DatasetScope[] = ['zone', 'account'];

function pickEventTimeField(timestamps: readonly string[]): string | null {
  // "Start" wins because a request's start time is when the event happened (EdgeStartTimestamp),
  // and object names are ordered by event time.
  return timestamps.find((name) => name.includes('Start')) ?? timestamps[0] ?? null;
}

function asStringArray(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new Error(`dataset catalog: ${what} must be an array of strings`);
  }
  return value as string[];
}

/** Turns one catalog file's JSON into a DatasetCatalog; throws on a malformed file (a build error, not user input). */
export function buildCatalog(raw: unknown, origin: string): DatasetCatalog {
  if (raw === null || typeof raw !== 'object') throw new Error(`${origin}: not a JSON object`);
  const r = raw as Record<string, unknown>;
  if (typeof r.dataset !== 'string') throw new Error(`${origin}: "dataset" must be a string`);
  if (r.scope !== 'zone' && r.scope !== 'account') throw new Error(`${origin}: "scope" must be zone or account`);
  if (!Array.isArray(r.fields)) throw new Error(`${origin}: "fields" must be an array`);
  const fields: CatalogField[] = r.fields.map((f: unknown, i: number) => {
    const field = f as Record<string, unknown> | null;
    if (field === null || typeof field !== 'object' || typeof field.name !== 'string' ||
        typeof field.type !== 'string' || !isFieldType(field.type)) {
      throw new Error(`${origin}: fields[${i}] needs a name and a known type`);
    }
    return Object.freeze({ name: field.name, type: field.type as FieldType, deprecated: field.deprecated === true });
  });
  const fieldsByName = new Map(fields.map((f) => [f.name, f]));
  const timestampFields = asStringArray(r.timestamp_fields ?? [], `${origin}: timestamp_fields`);
  const defaultFields = r.default_fields === undefined ? null : asStringArray(r.default_fields, `${origin}: default_fields`);
  for (const name of [...timestampFields, ...(defaultFields ?? [])]) {
    if (!fieldsByName.has(name)) throw new Error(`${origin}: ${name} is not one of its fields`);
  }
  return Object.freeze({
    dataset: r.dataset,
    scope: r.scope,
    fields: Object.freeze(fields),
    fieldsByName,
    fieldNames: Object.freeze(fields.map((f) => f.name)),
    timestampFields: Object.freeze(timestampFields),
    eventTimeField: pickEventTimeField(timestampFields),
    defaultFields: defaultFields === null ? null : Object.freeze(defaultFields),
  });
}

function loadCatalogs(root: string): Map<string, Map<DatasetScope, DatasetCatalog>> {
  const catalogs = new Map<string, Map<DatasetScope, DatasetCatalog>>();
  for (const scope of SCOPES) {
    const dir = join(root, scope);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const path = join(dir, file);
      const catalog = buildCatalog(JSON.parse(readFileSync(path, 'utf8')), path);
      if (catalog.scope !== scope) throw new Error(`${path}: scope is ${catalog.scope} but the file is under ${scope}/`);
      let byScope = catalogs.get(catalog.dataset);
      if (byScope === undefined) catalogs.set(catalog.dataset, byScope = new Map());
      byScope.set(scope, catalog);
    }
  }
  return new Map([...catalogs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// Maps (not plain objects) so that names like "__proto__" or "constructor" simply miss.
const CATALOGS = loadCatalogs(CATALOG_DIR);
const DATASET_NAMES: readonly string[] = Object.freeze([...CATALOGS.keys()]);
const NAMES_BY_SCOPE = new Map(SCOPES.map((scope) => [scope, Object.freeze(DATASET_NAMES.filter((name) => CATALOGS.get(name)!.has(scope)))]));

/**
 * The catalog of `dataset` in `scope`, or undefined when the dataset has none there. Without a
 * scope: the dataset's zone catalog, else its account one (most datasets have one scope only).
 */
export function getCatalog(dataset: string, scope?: DatasetScope): DatasetCatalog | undefined {
  const byScope = CATALOGS.get(dataset);
  if (byScope === undefined) return undefined;
  if (scope !== undefined) return byScope.get(scope);
  return byScope.get('zone') ?? byScope.get('account');
}

/** The scopes a dataset is documented for (zone first); empty for an unknown dataset. */
export function datasetScopes(dataset: string): readonly DatasetScope[] {
  const byScope = CATALOGS.get(dataset);
  return byScope === undefined ? [] : SCOPES.filter((scope) => byScope.has(scope));
}

/** Dataset names, sorted; with a scope, only the datasets that scope has. */
export function listDatasets(scope?: DatasetScope): readonly string[] {
  return scope === undefined ? DATASET_NAMES : NAMES_BY_SCOPE.get(scope)!;
}

/** Every catalog of a scope, sorted by dataset name. */
export function listCatalogs(scope: DatasetScope): readonly DatasetCatalog[] {
  return listDatasets(scope).map((name) => CATALOGS.get(name)!.get(scope)!);
}

export function fieldType(dataset: string, field: string, scope?: DatasetScope): FieldType | undefined {
  return getCatalog(dataset, scope)?.fieldsByName.get(field)?.type;
}

export function timestampFields(dataset: string, scope?: DatasetScope): readonly string[] {
  return getCatalog(dataset, scope)?.timestampFields ?? [];
}

export function eventTimeField(dataset: string, scope?: DatasetScope): string | null {
  return getCatalog(dataset, scope)?.eventTimeField ?? null;
}

export function defaultFields(dataset: string, scope?: DatasetScope): readonly string[] | null {
  return getCatalog(dataset, scope)?.defaultFields ?? null;
}
