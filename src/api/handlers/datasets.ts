// Dataset field catalogs, as Logpush serves them: a map of field name → description (here:
// the field's type, and "deprecated" where the catalog says so).

import { getCatalog, type DatasetCatalog } from '../../datasets/catalog.ts';
import { notFound, apiError, API_ERROR_CODES } from '../errors.ts';
import type { HandlerResult, RequestContext } from '../types.ts';
import { tenantOf } from './jobs.ts';

function catalogFor(ctx: RequestContext): DatasetCatalog {
  const name = ctx.params.dataset ?? '';
  const catalog = getCatalog(name);
  if (catalog === undefined) throw notFound(`dataset ${JSON.stringify(name.slice(0, 64))}`);
  const routeScope = tenantOf(ctx).zone_id !== undefined ? 'zone' : 'account';
  if (catalog.scope !== routeScope) {
    throw apiError(404, API_ERROR_CODES.notFound, `dataset ${catalog.dataset} is a${catalog.scope === 'account' ? 'n' : ''} ${catalog.scope} dataset: use /${catalog.scope}s/{${catalog.scope}_id}/logpush/…`);
  }
  return catalog;
}

function fieldMap(catalog: DatasetCatalog, names: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const name of names) {
    const field = catalog.fieldsByName.get(name);
    if (field) map[name] = field.deprecated ? `${field.type} (deprecated)` : field.type;
  }
  return map;
}

export async function datasetFields(ctx: RequestContext): Promise<HandlerResult> {
  const catalog = catalogFor(ctx);
  return { result: fieldMap(catalog, catalog.fieldNames) };
}

export async function datasetDefaultFields(ctx: RequestContext): Promise<HandlerResult> {
  const catalog = catalogFor(ctx);
  return { result: fieldMap(catalog, catalog.defaultFields ?? []) };
}
