// A batch that crashes workers again and again is set aside as raw NDJSON under
// data_dir/quarantine/ — acknowledged, not lost, and it does not stop other batches.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { runService } from '../../src/service.ts';
import { NdjsonSource } from '../../src/sources/ndjson.ts';
import { createLogger } from '../../src/shared/log.ts';
import { listFiles, outputLines } from './output-reader.ts';

const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
const dir = mkdtempSync(join(tmpdir(), 'sluice-quarantine-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('quarantines a batch that kills its worker every time and delivers the rest', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 30; i++) lines.push(JSON.stringify({ RayID: `ray${String(i).padStart(13, '0')}`, ClientIP: i === 12 ? 'CRASH-ME' : '10.0.0.1' }));
  const input = join(dir, 'events.ndjson');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const config = parseConfig(
    {
      data_dir: join(dir, 'state'),
      limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
      pipeline: { workers: 1 },
      sources: [{ type: 'generator' }],
      jobs: [{ id: 9, zone_id: ZONE, dataset: 'http_requests', destination_conf: `${pathToFileURL(join(dir, 'out')).href}/{DATE}`, max_upload_records: 10, compression: 'none', output_options: { field_names: ['RayID', 'ClientIP'] } }],
    },
    'quarantine test',
  );
  const outcome = await runService({
    config,
    sources: [new NdjsonSource({ path: input, dataset: 'http_requests', tenant: ZONE })],
    log: createLogger('silent'),
    print: () => {},
    handleSignals: false,
    workerFile: new URL('../fixtures/crash-on-marker-worker.ts', import.meta.url).href,
  });

  assert.equal(outcome.undelivered, 0, 'every record is acknowledged: delivered or set aside');
  assert.equal(outcome.pipeline.stats.recordsDropped.quarantined, 10);
  assert.equal(outcome.pipeline.stats.workerFailures, 3, 'the crashing batch was tried three times');
  const delivered = outputLines(join(dir, 'out')).lines.map((l) => (JSON.parse(l) as { RayID: string }).RayID).sort();
  assert.deepEqual(delivered, [...lines.slice(0, 10), ...lines.slice(20)].map((l) => (JSON.parse(l) as { RayID: string }).RayID).sort());
  const quarantined = listFiles(join(dir, 'state', 'quarantine', 'job-9'));
  assert.equal(quarantined.length, 1);
  assert.equal(readFileSync(quarantined[0]!, 'utf8'), `${lines.slice(10, 20).join('\n')}\n`, 'the quarantined file holds the raw records');
});
