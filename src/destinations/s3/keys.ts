// Object keys: `<path with {DATE}>/<objectName>` (docs/architecture.md "Jobs"), deterministic for a
// job and offset range so that a retried or rebuilt batch overwrites the same key. And the
// matcher the sweep uses to recognise keys this job's path template can produce.

import type { DeliveryObject } from '../destination.ts';
import { expandDate, objectName } from '../object-name.ts';

export function objectKey(pathTemplate: string, object: DeliveryObject): string {
  const prefix = expandDate(pathTemplate, object.startNs);
  return prefix === '' ? objectName(object) : `${prefix}/${objectName(object)}`;
}

/** The fixed part of the template before any {DATE}: the ListMultipartUploads prefix. */
export function listingPrefix(pathTemplate: string): string {
  const date = pathTemplate.indexOf('{DATE}');
  if (date >= 0) return pathTemplate.slice(0, date);
  return pathTemplate === '' ? '' : `${pathTemplate}/`;
}

const NAME = String.raw`\d{8}T\d{6}Z_\d{8}T\d{6}Z_[0-9A-Za-z-]+\.log(?:\.[a-z]+)?`;

/** Matches exactly the keys objectKey can produce for this template (any date, any batch). */
export function keyMatcher(pathTemplate: string): RegExp {
  const prefix = pathTemplate
    .split('{DATE}')
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join(String.raw`\d{8}`);
  return new RegExp(`^${prefix === '' ? '' : prefix + '/'}${NAME}$`);
}
