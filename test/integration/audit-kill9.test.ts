// Issue 14's crash check on a real broker: an audit_logs job (account scope, file://, gzip) is
// SIGKILLed 20 times at seeded random moments while audit events keep arriving, restarted each
// time, and finally stopped cleanly. Coverage before acknowledgement must leave a destination
// that `sluice verify` (strict) accepts as it is: every object a digest lists is there, every
// other object is a crash leftover written just before a kill (never acknowledged), every chain
// ended cleanly or was recorded by a later one — and every produced event is in a covered object.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import type { AuditLogRecord } from '../../src/audit/audit-record.ts';
import { DIGESTS_DIR, parseDigest, verifyDigestSignature } from '../../src/audit/digest.ts';
import { loadPublicKey } from '../../src/audit/signing-key.ts';
import { renderVerifyReport, verifyDestination } from '../../src/cli/verify.ts';
import { objectAccessFor } from '../../src/destinations/object-access.ts';
import { TEMP_PREFIX } from '../../src/destinations/file.ts';
import { below, createPrng } from '../../src/generator/prng.ts';
import { decodeObject, listFiles } from '../e2e/output-reader.ts';
import { createTopic, ensureKafka, kafkaClient, produce, uniqueTopic } from '../helpers/kafka.ts';
import { LOOPBACK_ALLOWED } from '../helpers/network.ts';
import { allCommitted, groupOffsets } from './support/kafka-offsets.ts';
import { killAllSluice, SluiceProcess, writeKafkaConfig } from './support/sluice-process.ts';
import { waitUntil } from './support/wait.ts';

const KILLS = 20;
/** Seeds the kill moments, so a failure can be replayed. */
const SEED = 20261127;
const JOB = 1;
const ACCOUNT = '01a7362d577a6c3019a474fd6f485823';
/** Heartbeat every second: crashed chains are recorded by the next run within a few seconds. */
const DIGEST_INTERVAL_SECONDS = 2;
/** Small batches (or 1 s) so a run writes many objects and a kill often lands between two of them. */
const MAX_UPLOAD_RECORDS = 25;
/** The trickle: this many events per send, a send every PACE_MS (about 200 events/s). */
const EVENTS_PER_SEND = 20;
const PACE_MS = 100;
/** Events produced after the last kill, for the clean run to deliver. */
const FINAL_EVENTS = 200;

const KILL_KINDS = ['soon after the chain opened', 'while delivering', 'as an object landed'] as const;
type KillKind = (typeof KILL_KINDS)[number];
/** The seeded delay of each kind of kill is below this many ms. */
const KILL_DELAY_MS: Readonly<Record<KillKind, number>> = { 'soon after the chain opened': 3000, 'while delivering': 2000, 'as an object landed': 10 };

/** One audit_logs event with a unique ID (the fields sluice's own audit records carry). */
function auditEvent(n: number): AuditLogRecord {
  return {
    ID: `kill9-${String(n).padStart(7, '0')}`,
    When: new Date().toISOString(),
    ActionType: n % 3 === 0 ? 'delete' : 'update',
    ActionResult: true,
    ActorID: 'operator',
    ActorEmail: '',
    ActorIP: '',
    ActorType: 'operator',
    Interface: 'API',
    OwnerID: ACCOUNT,
    ResourceID: String(n % 50),
    ResourceType: 'logpush_job',
    Metadata: { account_id: ACCOUNT },
    OldValue: null,
    NewValue: { enabled: n % 2 === 0 },
  };
}

/** Keyed by the account, as sluice's own audit sink produces them: the key is the tenant. */
function messagesFor(events: readonly AuditLogRecord[]) {
  return events.map((event) => ({ key: ACCOUNT, value: JSON.stringify(event) }));
}

/**
 * Produces events in small sends while the kills go on, so that most kills land while objects
 * are being written and digested. PACE_MS sets the rate; nothing waits on it.
 */
class EventTrickle {
  /** IDs of the events the broker acknowledged, in order. */
  readonly ids: string[] = [];
  #next = 0;
  #running = true;
  #error: unknown = null;
  readonly #done: Promise<void>;

