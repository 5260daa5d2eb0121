// Dataset field catalogs, as Logpush serves them: a map of field name → description (here:
// the field's type, and "deprecated" where the catalog says so).

import { datasetScopes, getCatalog, type DatasetCatalog, type DatasetScope } from '../../datasets/catalog.ts';
import { notFound, apiError, API_ERROR_CODES } from '../errors.ts';
import type { HandlerResult, RequestContext } from '../types.ts';
import { tenantOf } from './jobs.ts';

/**
 * The catalog of the route's dataset for the route's scope (firewall_events and
 * websocket_analytics have one per scope, with different fields). A dataset of the other scope
 * only is a 404 that says which route to use.
 */
export function routeCatalog(ctx: RequestContext): DatasetCatalog {
  const name = ctx.params.dataset ?? '';
  const routeScope: DatasetScope = tenantOf(ctx).zone_id !== undefined ? 'zone' : 'account';
  const catalog = getCatalog(name, routeScope);
  if (catalog !== undefined) return catalog;
  const [scope] = datasetScopes(name);
  if (scope === undefined) throw notFound(`dataset ${JSON.stringify(name.slice(0, 64))}`);
  throw apiError(404, API_ERROR_CODES.notFound, `dataset ${name} is a${scope === 'account' ? 'n' : ''} ${scope} dataset: use /${scope}s/{${scope}_id}/logpush/…`);
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
  const catalog = routeCatalog(ctx);
  return { result: fieldMap(catalog, catalog.fieldNames) };
}

export async function datasetDefaultFields(ctx: RequestContext): Promise<HandlerResult> {
  const catalog = routeCatalog(ctx);
  return { result: fieldMap(catalog, catalog.defaultFields ?? []) };
}
