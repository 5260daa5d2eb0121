// The field types dataset catalogs use: the vocabulary of Cloudflare's Logpush field lists.
// Kept apart from catalog.ts (which loads every catalog when imported) so that
// scripts/dataset-catalogs.ts can check types while the catalogs are being rewritten.

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

export function isFieldType(value: string): value is FieldType {
  return FIELD_TYPES.has(value);
}
