// Dataset field catalogs: which fields each Logpush dataset has and of what type.
// Loaded once at import (six small JSON files), then served from maps: job validation asks
// for a field's type once per field name, the API lists fields, the generator emits them.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Field types as the catalogs write them (see src/datasets/catalogs and shared/datasets/README.md). */
export type FieldType =
  | 'string'
  | 'int'
  | 'float'
  | 'bool'
  | 'object'
  | 'array[string]'
  | 'array[int]'
  | 'array[object]'
  /** Timestamp fields: integers for unixnano/unix, strings for rfc3339. */
  | 'int or string';

const FIELD_TYPES: ReadonlySet<string> = new Set<FieldType>([
  'string', 'int', 'float', 'bool', 'object', 'array[string]', 'array[int]', 'array[object]', 'int or string',
]);

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

/** The directory the catalog JSON files live in, relative to this module (not the CWD). */
export const CATALOG_DIR = join(import.meta.dirname, 'catalogs');

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
        typeof field.type !== 'string' || !FIELD_TYPES.has(field.type)) {
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

function loadCatalogs(dir: string): Map<string, DatasetCatalog> {
  const catalogs = new Map<string, DatasetCatalog>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const path = join(dir, file);
    const catalog = buildCatalog(JSON.parse(readFileSync(path, 'utf8')), path);
    catalogs.set(catalog.dataset, catalog);
  }
  return catalogs;
}

// A Map (not a plain object) so that names like "__proto__" or "constructor" simply miss.
const CATALOGS = loadCatalogs(CATALOG_DIR);
const DATASET_NAMES: readonly string[] = Object.freeze([...CATALOGS.keys()]);

export function getCatalog(dataset: string): DatasetCatalog | undefined {
  return CATALOGS.get(dataset);
}

/** Dataset names, sorted. */
export function listDatasets(): readonly string[] {
  return DATASET_NAMES;
}

export function fieldType(dataset: string, field: string): FieldType | undefined {
  return CATALOGS.get(dataset)?.fieldsByName.get(field)?.type;
}

export function timestampFields(dataset: string): readonly string[] {
  return CATALOGS.get(dataset)?.timestampFields ?? [];
}

export function eventTimeField(dataset: string): string | null {
  return CATALOGS.get(dataset)?.eventTimeField ?? null;
}

export function defaultFields(dataset: string): readonly string[] | null {
  return CATALOGS.get(dataset)?.defaultFields ?? null;
}
