// The admin side of a running service (config with `api:`): the job store (local file or the
// shared Kafka topic), the audit sink, and the admin HTTP API, plugged into the pipeline. The
// store is opened before the pipeline is built (its jobs are the pipeline's first set); the API
// starts once the pipeline exists (job health comes from its runtimes) and every accepted store
// change is swapped into the pipeline without a restart.

import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { syntaxDestinationValidator } from './api/handlers/destinations.ts';
import { createDestinationBoundary } from './api/destination-boundary.ts';
import { createFileOwnershipWriter, loadOwnershipSecret, needsOwnershipChallenge } from './api/ownership.ts';
import { createApiServer, type ApiServer } from './api/server.ts';
import { loadApiTls } from './api/tls.ts';
import { TokenStore } from './api/token-store.ts';
import type { AuditSink, DestinationValidator } from './api/types.ts';
import { SYSTEM_ACTOR } from './audit/audit-record.ts';
import { jobView } from './api/job-view.ts';
import { auditFilePath, fileAuditSink } from './audit/file-audit-sink.ts';
import { kafkaAuditSink } from './audit/kafka-audit-sink.ts';
import { splitListen, type ApiTlsConfig, type Config } from './config/schema.ts';
import type { Pipeline } from './core/pipeline.ts';
import { parseDestinationConf } from './destinations/destination-conf.ts';
import { isHttpOwnershipDestination, writeHttpOwnershipChallenge } from './destinations/http/ownership.ts';
import { validateHttpDestination } from './destinations/http/validate.ts';
import { expandDate } from './destinations/object-name.ts';
import { destinationNetworkProblem } from './destinations/net/destination-hosts.ts';
import { NetworkPolicy } from './destinations/net/network-policy.ts';
import { DESTINATION_UNREACHABLE, DESTINATION_UNREACHABLE_MESSAGE } from './destinations/net/unreachable.ts';
import { writeS3OwnershipChallenge } from './destinations/s3/ownership.ts';
import { validateS3Destination } from './destinations/s3/validate.ts';
import { writeAzureOwnershipChallenge } from './destinations/azure/ownership.ts';
import { validateAzureDestination } from './destinations/azure/validate.ts';
import { FileJobStore, JOBS_FILE_NAME } from './jobs/store/file-job-store.ts';
import type { JobStore } from './jobs/store/job-store.ts';
import { refusalLogger } from './jobs/store/refusal-log.ts';
import { KafkaJobStore } from './jobs/store/kafka-job-store.ts';
import type { Job } from './jobs/types.ts';
import { connectError, unknownTopicError } from './kafka/errors.ts';

export interface AdminSide {
  store: JobStore;
  /** The store's jobs at start: the pipeline's first set. */
  jobs: readonly Job[];
  /** Follows the store into the pipeline and starts the API; resolves with its URL. */
  serve(pipeline: Pipeline): Promise<string>;
  /**
   * Disables a job in the store on sluice's own account (a job parked too long), with an audit
   * event whose actor is sluice and whose after-view carries `reason` as error_message.
   */
  disableJob(jobId: number, reason: string): Promise<void>;
  /** Stops the API, then the store and the audit producer. */
  close(): Promise<void>;
}

