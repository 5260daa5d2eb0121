// Cloudflare's own TypeScript SDK (npm `cloudflare`, pinned in package.json) against a running
// `sluice run` with the admin API, as a Logpush user would point it: `baseURL` at sluice's
// /client/v4. Every call of `client.logpush.*` is made, for a zone and for an account where the
// SDK has both, with the example bodies of Cloudflare's Logpush documentation. A call either
// works (its typed result is checked) or is one sluice does not offer — Instant Logs
// (`logpush.edge`) and Logpush transformers — and comes back as the SDK's APIError carrying
// Cloudflare's error shape ({code, message}) and a message that says so. The README's
// "Cloudflare SDK compatibility" table lists the same calls.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import Cloudflare, { APIError, BadRequestError, NotFoundError } from 'cloudflare';
import { ACCOUNT, startSluiceApi, TOKEN, ZONE, type SluiceApi } from './sluice-api.ts';

/** An APIError of the SDK whose body is Cloudflare's envelope with this code and a message matching `message`. */
function refusedWith(errorClass: new (...args: never[]) => APIError, status: number, code: number, message: RegExp): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof errorClass, `expected the SDK's ${errorClass.name}, got ${String(error)}`);
    assert.equal(error.status, status);
    assert.equal(error.errors.length, 1, JSON.stringify(error.errors));
    assert.equal(error.errors[0]!.code, code, JSON.stringify(error.errors));
    assert.match(error.errors[0]!.message ?? '', message);
    assert.equal((error.error as { success?: unknown }).success, false, 'the body is a Cloudflare envelope');
    return true;
  };
}