  constructor(topic: string) {
    this.#done = this.#run(topic).catch((error: unknown) => {
      this.#error = error;
    });
  }

  take(count: number): AuditLogRecord[] {
    return Array.from({ length: count }, () => auditEvent(this.#next++));
  }

  /** Throws what made production stop, if it did. */
  check(): void {
    if (this.#error !== null) throw new Error(`producing audit events failed: ${String(this.#error)}`);
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
    this.check();
  }

  async #run(topic: string): Promise<void> {
    const producer = kafkaClient('sluice-it-audit-kill9').producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      while (this.#running) {
        const events = this.take(EVENTS_PER_SEND);
        await producer.send({ topic, acks: -1, messages: messagesFor(events) });
        this.ids.push(...events.map((e) => e.ID));
        await delay(PACE_MS);
      }
    } finally {
      await producer.disconnect();
    }
  }
}

/** The job's digest chains as they appear on disk: which chain each run opened, and what they list. */
class ChainWatch {
  /** Every object key some digest listed so far. */
  readonly listed = new Set<string>();
  readonly #dir: string;
  /** Chain → digest file names already read, and how many objects they listed. */
  readonly #read = new Map<string, { files: Set<string>; objects: number }>();

  constructor(root: string) {
    this.#dir = join(root, DIGESTS_DIR, String(JOB));
  }