/** Opens the job store of a config with `api:` (seeding it from `jobs:` when it never held any). */
export async function openAdminSide(config: Config, log: Logger): Promise<AdminSide> {
  const api = config.api;
  if (api === undefined) throw new Error('openAdminSide needs a config with api:');
  // Checked before the store opens: a bad certificate or key stops the start with nothing to undo.
  const tls = api.tls ? await loadApiTls(api.tls) : undefined;
  const storeConfig = config.job_store ?? { type: 'file' };
  const counts = { max_jobs_per_zone: api.max_jobs_per_zone, max_jobs_per_account: api.max_jobs_per_account };
  let store: JobStore;
  let pristine: () => boolean;
  let kafka: KafkaConnection | null = null;
  if (storeConfig.type === 'kafka') {
    const kafkaStore = new KafkaJobStore({
      brokers: storeConfig.brokers,
      topic: storeConfig.topic,
      clientId: storeConfig.client_id,
      ssl: storeConfig.ssl,
      sasl: storeConfig.sasl,
      replicationFactor: storeConfig.replication_factor,
      loadTimeoutMs: storeConfig.load_timeout_ms,
      writeTimeoutMs: storeConfig.write_timeout_ms,
      limits: config.limits,
      counts,
      log,
    });
    store = kafkaStore;
    pristine = () => kafkaStore.pristine;
    kafka = { client: kafkaStore.kafka, brokers: storeConfig.brokers };
  } else {
    const fileStore = new FileJobStore({ dir: config.data_dir, limits: config.limits, counts });
    const existed = await exists(join(config.data_dir, JOBS_FILE_NAME)) || await exists(join(config.data_dir, `${JOBS_FILE_NAME}.bak`));
    store = fileStore;
    pristine = () => !existed;
  }
  store.onRejected(refusalLogger(log).onRejected);
  await store.start();
  try {
    if (pristine() && config.jobs.length > 0) await seed(store, config.jobs, log);
  } catch (error) {
    await store.close();
    throw error;
  }
  const jobs = await store.list();
  log.info({ store: storeConfig.type, jobs: jobs.length }, 'job store loaded');

  let audit: AuditOutlet;
  try {
    audit = await openAuditSink(config, kafka);
  } catch (error) {
    // A missing audit topic is a user error: say it and exit, with no store consumer left running.
    await store.close();
    throw error;
  }
  let server: ApiServer | null = null;
  let unsubscribe: (() => void) | null = null;
  let stopTlsReload: (() => void) | null = null;

  return {
    store,
    jobs,
    async serve(pipeline) {
      // subscribe() calls back at once with the current set: identical versions are kept as is.
      unsubscribe = store.subscribe((next) => pipeline.updateJobs(next));
      const tokens = await TokenStore.open(api.tokens_file ?? join(config.data_dir, 'api-tokens.json'));
      const { host, port } = splitListen(api.listen);
      // Destination checks and ownership writes connect only where deliveries may.
      const network = NetworkPolicy.fromConfig(config.destinations);
      const fileRoots = { roots: config.destinations.file_roots, tenantFolders: config.destinations.tenant_folders };
      const fileOwnershipWriter = createFileOwnershipWriter(fileRoots);
      server = createApiServer({
        store,
        tokens,
        operatorToken: process.env.SLUICE_OPERATOR_TOKEN,
        ownershipSecret: await loadOwnershipSecret(config.data_dir),
        ownershipTtlSeconds: api.ownership_ttl_seconds,
        validateDestination: destinationValidator(network),
        destinationBoundary: createDestinationBoundary(fileRoots, (conf) => destinationNetworkProblem(conf, network)),
        ownershipWriter: (conf, file) => {
          if (isHttpOwnershipDestination(conf)) return writeHttpOwnershipChallenge(conf, file, { network });
          return needsOwnershipChallenge(conf) ? (/^azure:/i.test(conf) ? writeAzureOwnershipChallenge(conf, file, { network }) : writeS3OwnershipChallenge(conf, file, { network })) : fileOwnershipWriter(conf, file);
        },
        health: (id) => pipeline.runtimes.find((runtime) => runtime.job.id === id)?.health,
        audit: audit.sink,
        log,
        limits: { max_body_bytes: api.max_body_bytes, rate_per_second: api.rate_per_second, rate_burst: api.rate_burst },
        host,
        port,
        tls,
      });
      const bound = await server.listen();
      if (api.tls) stopTlsReload = reloadTlsOnSighup(api.tls, server, log);
      log.info({ url: bound.url }, 'admin API listening');
      return bound.url;
    },
    async disableJob(jobId, reason) {
      const job = await store.get(jobId);
      if (job === undefined || !job.enabled) return;
      const updated = await store.update(jobId, job.tenant, { enabled: false });
      const health = { last_complete: null, last_error: new Date().toISOString(), error_message: reason };
      await audit.sink({ who: SYSTEM_ACTOR, action: 'disable', tenant: job.tenant, job_id: jobId, before: jobView(job), after: jobView(updated, health), when: health.last_error });
      log.warn({ job_id: jobId, reason }, 'job disabled');
    },
    async close() {
      stopTlsReload?.();
      await server?.close();
      unsubscribe?.();
      await store.close();
      await audit.close();
    },
  };
}

/** SIGHUP re-reads api.tls, so a renewed certificate needs no restart; a bad pair keeps the one in use. */
function reloadTlsOnSighup(config: ApiTlsConfig, server: ApiServer, log: Logger): () => void {
  const reload = (): void => {
    loadApiTls(config).then(
      (tls) => {
        server.setTls(tls);
        log.info({ cert_file: config.cert_file }, 'admin API certificate reloaded');
      },
      (error: unknown) => log.warn({ err: (error as Error).message }, 'admin API certificate not reloaded; the previous one stays in use'),
    );
  };
  process.on('SIGHUP', reload);
  return () => process.off('SIGHUP', reload);
}

