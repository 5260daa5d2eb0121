// The folder layers of docs/architecture.md ("Folders and layers") as data, and the check that
// every import between folders follows them. Imports are read with TypeScript's own scanner
// (static imports, `export … from`, `import type`, dynamic `import('…')` with a string literal),
// so an import named in a comment or a string does not count.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const REPO = resolve(import.meta.dirname, '../..');

/** Lowest first. A folder may import only the folders it lists, and each of those sits above it here. */
export const LAYERS: ReadonlyArray<{ folder: string; mayImport: readonly string[] | 'everything above' }> = [
  { folder: 'shared', mayImport: [] },
  { folder: 'kafka', mayImport: [] },
  { folder: 'datasets', mayImport: [] },
  { folder: 'generator', mayImport: ['datasets'] },
  { folder: 'jobs', mayImport: ['datasets'] },
  { folder: 'destinations', mayImport: ['jobs', 'shared'] },
  { folder: 'jobs/validation', mayImport: ['jobs', 'datasets', 'destinations'] },
  { folder: 'jobs/store', mayImport: ['jobs', 'jobs/validation', 'destinations', 'kafka'] },
  { folder: 'config', mayImport: ['jobs', 'jobs/validation', 'datasets', 'destinations'] },
  { folder: 'workers', mayImport: ['jobs', 'datasets'] },
  { folder: 'pool', mayImport: ['workers'] },
  { folder: 'core', mayImport: ['jobs', 'destinations', 'pool', 'workers', 'shared'] },
  { folder: 'sources', mayImport: ['core', 'config', 'destinations', 'generator', 'datasets', 'kafka', 'shared'] },
  { folder: 'telemetry', mayImport: ['core', 'config'] },
  { folder: 'api', mayImport: ['jobs', 'jobs/validation', 'jobs/store', 'destinations', 'datasets', 'config'] },
  { folder: 'audit', mayImport: ['api', 'jobs', 'jobs/store', 'destinations', 'shared'] },
  { folder: 'service*.ts', mayImport: 'everything above' },
  { folder: 'cli', mayImport: 'everything above' },
];

/** The repository path a layer name stands for: names are relative to src/, except workers/. */
export function layerPath(name: string): string {
  return name === 'workers' ? 'workers' : `src/${name}`;
}

/** The layer a repository-relative file belongs to: the deepest folder in LAYERS holding it, or null. */
export function layerOf(file: string): string | null {
  if (/^src\/service[^/]*\.ts$/.test(file)) return 'service*.ts';
  let found: string | null = null;
  for (const { folder } of LAYERS) {
    if (file.startsWith(`${layerPath(folder)}/`) && (found === null || folder.length > found.length)) found = folder;
  }
  return found;
}

export function allowedImports(layer: string): ReadonlySet<string> {
  const index = LAYERS.findIndex((l) => l.folder === layer);
  const { mayImport } = LAYERS[index]!;
  return new Set(mayImport === 'everything above' ? LAYERS.slice(0, index).map((l) => l.folder) : mayImport);
}

/** The relative imports of one file, resolved to repository-relative paths (packages and node: are left out). */
export function relativeImports(file: string, text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles
    .map((imported) => imported.fileName)
    .filter((specifier) => specifier.startsWith('./') || specifier.startsWith('../'))
    .map((specifier) => relative(REPO, resolve(REPO, dirname(file), specifier)));
}

/** One line per import that crosses layers the wrong way: "importer → imported (why)". */
export function layerViolations(files: ReadonlyMap<string, string>): string[] {
  const violations: string[] = [];
  for (const [file, text] of files) {
    const from = layerOf(file);
    if (from === null) continue; // reported by the test that every file has a layer
    for (const target of relativeImports(file, text)) {
      const to = layerOf(target);
      if (to === from) continue;
      if (to === null) violations.push(`${file} → ${target} (outside the layers)`);
      else if (!allowedImports(from).has(to)) violations.push(`${file} → ${target} (${from} may not import ${to})`);
    }
  }
  return violations;
}

/** Every .ts file under src/ and workers/, repository-relative, with its text. */
export function layeredSources(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(REPO, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.set(path, readFileSync(join(REPO, path), 'utf8'));
    }
  };
  walk('src');
  walk('workers');
  return files;
}

/** The "Folders and layers" table of docs/architecture.md, in the shape of LAYERS. */
export function documentedLayers(): Array<{ folder: string; mayImport: string[] | 'everything above' }> {
  const doc = readFileSync(join(REPO, 'docs/architecture.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith('Folders and layers\n'));
  if (section === undefined) return [];
  return section.split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [folderCell = '', , importsCell = ''] = line.split('|').slice(1).map((cell) => cell.trim());
      const folder = folderCell.replaceAll('`', '').replace(/^src\//, '').replace(/\/$/, '');
      const mayImport = importsCell === 'everything above' ? importsCell : importsCell === '—' ? [] : importsCell.split(/,\s*/);
      return { folder, mayImport };
    });
}
