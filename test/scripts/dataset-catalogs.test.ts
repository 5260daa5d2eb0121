// scripts/dataset-catalogs.ts on a small docs tree written here in the docs' page format: the
// catalogs it writes load with src/datasets/catalog.ts's buildCatalog and say what the pages say.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildCatalog } from '../../src/datasets/catalog.ts';
import { catalogFromPage, catalogsFromDocs, DOCS_DATASETS_PATH, writeCatalogs } from '../../scripts/dataset-catalogs.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/dataset-catalogs.ts', import.meta.url));

/** A dataset page as the docs' code generator writes it. */
function page(dataset: string, fields: ReadonlyArray<[name: string, type: string, deprecated?: boolean]>): string {
  const sections = fields.map(([name, type, deprecated]) =>
    `## ${name}${deprecated ? ' (deprecated)' : ''}\n\nType: \`${type}\`\n\nWhat ${name} means. <br />Possible values are <em>a</em> \\| <em>b</em>.\n`);
  return `---\n# Code generator. DO NOT EDIT.\n\ntitle: ${dataset}\n---\n\nThe descriptions below detail the fields available for \`${dataset}\`.\n\n${sections.join('\n')}`;
}

const PAGES = {
  'zone/widget_events.md': page('widget_events', [
    ['ClientIP', 'string'], ['Count', 'int'], ['EndTimestamp', 'int or string'], ['Legacy', 'string', true],
    ['Ratio', 'float'], ['StartTimestamp', 'int or string'], ['Tags', 'array[string]'], ['Extra', 'object'],
  ]),
  'zone/http_requests.md': page('http_requests', [
    ['ClientIP', 'string'], ['ClientRequestHost', 'string'], ['ClientRequestMethod', 'string'], ['ClientRequestURI', 'string'],
    ['EdgeEndTimestamp', 'int or string'], ['EdgeResponseBytes', 'int'], ['EdgeResponseStatus', 'int'],
    ['EdgeStartTimestamp', 'int or string'], ['RayID', 'string'],
  ]),
  'account/widget_events.md': page('widget_events', [['AccountOnly', 'bool'], ['When', 'int or string']]),
  'account/index.mdx': '---\ntitle: Account-scoped datasets\n---\n\n<DirectoryListing />\n',
};

function docsTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'sluice-docs-'));
  for (const [path, text] of Object.entries(PAGES)) {
    const file = join(root, DOCS_DATASETS_PATH, path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
  }
  return root;
}

describe('scripts/dataset-catalogs.ts', () => {
  const made: string[] = [];
  after(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('writes one catalog per page and scope that loads back with the pages\' names, types, deprecations and timestamps', () => {
    const docs = docsTree();
    const out = mkdtempSync(join(tmpdir(), 'sluice-catalogs-'));
    made.push(docs, out);
    mkdirSync(join(out, 'zone'));
    writeFileSync(join(out, 'zone', 'dropped_dataset.json'), '{}');

    execFileSync(process.execPath, [SCRIPT, '--docs', docs, '--out', out], { encoding: 'utf8' });

    assert.deepEqual(readdirSync(join(out, 'zone')).sort(), ['http_requests.json', 'widget_events.json'], 'a catalog no page produced is removed');
    assert.deepEqual(readdirSync(join(out, 'account')), ['widget_events.json']);
    const zonePath = join(out, 'zone', 'widget_events.json');
    const zone = buildCatalog(JSON.parse(readFileSync(zonePath, 'utf8')), zonePath);
    assert.equal(zone.scope, 'zone');
    assert.deepEqual(zone.fields.map((f) => [f.name, f.type, f.deprecated]), [
      ['ClientIP', 'string', false], ['Count', 'int', false], ['EndTimestamp', 'int or string', false], ['Legacy', 'string', true],
      ['Ratio', 'float', false], ['StartTimestamp', 'int or string', false], ['Tags', 'array[string]', false], ['Extra', 'object', false],
    ]);
    assert.deepEqual(zone.timestampFields, ['EndTimestamp', 'StartTimestamp']);
    assert.equal(zone.eventTimeField, 'StartTimestamp');
    assert.equal(zone.defaultFields, null, 'the docs give no default fields');
    const raw = JSON.parse(readFileSync(zonePath, 'utf8')) as Record<string, unknown>;
    assert.equal(raw.source, `cloudflare/cloudflare-docs: ${DOCS_DATASETS_PATH}/zone/widget_events.md`);

    const accountPath = join(out, 'account', 'widget_events.json');
    const account = buildCatalog(JSON.parse(readFileSync(accountPath, 'utf8')), accountPath);
    assert.equal(account.scope, 'account');
    assert.deepEqual(account.fieldNames, ['AccountOnly', 'When']);

    const httpPath = join(out, 'zone', 'http_requests.json');
    const http = buildCatalog(JSON.parse(readFileSync(httpPath, 'utf8')), httpPath);
    assert.deepEqual(http.defaultFields, http.fieldNames, 'http_requests keeps the Logpull default field set');
  });

  it('writes the same bytes again from the same pages', () => {
    const docs = docsTree();
    const out = mkdtempSync(join(tmpdir(), 'sluice-catalogs-'));
    made.push(docs, out);
    writeCatalogs(catalogsFromDocs(docs), out);
    const first = readFileSync(join(out, 'zone', 'widget_events.json'), 'utf8');
    writeCatalogs(catalogsFromDocs(docs), out);
    assert.equal(readFileSync(join(out, 'zone', 'widget_events.json'), 'utf8'), first);
  });

  it('refuses a page it cannot read completely rather than writing a short catalog', () => {
    assert.throws(() => catalogFromPage(page('x', [['A', 'uint128']]), 'zone', 'x.md'), /field A has type "uint128"/);
    assert.throws(() => catalogFromPage('## A\n\nno type here\n\n## B\n\nType: `int`\n', 'zone', 'x.md'), /field A has no "Type:" line/);
    assert.throws(() => catalogFromPage('just prose\n', 'zone', 'x.md'), /no fields found/);
    assert.throws(() => catalogFromPage(page('x', [['A', 'int'], ['A', 'int']]), 'zone', 'x.md'), /A is listed twice/);
    assert.equal(catalogFromPage(page('x', [['A', 'int']]), 'zone', 'docs/zone/ignored-name.md').dataset, 'x', 'the name the page gives wins');
  });
});