describe('Cloudflare\'s npm SDK against sluice: every logpush call', { timeout: 120_000 }, () => {
  let sluice: SluiceApi;
  let client: Cloudflare;
  const destination = (tenant: string, path: string) => sluice.destination(tenant, path);

  before(async () => {
    sluice = await startSluiceApi('sdk-compat');
    // No retries: a refused call must be refused the first time, not after the SDK's backoff.
    client = new Cloudflare({ apiToken: TOKEN, baseURL: `${sluice.url}/client/v4`, maxRetries: 0 });
  });

  after(async () => {
    await sluice.stop();
  });

  const scopes = [
    {
      label: 'zone', params: { zone_id: ZONE }, tenant: ZONE, dataset: 'http_requests' as const, otherDataset: 'firewall_events' as const,
      // Cloudflare's "Enable destinations" example, with the Filters page's BotScore filter (the number as a string).
      job: {
        name: 'example.com',
        enabled: true,
        filter: '{"where":{"and":[{"key":"ClientRequestPath","operator":"contains","value":"/static"},{"key":"BotScore","operator":"lt","value":"30"}]}}',
        output_options: { field_names: ['ClientIP', 'ClientRequestHost', 'ClientRequestMethod', 'ClientRequestURI', 'EdgeEndTimestamp', 'EdgeResponseBytes', 'EdgeResponseStatus', 'EdgeStartTimestamp', 'RayID'], timestamp_format: 'rfc3339' as const },
      },
    },
    {
      label: 'account', params: { account_id: ACCOUNT }, tenant: ACCOUNT, dataset: 'audit_logs' as const, otherDataset: 'gateway_dns' as const,
      job: {
        name: 'audit',
        enabled: false,
        output_options: { field_names: ['ActionType', 'ActorEmail', 'ResourceID', 'When'], timestamp_format: 'rfc3339ms' as const },
      },
    },
  ];

  for (const scope of scopes) {
    describe(`${scope.label} scope`, () => {
      let dest = '';
      let jobId = 0;
      before(() => {
        dest = destination(scope.tenant, 'logs');
      });

      it('logpush.datasets.fields.get: the dataset\'s fields, name → type', async () => {
        const fields = await client.logpush.datasets.fields.get(scope.dataset, scope.params) as Record<string, string>;
        for (const name of scope.job.output_options.field_names) assert.equal(typeof fields[name], 'string', `${name} in ${JSON.stringify(fields).slice(0, 300)}`);
      });

      it('logpush.ownership.create writes the challenge file; ownership.validate checks its token', async () => {
        const created = await client.logpush.ownership.create({ ...scope.params, destination_conf: dest });
        assert.equal(created?.valid, true);
        assert.equal(created?.filename, `${scope.tenant}/logs/ownership-challenge.txt`, 'above the {DATE} folders, relative to the file root');
        const token = readFileSync(join(sluice.root, created.filename), 'utf8').trim();
        assert.ok(token.length > 0);

        const valid = await client.logpush.ownership.validate({ ...scope.params, destination_conf: dest, ownership_challenge: token });
        assert.equal(valid?.valid, true);
        const forged = await client.logpush.ownership.validate({ ...scope.params, destination_conf: dest, ownership_challenge: `${token.slice(0, -4)}AAAA` });
        assert.equal(forged?.valid, false);
      });

      it('logpush.validate.destination: valid inside the tenant\'s folder, not outside the root', async () => {
        assert.equal((await client.logpush.validate.destination({ ...scope.params, destination_conf: dest }))?.valid, true);
        const outside = await client.logpush.validate.destination({ ...scope.params, destination_conf: pathToFileURL(sluice.outside).href });
        assert.equal(outside?.valid, false);
        assert.match(outside?.message ?? '', /file roots/);
      });

      it('logpush.validate.origin: the legacy logpull_options, checked as a job would', async () => {
        const ok = await client.logpush.validate.origin({ ...scope.params, logpull_options: `fields=${scope.job.output_options.field_names.join(',')}&timestamps=rfc3339` });
        assert.equal(ok?.valid, true, ok?.message);
        const bad = await client.logpush.validate.origin({ ...scope.params, logpull_options: `fields=${scope.job.output_options.field_names[0]}&timestamps=yesterday` });
        assert.equal(bad?.valid, false);
        assert.match(bad?.message ?? '', /timestamps/);
      });

      it('logpush.jobs.create: the docs\' body gives a job with an id, as sent', async () => {
        const job = await client.logpush.jobs.create({ ...scope.params, ...scope.job, dataset: scope.dataset, destination_conf: dest });
        assert.ok(job);
        assert.equal(typeof job.id, 'number');
        jobId = job.id!;
        assert.equal(job.dataset, scope.dataset);
        assert.equal(job.name, scope.job.name);
        assert.equal(job.enabled, scope.job.enabled);
        assert.equal(job.destination_conf, dest);
        assert.deepEqual(job.output_options?.field_names, scope.job.output_options.field_names);
        assert.equal(job.output_options?.timestamp_format, scope.job.output_options.timestamp_format);
        // The SDK's LogpushJob type has no `filter`, but the API returns it.
        const sent = (scope.job as { filter?: string }).filter;
        if (sent !== undefined) assert.deepEqual(JSON.parse((job as { filter?: string }).filter ?? 'null'), JSON.parse(sent));
      });

      it('logpush.jobs.list and logpush.datasets.jobs.get list it', async () => {
        const listed = (await client.logpush.jobs.list(scope.params)).result;
        assert.deepEqual(listed.map((job) => job?.id), [jobId]);
        const ofDataset = (await client.logpush.datasets.jobs.get(scope.dataset, scope.params)).result;
        assert.deepEqual(ofDataset.map((job) => job?.id), [jobId]);
        const ofOther = (await client.logpush.datasets.jobs.get(scope.otherDataset, scope.params)).result;
        assert.deepEqual(ofOther, []);
      });

      it('logpush.validate.destinationExists: true for the job\'s destination only', async () => {
        assert.equal((await client.logpush.validate.destinationExists({ ...scope.params, destination_conf: dest }))?.exists, true);
        assert.equal((await client.logpush.validate.destinationExists({ ...scope.params, destination_conf: destination(scope.tenant, 'other') }))?.exists, false);
      });

      it('logpush.jobs.update and logpush.jobs.get: the change is stored', async () => {
        const updated = await client.logpush.jobs.update(jobId, { ...scope.params, enabled: !scope.job.enabled, max_upload_records: 5000 });
        assert.equal(updated?.id, jobId);
        assert.equal(updated?.enabled, !scope.job.enabled);
        const job = await client.logpush.jobs.get(jobId, scope.params);
        assert.equal(job?.enabled, !scope.job.enabled);
        assert.equal(job?.max_upload_records, 5000);
        assert.deepEqual(job?.output_options?.field_names, scope.job.output_options.field_names, 'fields not sent are kept');
      });

      it('logpush.jobs.create with kind "edge" is refused with Logpush\'s error shape', async () => {
        await assert.rejects(
          client.logpush.jobs.create({ ...scope.params, ...scope.job, dataset: scope.dataset, destination_conf: destination(scope.tenant, 'edge'), kind: 'edge' }),
          refusedWith(BadRequestError, 400, 1004, /^\$\.kind: "edge" \(Edge Log Delivery, Instant Logs\) is not offered by sluice/),
        );
      });

      it('logpush.jobs.delete answers the id; the job is gone', async () => {
        const deleted = await client.logpush.jobs.delete(jobId, scope.params);
        assert.equal(deleted.id, jobId);
        await assert.rejects(client.logpush.jobs.get(jobId, scope.params), refusedWith(NotFoundError, 404, 1003, /not found/));
        assert.deepEqual((await client.logpush.jobs.list(scope.params)).result, []);
      });
    });
  }

  describe('calls of features sluice does not offer are refused', () => {
    const notOffered = (what: RegExp) => refusedWith(NotFoundError, 404, 1003, what);
    const instantLogs = /^Instant Logs \(logpush\/edge\) is not offered by sluice/;
    const transformers = /^Logpush transformers \(logpush\/transformers\) are not offered by sluice/;

    it('logpush.edge.create and logpush.edge.get (Instant Logs)', async () => {
      await assert.rejects(client.logpush.edge.create({ zone_id: ZONE, fields: 'ClientIP,ClientRequestHost,ClientRequestMethod,ClientRequestURI,EdgeEndTimestamp,EdgeResponseBytes,EdgeResponseStatus,EdgeStartTimestamp,RayID', sample: 1, filter: '' }), notOffered(instantLogs));
      await assert.rejects(client.logpush.edge.get({ zone_id: ZONE }), notOffered(instantLogs));
    });

    it('logpush.transformers.* (create, update, list, delete, get, preview, content.get, versions.list)', async () => {
      const account = { account_id: ACCOUNT };
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['create', () => client.logpush.transformers.create({ ...account, name: 'drop-ip', code: 'SELECT ClientIP, RayID FROM http_requests' })],
        ['update', () => client.logpush.transformers.update(1, { ...account, name: 'drop-ip' })],
        ['list', () => client.logpush.transformers.list(account)],
        ['delete', () => client.logpush.transformers.delete(1, account)],
        ['get', () => client.logpush.transformers.get(1, account)],
        ['preview', () => client.logpush.transformers.preview({ ...account, sql: 'SELECT ClientIP, RayID FROM http_requests', input: { ClientIP: '192.0.2.1', RayID: '7c5f3bd5ed0e1d3a' } })],
        ['content.get', () => client.logpush.transformers.content.get(1, account)],
        ['versions.list', () => client.logpush.transformers.versions.list(1, account)],
      ];
      for (const [name, call] of calls) await assert.rejects(call(), notOffered(transformers), name);
    });
  });
});
