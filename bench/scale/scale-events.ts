// The rebalance gap of graceful scale events, as Kubernetes makes them: two instances read a
// preloaded topic; at 25 % committed (and the group Stable with both) a third starts (scale up:
// a pod added); at 60 % (and the third reading) the first one gets SIGTERM (scale in: a pod
// removed; sluice delivers, commits and leaves the group). The conditions keep the two events
// apart, so each gap is one rebalance's.
// Each membership change makes the whole group rebalance (kafkajs's eager protocol: every
// member gives up its partitions and rejoins), so intake stops group-wide for a while.
//
// Intake is followed on every live instance's /metrics (`sluice_source_received_records_total`,
// every 200 ms): the group "takes records in" at a poll where any instance's counter moved.
// Reported per event: time to a Stable group with the new member count, and the longest stretch
// without intake after the event — next to the longest stretch in the calm before the first
// event, since intake also stops without any rebalance when an instance's buffer budget is full.
// The run also checks that every record arrived (0 missing across both events).

import { join } from 'node:path';
import { readOutput } from '../../test/integration/support/output.ts';
import { watchGroup, type ProgressSample, type TopicEnds } from '../e2e/group-progress.ts';
import { round } from '../result-file.ts';
import { stderrTails, stopAll } from './group-run.ts';
import { GroupTimeline, type GroupState } from './group-timeline.ts';
import { ScaleInstance } from './instance.ts';

const POLL_MS = 200;
const UP_AT = 0.25;
const DOWN_AT = 0.6;

export interface ScaleEventsOptions {
  sluiceDir: string;
  brokers: string[];
  topic: string;
  groupId: string;
  tenant: string;
  ends: TopicEnds;
  workers: number;
  dir: string;
  deadlineMs: number;
}

export interface ScaleEvent {
  event: 'scale up 2 → 3 (instance started)' | 'scale in 3 → 2 (SIGTERM)';
  /** s after the first spawn. */
  atSeconds: number;
  /** Event → group Stable with the new member count. */
  stableAfterSeconds: number | null;
  /** Longest stretch without intake on any instance that ends after the event (within 60 s). */
  longestIntakeGapSeconds: number;
  /**
   * Longest stretch without the group's committed offsets moving that ends after the event
   * (within 60 s): intake can go on while the new owners re-read what the old ones had in flight,
   * so this is the gap in progress that counts.
   */
  longestCommitStallSeconds: number;
  /** Scale up only: spawn → the new instance's first record. */
  firstRecordAfterSeconds?: number | null;
}

export interface ScaleEventsResult {
  /** Longest stretch without intake between the group's first Stable and the first event. */
  calmLongestIntakeGapSeconds: number | null;
  /** The same for the committed offsets. */
  calmLongestCommitStallSeconds: number | null;
  /** The events that happened (an event whose conditions were not met before the input ran out is missing). */
  events: ScaleEvent[];
  seconds: number;
  /** Every stretch of ≥ 1 s in which no instance took a record in: [s after the first spawn, length s]. */
  intakeGaps: Array<[number, number]>;
  groupChanges: GroupState[];
  delivery: { lines: number; distinctRayIds: number; missing: number; duplicates: number };
}

/** Times (ms after the origin) of polls at which some instance had received more than before. */
class IntakeTicks {
  readonly advances: number[] = [];
  readonly #last = new Map<string, number>();
  readonly firstRecordAt = new Map<string, number>();

