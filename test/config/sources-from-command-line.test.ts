// A config of jobs alone is complete when `sluice run --input` gives the records (README,
// "Running it"); without --input, leaving out sources is one clear problem saying what to add.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/errors.ts';
import { parseConfig } from '../../src/config/load.ts';

const jobsOnly = {
  jobs: [{ zone_id: '023e105f4ecef8ad9ca31a8372d0c353', dataset: 'http_requests', destination_conf: 'file:///tmp/out/{DATE}', output_options: { field_names: ['RayID'] } }],
};

describe('sources given on the command line', () => {
  test('a config without sources is valid, with no sources and parking off', () => {
    const config = parseConfig(jobsOnly, 'jobs.yaml', {}, { sourcesFromCommandLine: true });
    assert.deepEqual(config.sources, []);
    assert.equal(config.jobs.length, 1);
    assert.equal(config.pipeline.parking.enabled, false);
    // A kafka source in the file is replaced by --input: nothing to park jobs on.
    const kafka = { type: 'kafka', brokers: ['127.0.0.1:9092'], group_id: 'g', topics: [{ topic: 't', dataset: 'http_requests', tenant_from: { key: true } }] };
    assert.equal(parseConfig({ ...jobsOnly, sources: [kafka] }, 'jobs.yaml', {}, { sourcesFromCommandLine: true }).pipeline.parking.enabled, false);
  });

  test('without them, a missing sources says to add one or to use --input', () => {
    assert.throws(() => parseConfig(jobsOnly, 'jobs.yaml', {}), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems.map((p) => p.path), ['$.sources']);
      assert.match(error.problems[0]!.message, /^is required: add at least one source .*--input FILE\|- --dataset NAME --tenant ID/);
      return true;
    });
  });
});