  /** Chains with their sequence 0 written (a chain is open once that digest is durable). */
  openChains(): string[] {
    return names(this.#dir).filter((chain) => names(join(this.#dir, chain)).includes('000000.json'));
  }

  /** Objects the chain's digests listed so far (reads only digests not read before). */
  objectsListed(chain: string): number {
    const state = this.#read.get(chain) ?? { files: new Set<string>(), objects: 0 };
    this.#read.set(chain, state);
    for (const file of names(join(this.#dir, chain))) {
      if (!file.endsWith('.json') || file.startsWith(TEMP_PREFIX) || state.files.has(file)) continue;
      state.files.add(file);
      const { objects } = parseDigest(readFileSync(join(this.#dir, chain, file)), file);
      state.objects += objects.length;
      for (const entry of objects) this.listed.add(entry.key);
    }
    return state.objects;
  }

  /** Reads every chain's new digests into `listed`. */
  refresh(): void {
    for (const chain of names(this.#dir)) this.objectsListed(chain);
  }
}

/** The job's objects (keys) and the `.tmp-` files of interrupted writes, digests apart. */
function objectsUnder(root: string): { keys: string[]; tempFiles: string[] } {
  const keys: string[] = [];
  const tempFiles: string[] = [];
  for (const file of listFiles(root)) {
    const key = relative(root, file);
    if (key.startsWith(`${DIGESTS_DIR}/`)) continue;
    if (key.split('/').pop()!.startsWith(TEMP_PREFIX)) tempFiles.push(key);
    else keys.push(key);
  }
  return { keys, tempFiles };
}

/** gzip objects: `<start>_<end>_<batch id>.log.gz`. */
const OBJECT_SUFFIX = '.log.gz';

/**
 * Resolves as soon as an object is renamed into place directly under `dir` (inotify, not
 * polling: its digest is only milliseconds away); rejects when `exited` settles first or after
 * `timeoutMs`.
 */
function objectLanding(dir: string, run: SluiceProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      watcher.close();
      if (error === null) resolve();
      else reject(error);
    };
    const watcher = watch(dir, (eventType, filename) => {
      if (eventType === 'rename' && filename !== null && filename.endsWith(OBJECT_SUFFIX) && !filename.startsWith(TEMP_PREFIX)) done(null);
    });
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${run.name} to write an object\n${run.tail()}`)), timeoutMs);
    void run.exited.then((exit) => done(new Error(`${run.name} exited on its own (${JSON.stringify(exit)})\n${run.tail()}`)));
  });
}

function names(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

describe('audit_logs job killed with SIGKILL 20 times and restarted', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-audit-kill9-'));
  after(async () => {
    await killAllSluice();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves a destination strict verify accepts, with every event in a covered object', async (t) => {
    const { brokers } = await ensureKafka();
    const topic = uniqueTopic('sluice-it-audit-kill9');
    const groupId = uniqueTopic('sluice-it-audit-kill9-group');
    // One partition: every event has the account as its key, so they would share one anyway.
    await createTopic(topic, 1);
    const out = join(dir, 'out');
    const dataDir = join(dir, 'state');
    const configPath = writeKafkaConfig(join(dir, 'sluice.yaml'), {
      dataDir,
      brokers,
      groupId,
      topic,
      inFlightBytes: 4 * 1024 * 1024,
      maxUploadRecords: MAX_UPLOAD_RECORDS,
      dataset: 'audit_logs',
      fieldNames: ['ID', 'When', 'ActionType'],
      digestIntervalSeconds: DIGEST_INTERVAL_SECONDS,
      jobs: [{ id: JOB, account_id: ACCOUNT, dir: out, compression: 'gzip' }],
    });

    const trickle = new EventTrickle(topic);
    const chains = new ChainWatch(out);
    const rng = createPrng(SEED);
    /** Each run's chain, in order (the last one is stopped cleanly). */
    const runChains: string[] = [];
    const killsOfKind = new Map<KillKind, number>();
    let killsWithUncovered = 0;
    /** Objects that were in no digest when some kill struck. */
    const uncoveredAtKills = new Set<string>();
    /** `.tmp-` files of writes a kill cut short. */
    const tempFilesAtKills = new Set<string>();
    let sluice = new SluiceProcess('sluice#1', configPath);
    const alive = () => {
      trickle.check();
      if (sluice.exit) throw new Error(`${sluice.name} exited on its own (${JSON.stringify(sluice.exit)})\n${sluice.tail()}`);
      return sluice;
    };
    /** Waits for the current run to open its chain (sequence 0 durable) and returns the chain. */
    const chainOfRun = async (): Promise<string> => {
      let chain: string | undefined;
      await waitUntil(() => {
        alive();
        chain = chains.openChains().find((c) => !runChains.includes(c));
        return chain !== undefined;
      }, `${sluice.name} to open its digest chain`, { timeoutMs: 60_000, detail: () => sluice.tail() });
      runChains.push(chain!);
      return chain!;
    };

    for (let kill = 1; kill <= KILLS; kill++) {
      const chain = await chainOfRun();
      // A seeded moment of one of three kinds, so kills land anywhere in a batch's life:
      // - soon after the chain opens (often before the consumer has joined: heartbeats only);
      // - up to two upload intervals after the run's first covered object: mid-encode,
      //   mid-write (a `.tmp-` file), in a digest but not yet acknowledged or committed;
      // - within a few ms of an object landing under its name, before its digest can be
      //   durable: the window coverage before acknowledgement is about.
      const kind = KILL_KINDS[below(rng, KILL_KINDS.length)]!;
      killsOfKind.set(kind, (killsOfKind.get(kind) ?? 0) + 1);
      if (kind !== 'soon after the chain opened') {
        await waitUntil(() => {
          alive();
          return chains.objectsListed(chain) > 0;
        }, `${sluice.name} to have an object in a digest`, { timeoutMs: 60_000, detail: () => sluice.tail() });
      }
      if (kind === 'as an object landed') await objectLanding(out, sluice, 60_000);
      await delay(below(rng, KILL_DELAY_MS[kind]));
      const victim = alive();
      victim.kill('SIGKILL');
      const exit = await victim.exited;
      assert.equal(exit.signal, 'SIGKILL', `${victim.name} was killed`);
      // What the kill interrupted: objects written but in no digest yet (never acknowledged: the
      // next run rebuilds their batches), and writes cut short.
      chains.refresh();
      const atKill = objectsUnder(out);
      const uncovered = atKill.keys.filter((key) => !chains.listed.has(key));
      if (uncovered.length > 0) killsWithUncovered++;
      for (const key of uncovered) uncoveredAtKills.add(key);
      for (const file of atKill.tempFiles) tempFilesAtKills.add(file);
      sluice = new SluiceProcess(`sluice#${kill + 1}`, configPath);
    }
    const lastChain = await chainOfRun();
    await trickle.stop();
    const finalEvents = trickle.take(FINAL_EVENTS);
    assert.equal(await produce(topic, messagesFor(finalEvents)), FINAL_EVENTS);
    const produced = [...trickle.ids, ...finalEvents.map((e) => e.ID)];

    // Committed at the end of the topic: the last run acknowledged everything.
    await waitUntil(async () => {
      alive();
      return allCommitted(await groupOffsets(groupId, topic));
    }, 'every event committed by the last run', { timeoutMs: 120_000, intervalMs: 500, detail: () => sluice.tail() });
    const last = alive();
    last.kill('SIGTERM');
    assert.deepEqual(await last.exited, { code: 0, signal: null }, last.tail());
    assert.ok(allCommitted(await groupOffsets(groupId, topic)), 'still committed at the end after the clean stop');

    // What `sluice verify` says, strict, at the real time.
    const publicKey = await loadPublicKey(join(dataDir, 'digest-signing-key.pub.pem'));
    const access = objectAccessFor(pathToFileURL(out).href, { network: LOOPBACK_ALLOWED })!;
    const report = await verifyDestination(access, JOB, publicKey).finally(() => access.close());
    const rendered = renderVerifyReport(report);
    assert.equal(report.strict, true);
    assert.deepEqual(report.problems, [], rendered);

    // 21 chains, one per run: the last closed cleanly, each killed one recorded by a later
    // chain or (verify would say) still within its open window.
    assert.equal(report.chains, KILLS + 1, rendered);
    assert.deepEqual(report.endings.map((e) => e.chain).sort(), [...runChains].sort(), 'one chain per run, each with a trusted newest digest');
    const stateOf = new Map(report.endings.map((e) => [e.chain, e.state]));
    assert.equal(stateOf.get(lastChain), 'closed', 'the cleanly stopped run wrote its final digest');
    const crashed = runChains.slice(0, -1).map((chain) => stateOf.get(chain));
    assert.ok(crashed.every((state) => state === 'recorded' || state === 'open'), `killed chains end as ${crashed.join(', ')}`);
    const recorded = crashed.filter((state) => state === 'recorded').length;

    // Which objects trusted digests cover, read from the digests themselves.
    const covered = new Map<string, Set<string>>();
    for (const file of listFiles(join(out, DIGESTS_DIR))) {
      const key = relative(out, file);
      if (key.split('/').pop()!.startsWith(TEMP_PREFIX)) continue;
      const digest = parseDigest(readFileSync(file), key);
      assert.ok(verifyDigestSignature(digest, publicKey), `${key} is signed by sluice's key`);
      for (const entry of digest.objects) covered.set(entry.key, (covered.get(entry.key) ?? new Set()).add(entry.sha256));
    }

    // Every object is covered or a crash leftover verify reports as recent; every event is in a
    // covered object (as many times as at-least-once made it).
    const leftovers = new Set(report.notCovered.map((o) => o.key));
    const copies = new Map<string, number>();
    const final = objectsUnder(out);
    for (const key of final.keys) {
      const hashes = covered.get(key);
      if (hashes === undefined) {
        assert.ok(leftovers.has(key), `${key} is in no digest and verify did not report it as a recent leftover`);
        continue;
      }
      const file = join(out, key);
      assert.ok(hashes.has(createHash('sha256').update(readFileSync(file)).digest('hex')), `${key} has the bytes a digest lists`);
      for (const line of decodeObject(file).split('\n')) {
        if (line === '') continue;
        const id = (JSON.parse(line) as { ID: string }).ID;
        copies.set(id, (copies.get(id) ?? 0) + 1);
      }
    }
    const missing = produced.filter((id) => !copies.has(id));
    const duplicates = produced.reduce((sum, id) => sum + Math.max(0, (copies.get(id) ?? 0) - 1), 0);

    t.diagnostic(`${KILLS} kills (${KILL_KINDS.map((kind) => `${killsOfKind.get(kind) ?? 0} ${kind}`).join(', ')}), then a clean stop`);
    t.diagnostic(`chains: ${report.chains} (${report.digests} digests): 1 closed cleanly, ${recorded} killed ones recorded by a later chain, ${crashed.length - recorded} still within their open window`);
    t.diagnostic(`at the kills: ${uncoveredAtKills.size} objects written but in no digest yet (left by ${killsWithUncovered} kills), ${tempFilesAtKills.size} .tmp- files`);
    t.diagnostic(`objects: ${final.keys.length} (${report.objectsVerified} covered and verified, ${leftovers.size} crash leftovers not covered, recent), ${final.tempFiles.length} .tmp- files`);
    t.diagnostic(`events: ${produced.length} produced, ${missing.length} not in a covered object, ${duplicates} duplicate copies in covered objects`);
    assert.equal(final.keys.length, report.objectsVerified + leftovers.size, 'each object covered or a leftover');
    assert.equal(missing.length, 0, `events in no covered object, e.g. ${missing.slice(0, 5).join(', ')}`);
  });
});