  record(atMs: number, counts: ReadonlyArray<{ name: string; received: number | null }>): void {
    let moved = false;
    for (const { name, received } of counts) {
      if (received === null) continue;
      if (received > (this.#last.get(name) ?? 0)) moved = true;
      if (received > 0 && !this.firstRecordAt.has(name)) this.firstRecordAt.set(name, atMs);
      this.#last.set(name, received);
    }
    if (moved) this.advances.push(atMs);
  }

  /** Every stretch without intake of at least `minMs`: [start, length] in ms. */
  gapsOver(minMs: number): Array<[number, number]> {
    const gaps: Array<[number, number]> = [];
    for (let i = 1; i < this.advances.length; i++) {
      const length = this.advances[i]! - this.advances[i - 1]!;
      if (length >= minMs) gaps.push([this.advances[i - 1]!, length]);
    }
    return gaps;
  }

  /** Longest interval between advances that ends inside (fromMs, toMs]. */
  longestGapEndingIn(fromMs: number, toMs: number): number {
    let longest = 0;
    for (let i = 1; i < this.advances.length; i++) {
      const end = this.advances[i]!;
      if (end > fromMs && end <= toMs) longest = Math.max(longest, end - this.advances[i - 1]!);
    }
    return longest;
  }
}

/** Longest interval in which the committed count did not move, among those ending inside (fromMs, toMs]. */
function longestStallEndingIn(samples: readonly ProgressSample[], fromMs: number, toMs: number): number {
  let longest = 0;
  let movedAt = samples[0]?.atMs ?? 0;
  for (let i = 1; i < samples.length; i++) {
    const s = samples[i]!;
    if (s.committed === samples[i - 1]!.committed) continue;
    if (s.atMs > fromMs && s.atMs <= toMs) longest = Math.max(longest, s.atMs - movedAt);
    movedAt = s.atMs;
  }
  return longest;
}

export async function runScaleEvents(options: ScaleEventsOptions): Promise<ScaleEventsResult> {
  const outDir = join(options.dir, 'out');
  // An instance that exits unasked ends the run (watchGroup stops waiting) instead of a long deadline.
  const asked = new Set<ScaleInstance>();
  let abandon!: () => void;
  const abandoned = new Promise<void>((resolve) => (abandon = resolve));
  const start = (name: string) => {
    const instance = new ScaleInstance({ ...options, name, outDir, dir: join(options.dir, name) });
    void instance.measured.exited.then(() => { if (!asked.has(instance)) abandon(); });
    return instance;
  };
  const stop = (list: readonly ScaleInstance[]) => {
    for (const p of list) asked.add(p);
    return stopAll(list);
  };
  const instances = [start('A'), start('B')];
  const originMs = instances[0]!.measured.spawnedAtMs;
  const now = () => performance.now() - originMs;
  const timeline = new GroupTimeline(options.brokers, options.groupId, originMs);
  const ticks = new IntakeTicks();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const live = [...instances];
      const counts = await Promise.all(live.map(async (p) => ({ name: p.name, received: (await p.counters())?.received ?? null })));
      ticks.record(now(), counts);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  let upAtMs: number | null = null;
  let downAtMs: number | null = null;
  let leaving: Promise<number | string> | null = null;
  let done = false;
  try {
    const watch = await watchGroup({
      ...options,
      originMs,
      abandon: abandoned,
      onSample: ({ committed }) => {
        if (upAtMs === null) {
          if (committed >= options.ends.total * UP_AT && timeline.isStableWith(2)) {
            upAtMs = now();
            instances.push(start('C'));
          }
        } else if (downAtMs === null) {
          if (committed >= options.ends.total * DOWN_AT && timeline.isStableWith(3) && ticks.firstRecordAt.has('C')) {
            downAtMs = now();
            const first = instances.shift()!;
            leaving = stop([first]).then(([code]) => code!);
          }
        }
      },
    });
    polling = false;
    await poller;
    const groupChanges = await timeline.stop();
    if (watch.reachedAtMs === null) {
      throw new Error(`the scale-event run did not finish (last committed ${watch.samples.at(-1)?.committed ?? 0} of ${options.ends.total})\n${stderrTails(instances)}`);
    }
    // Assigned in onSample: TypeScript cannot see that, so the types are restated.
    const up = upAtMs as number | null;
    const down = downAtMs as number | null;
    const firstStable = timeline.stableWith(2);
    const seconds = (ms: number) => round(ms / 1000, 2);
    const stableAfter = (members: number, fromMs: number) => {
      const at = timeline.stableWith(members, fromMs);
      return at === null ? null : seconds(at - fromMs);
    };
    const events: ScaleEvent[] = [];
    if (up !== null) {
      const firstRecord = ticks.firstRecordAt.get('C');
      events.push({
        event: 'scale up 2 → 3 (instance started)',
        atSeconds: seconds(up),
        stableAfterSeconds: stableAfter(3, up),
        longestIntakeGapSeconds: seconds(ticks.longestGapEndingIn(up, down ?? up + 60_000)),
        longestCommitStallSeconds: seconds(longestStallEndingIn(watch.samples, up, down ?? up + 60_000)),
        firstRecordAfterSeconds: firstRecord === undefined ? null : seconds(firstRecord - up),
      });
    }
    if (down !== null) {
      events.push({
        event: 'scale in 3 → 2 (SIGTERM)',
        atSeconds: seconds(down),
        stableAfterSeconds: stableAfter(2, down),
        longestIntakeGapSeconds: seconds(ticks.longestGapEndingIn(down, down + 60_000)),
        longestCommitStallSeconds: seconds(longestStallEndingIn(watch.samples, down, down + 60_000)),
      });
    }
    await leaving;
    await stop(instances);
    done = true;
    const scan = readOutput(outDir);
    const lines = [...scan.counts.values()].reduce((a, b) => a + b, 0);
    return {
      calmLongestIntakeGapSeconds: firstStable === null || up === null ? null : seconds(ticks.longestGapEndingIn(firstStable, up)),
      calmLongestCommitStallSeconds: firstStable === null || up === null ? null : seconds(longestStallEndingIn(watch.samples, firstStable, up)),
      events,
      seconds: seconds(watch.reachedAtMs),
      intakeGaps: ticks.gapsOver(1000).map(([at, length]) => [seconds(at), seconds(length)]),
      groupChanges,
      delivery: { lines, distinctRayIds: scan.counts.size, missing: options.ends.total - scan.counts.size, duplicates: lines - scan.counts.size },
    };
  } finally {
    polling = false;
    await poller;
    if (!done) {
      await timeline.stop();
      await leaving;
      await stop(instances);
    }
  }
}
