// No lower layer imports a higher one (docs/architecture.md, "Folders and layers"): every
// import between folders of src/ and workers/ is one the importing folder's row allows.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentedLayers, LAYERS, layeredSources, layerOf, layerViolations } from './layers.ts';

describe('folder layers', () => {
  it('are layers: a folder may import only folders listed above it', () => {
    const seen = new Set<string>();
    for (const { folder, mayImport } of LAYERS) {
      if (mayImport !== 'everything above') {
        for (const lower of mayImport) assert.ok(seen.has(lower), `${folder} may import ${lower}, which is not below it`);
      }
      seen.add(folder);
    }
  });

  it('place every file of src/ and workers/ in a layer', () => {
    const unplaced = [...layeredSources().keys()].filter((file) => layerOf(file) === null);
    assert.deepEqual(unplaced, [], 'add their folder to LAYERS and to docs/architecture.md');
  });

  it('hold for every import in src/ and workers/', () => {
    assert.deepEqual(layerViolations(layeredSources()), []);
  });

  it('name the importing and the imported file of an import that breaks them, static or dynamic', () => {
    const planted = new Map([
      ['src/destinations/s3/retry.ts', "import { backoffDelay } from '../../core/retry.ts';\n// import { x } from '../../cli/main.ts';\n"],
      ['src/service.ts', "export async function f() { return import('./cli/progress.ts'); }\n"],
      ['src/jobs/validation/check.ts', "export type { Job } from '../types.ts';\nimport '../../destinations/destination.ts';\n"],
      ['src/core/reach.ts', "import { fixture } from '../../test/fixtures/records.ts';\n"],
    ]);
    assert.deepEqual(layerViolations(planted), [
      'src/destinations/s3/retry.ts → src/core/retry.ts (destinations may not import core)',
      'src/service.ts → src/cli/progress.ts (service*.ts may not import cli)',
      'src/core/reach.ts → test/fixtures/records.ts (outside the layers)',
    ]);
  });

  it('are the ones docs/architecture.md lists', () => {
    assert.deepEqual(documentedLayers(), LAYERS.map(({ folder, mayImport }) => ({ folder, mayImport: mayImport === 'everything above' ? mayImport : [...mayImport] })));
  });
});
