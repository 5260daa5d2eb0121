// Job bodies as Cloudflare's SDK and documentation write them, through the API and the file job
// store: what sluice does is accepted (and still read the same after a restart), what it does
// not offer is refused with a message saying so, never accepted and dropped.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FileJobStore } from '../../src/jobs/store/file-job-store.ts';
import { fileJob, SECRET, startHarness, ZONE_A, zoneJobs, type Harness } from './helpers.ts';

describe('Logpush job options through the API', () => {
  let h: Harness;
  before(async () => {
    // More jobs than Logpush's 4 per zone: each test creates its own.
    h = await startHarness({ counts: { max_jobs_per_zone: 20 } });
  });
  after(async () => {
    await h.close();
  });

  async function create(body: Record<string, unknown>) {
    return h.call('POST', zoneJobs(ZONE_A), { body: fileJob(body) });
  }

  /** The 400 a refused body gets, with its one problem's message. */
  async function refused(body: Record<string, unknown>): Promise<string> {
    const reply = await create(body);
    assert.equal(reply.status, 400, reply.text);
    assert.equal(reply.json.errors.length, 1, reply.text);
    return reply.json.errors[0].message;
  }

  it('accepts the documentation\'s S3-compatible example options, ClientIP listed twice, as Logpush returns them', async () => {
    const fieldNames = ['ClientIP', 'ClientIP', 'ClientRequestHost', 'ClientRequestMethod', 'ClientRequestURI', 'EdgeEndTimestamp',
      'EdgeResponseBytes', 'EdgeResponseStatus', 'EdgeStartTimestamp', 'RayID'];
    const created = await create({ output_options: { field_names: fieldNames, timestamp_format: 'rfc3339' }, kind: '', frequency: 'high' });
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(created.json.result.output_options.field_names, fieldNames.slice(1));
    // What GET returns can be sent back unchanged (kind "", frequency "high").
    const got = await h.call('GET', `${zoneJobs(ZONE_A)}/${created.json.result.id}`);
    const { id, last_complete, last_error, error_message, ...body } = got.json.result;
    const echoed = await h.call('PUT', `${zoneJobs(ZONE_A)}/${id}`, { body });
    assert.equal(echoed.status, 200, echoed.text);
    assert.deepEqual(echoed.json.result.output_options, got.json.result.output_options);
  });

  it('refuses what sluice does not offer, naming it', async () => {
    assert.match(await refused({ kind: 'edge' }), /^\$\.kind: "edge" \(Edge Log Delivery, Instant Logs\) is not offered by sluice/);
    assert.match(await refused({ filter_attack_traffic: true }), /^\$\.filter_attack_traffic: sluice does not support excluding DDoS attack traffic/);
    assert.match(await refused({ frequency: 'low' }), /^\$\.frequency: "low" is not supported/);
    assert.match(await refused({ output_options: { field_names: ['RayID'], merge_subrequests: true } }), /^\$\.output_options\.merge_subrequests: sluice does not support merging subrequests/);
    assert.match(await refused({ output_options: { field_names: ['RayID'], 'CVE-2021-4428': false, 'CVE-2021-44228': true } }), /^\$\.output_options\["CVE-2021-4428"\]: is false but CVE-2021-44228 is true/);
    assert.deepEqual((await h.call('GET', zoneJobs(ZONE_A))).json.result.filter((j: { kind: string }) => j.kind !== ''), []);
  });

  it('a PUT that asks for what sluice does not offer leaves the job as it was', async () => {
    const created = await create({});
    assert.equal(created.status, 200, created.text);
    const path = `${zoneJobs(ZONE_A)}/${created.json.result.id}`;
    const put = await h.call('PUT', path, { body: { filter_attack_traffic: true } });
    assert.equal(put.status, 400, put.text);
    assert.deepEqual((await h.call('GET', path)).json.result, created.json.result);
  });

  it('keeps the CVE-2021-4428 spelling, a Logpull URL and repeated fields across a store restart', async () => {
    const aliased = await create({ output_options: { field_names: ['RayID', 'ClientIP', 'RayID'], 'CVE-2021-4428': true } });
    assert.equal(aliased.status, 200, aliased.text);
    assert.equal(aliased.json.result.output_options['CVE-2021-44228'], true);
    assert.deepEqual(aliased.json.result.output_options.field_names, ['RayID', 'ClientIP']);

    const url = 'https://api.cloudflare.com/client/v4/zones/zone-aaaa/logs/received?start=2024-05-01T00:00:00Z&end=2024-05-01T00:05:00Z' +
      '&fields=ClientIP,RayID,EdgeStartTimestamp&timestamps=rfc3339&CVE-2021-44228=true';
    const fromUrl = await create({ output_options: undefined, logpull_options: url });
    assert.equal(fromUrl.status, 200, fromUrl.text);
    const fromQuery = await create({ output_options: undefined, logpull_options: url.slice(url.indexOf('?') + 1) });
    assert.equal(fromQuery.status, 200, fromQuery.text);
    assert.deepEqual(fromUrl.json.result.output_options, fromQuery.json.result.output_options);
    assert.deepEqual(fromUrl.json.result.output_options.field_names, ['ClientIP', 'RayID', 'EdgeStartTimestamp']);
    assert.equal(fromUrl.json.result.output_options.timestamp_format, 'rfc3339');

    // The store keeps the bodies as sent and validates them again when it loads.
    const restarted = new FileJobStore({ dir: h.dir });
    await restarted.start();
    try {
      for (const reply of [aliased, fromUrl]) {
        const before = await h.store.get(reply.json.result.id);
        assert.ok(before);
        assert.deepEqual(await restarted.get(reply.json.result.id), before);
      }
    } finally {
      await restarted.close();
    }
  });

  it('validates an S3-compatible destination whose endpoint is host:port, as the docs write it', async () => {
    const conf = (endpoint: string) =>
      `s3://logs/http/{DATE}?region=us-east-1&access-key-id=AKIAEXAMPLE&secret-access-key=${SECRET}&endpoint=${endpoint}`;
    for (const endpoint of ['sfo2.digitaloceanspaces.com', 'minio.example.com:9000']) {
      const reply = await h.call('POST', `/zones/${ZONE_A}/logpush/validate/destination`, { body: { destination_conf: conf(endpoint) } });
      assert.deepEqual(reply.json.result, { valid: true, message: '' }, endpoint);
    }
    const bad = await h.call('POST', `/zones/${ZONE_A}/logpush/validate/destination`, { body: { destination_conf: conf('minio.example.com:9000/logs') } });
    assert.equal(bad.json.result.valid, false);
    assert.match(bad.json.result.message, /endpoint must be just \[scheme:\/\/\]host\[:port\]/);
  });
});