/** The job JSON a resolved config job was written as (ids are assigned by the store). */
export function seedInput(job: Job): Record<string, unknown> {
  return {
    name: job.name,
    enabled: job.enabled,
    dataset: job.dataset,
    destination_conf: job.destination_conf,
    filter: job.filter,
    output_options: job.output_options,
    max_upload_bytes: job.max_upload_bytes,
    max_upload_records: job.max_upload_records,
    max_upload_interval_seconds: job.max_upload_interval_seconds,
    compression: job.compression,
  };
}

async function seed(store: JobStore, jobs: readonly Job[], log: Logger): Promise<void> {
  let seeded = 0;
  for (const job of jobs) {
    try {
      await store.create(job.tenant, seedInput(job));
      seeded++;
    } catch (error) {
      log.warn({ config_job_id: job.id, err: (error as Error).message }, 'a config job could not seed the job store');
    }
  }
  log.info({ seeded, of: jobs.length }, 'job store was empty: seeded it with the config\'s jobs');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/**
 * Checks a destination by writing to it the way a batch would (each kind's own validator),
 * connecting only where `network` allows. An unreachable destination gets the one generic
 * answer, the same as the API's network check gives (net/unreachable.ts).
 */
const destinationValidator = (network: NetworkPolicy): DestinationValidator => async (conf) => {
  const syntax = await syntaxDestinationValidator(conf);
  if (!syntax.valid) return syntax;
  const parsed = parseDestinationConf(conf);
  switch (parsed.scheme) {
    case 'file': {
      const dir = expandDate(parsed.pathTemplate, `${Date.now()}000000`);
      try {
        await mkdir(dir, { recursive: true });
        await access(dir, constants.W_OK);
        return { valid: true };
      } catch (error) {
        return { valid: false, message: `the directory cannot be written (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
      }
    }
    case 's3': case 'r2': case 'gs': case 'azure': {
      const verdict = parsed.scheme === 'azure' ? await validateAzureDestination(conf, { network }) : await validateS3Destination(conf, { network });
      if (verdict.code === DESTINATION_UNREACHABLE) return { valid: false, message: `destination_conf ${DESTINATION_UNREACHABLE_MESSAGE}` };
      return verdict.ok ? { valid: true, ...(verdict.warnings.length > 0 ? { message: verdict.warnings.join('; ') } : {}) } : { valid: false, message: verdict.message ?? 'invalid destination' };
    }
    default: {
      const verdict = await validateHttpDestination(conf, { network });
      if (!verdict.ok && verdict.code === DESTINATION_UNREACHABLE) return { valid: false, message: `destination_conf ${DESTINATION_UNREACHABLE_MESSAGE}` };
      return verdict.ok ? { valid: true } : { valid: false, message: verdict.message };
    }
  }
};

interface AuditOutlet {
  sink: AuditSink;
  close(): Promise<void>;
}

/** The Kafka job store's client, and its brokers for messages. */
interface KafkaConnection {
  client: Kafka;
  brokers: string[];
}

/**
 * `audit: { type: kafka }` → the audit_logs topic (must exist: checked now, one clear line if
 * not), produced to through the job store's client; `audit: { type: file }` or no audit
 * section → <data_dir>/audit.ndjson.
 */
async function openAuditSink(config: Config, kafka: KafkaConnection | null): Promise<AuditOutlet> {
  const audit = config.audit;
  if (audit === undefined || audit.type === 'file' || kafka === null) {
    return { sink: fileAuditSink(auditFilePath(config.data_dir), audit?.account_id ?? ''), close: async () => {} };
  }
  const { client } = kafka;
  const admin = client.admin();
  try {
    await admin.connect();
    const topics = await admin.listTopics().catch((error: unknown) => {
      throw connectError(error, kafka.brokers);
    });
    if (!topics.includes(audit.topic)) throw unknownTopicError(audit.topic, kafka.brokers, '$.audit.topic');
  } catch (error) {
    throw (error as { code?: string }).code?.startsWith('ERR_KAFKA') ? error : connectError(error, kafka.brokers);
  } finally {
    await admin.disconnect().catch(() => {});
  }
  const producer = client.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return {
    sink: kafkaAuditSink({ send: async (topic, messages) => { await producer.send({ topic, acks: -1, messages }); } }, audit.topic, audit.account_id),
    close: () => producer.disconnect().catch(() => {}),
  };
}
