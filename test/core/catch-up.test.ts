// The catch-up coordinator's state machine with a fake live side and fake readers: parked →
// catching up → handed back → caught up, the limit on readers at once, a partition that appears
// mid-run, and a stop that keeps the saved progress.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CatchUp, closeBehind, type CatchUpRun, type LiveSide, type Offsets } from '../../src/core/catch-up.ts';
import { createJobRuntime, type JobRuntime } from '../../src/core/job-runtime.ts';
import type { Destination } from '../../src/destinations/destination.ts';
import { LOGPUSH_LIMITS } from '../../src/jobs/types.ts';
import { validateJob } from '../../src/jobs/validation/validate.ts';
import { createLogger } from '../../src/shared/log.ts';

const NO_DESTINATION: Destination = { kind: 'memory', deliver: async () => ({ location: '' }), close: async () => {} };

function parkedRuntime(id: number): JobRuntime {
  const result = validateJob({ id, zone_id: `zone-${id}`, dataset: 'http_requests', destination_conf: 'file:///tmp/x', output_options: { field_names: ['RayID'] } }, { limits: LOGPUSH_LIMITS });
  assert.ok(result.ok);
  const runtime = createJobRuntime(result.value, NO_DESTINATION);
  runtime.parked = true;
  return runtime;
}

class FakeRun implements CatchUpRun {
  read = new Map<number, number>();
  delivered = new Map<number, number>();
  targets: Offsets | null = null;
  closed = false;
  ended = false;
  healthy = true;
  delivering() { return this.healthy; }
  constructor(from: Offsets) {
    this.read = new Map(from);
    this.delivered = new Map(from);
  }
  readOffsets() { return this.read; }
  deliveredOffsets() { return this.delivered; }
  stopAt(targets: Offsets) { this.targets = targets; }
  async close() { this.closed = true; }
}

class FakeLive implements LiveSide {
  parked: JobRuntime[] = [];
  live = new Map<number, number>([[0, 1000], [1, 2000]]);
  resume = new Map<number, Map<number, number>>();
  advanced: Array<[number, Record<number, number>]> = [];
  handedBack: number[] = [];
  caught: number[] = [];
  runs: FakeRun[] = [];
  parkedJobs() { return this.parked; }
  topicOf(dataset: string) { return dataset === 'http_requests' ? 'requests' : undefined; }
  liveOffsets() { return this.live; }
  resumeOffsets(jobId: number) { return this.resume.get(jobId) ?? new Map(); }
  advance(jobId: number, _topic: string, delivered: Offsets) { this.advanced.push([jobId, Object.fromEntries(delivered)]); }
  handBack(jobId: number) {
    this.handedBack.push(jobId);
    this.parked = this.parked.filter((r) => r.job.id !== jobId);
  }
  caughtUp(jobId: number) { this.caught.push(jobId); }
  recordsBehind() { return undefined; }
  startRun(_runtime: JobRuntime, _topic: string, from: Offsets) {
    const run = new FakeRun(from);
    this.runs.push(run);
    return run;
  }
}

const options = { maxRuns: 1, handBackLag: 10, log: createLogger('silent') };

describe('catch-up', () => {
  it('parked → catching up → handed back at the live offsets → caught up once delivered to them', async () => {
    const live = new FakeLive();
    live.parked = [parkedRuntime(7)];
    live.resume.set(7, new Map([[0, 100], [1, 200]]));
    const catchUp = new CatchUp(live, options);

    await catchUp.tick();
    assert.equal(live.runs.length, 1, 'a reader starts for the parked job');
    const run = live.runs[0]!;
    assert.deepEqual([...run.read], [[0, 100], [1, 200]], 'from the saved positions');

    run.read.set(0, 995); // partition 1 still far behind
    run.delivered.set(0, 900);
    await catchUp.tick();
    assert.deepEqual(live.handedBack, [], 'not handed back while one partition is far behind');
    assert.deepEqual(live.advanced.at(-1), [7, { 0: 900, 1: 200 }], 'saved positions follow delivery');

    run.read.set(1, 1995);
    await catchUp.tick();
    assert.deepEqual(live.handedBack, [7]);
    assert.deepEqual(run.targets && [...run.targets], [[0, 1000], [1, 2000]], 'the reader stops where the live path took over');

    live.live.set(0, 1500); // the live path moved on: not the reader's business any more
    run.delivered.set(0, 1000);
    run.delivered.set(1, 1999);
    await catchUp.tick();
    assert.deepEqual(live.caught, [], 'one record below the hand-back point is not delivered yet');
    run.delivered.set(1, 2000);
    await catchUp.tick();
    assert.deepEqual(live.caught, [7]);
    assert.equal(run.closed, true);
    assert.equal(catchUp.running, 0);
  });

  it('runs at most maxRuns readers; the next parked job starts when one finishes', async () => {
    const live = new FakeLive();
    live.parked = [parkedRuntime(1), parkedRuntime(2)];
    live.live = new Map([[0, 10]]);
    live.resume.set(1, new Map([[0, 10]]));
    live.resume.set(2, new Map([[0, 5]]));
    const catchUp = new CatchUp(live, options);
    await catchUp.tick();
    assert.equal(live.runs.length, 1);
    await catchUp.tick(); // job 1 is level with live: handed back
    await catchUp.tick(); // and caught up (nothing to deliver): job 2 starts
    assert.deepEqual(live.caught, [1]);
    assert.equal(live.runs.length, 2);
    assert.deepEqual([...live.runs[1]!.read], [[0, 5]]);
  });

  it('restarts a reader when the live consumer owns a partition it does not read', async () => {
    const live = new FakeLive();
    live.parked = [parkedRuntime(3)];
    live.live = new Map([[0, 50]]);
    live.resume.set(3, new Map([[0, 0]]));
    const catchUp = new CatchUp(live, options);
    await catchUp.tick();
    live.live.set(1, 70);
    live.resume.set(3, new Map([[0, 0], [1, 60]]));
    await catchUp.tick();
    assert.equal(live.runs[0]!.closed, true);
    assert.deepEqual(live.handedBack, [], 'never handed back with a partition unread');
    await catchUp.tick();
    assert.deepEqual([...live.runs[1]!.read], [[0, 0], [1, 60]], 'the new reader covers the new partition too');
  });

  it('stopAll closes the readers; the next tick starts them again from the saved positions', async () => {
    const live = new FakeLive();
    live.parked = [parkedRuntime(4)];
    live.resume.set(4, new Map([[0, 1], [1, 2]]));
    const catchUp = new CatchUp(live, options);
    await catchUp.tick();
    await catchUp.stopAll();
    assert.equal(live.runs[0]!.closed, true);
    await catchUp.tick();
    assert.equal(live.runs.length, 2);
    await catchUp.close();
    await catchUp.tick();
    assert.equal(live.runs.length, 2, 'nothing starts after close');
  });

  it('a reader that stops after hand-back is replaced by one that finishes up to the same stop points', async () => {
    const live = new FakeLive();
    live.parked = [parkedRuntime(8)];
    live.live = new Map([[0, 100], [1, 100]]);
    live.resume.set(8, new Map([[0, 95], [1, 95]]));
    const catchUp = new CatchUp(live, options);
    await catchUp.tick();
    await catchUp.tick();
    assert.deepEqual(live.handedBack, [8]);
    live.resume.set(8, new Map([[0, 97], [1, 95]]));
    await catchUp.stopAll(); // a rebalance: partition 1 moves away
    live.live = new Map([[0, 180]]);
    await catchUp.tick();
    const second = live.runs[1]!;
    assert.deepEqual([...second.read], [[0, 97], [1, 95]], 'from the saved progress');
    assert.deepEqual(second.targets && [...second.targets], [[0, 100]], 'the same stop point, only where still owned');
    assert.deepEqual(live.handedBack, [8], 'not handed back twice');
    second.ended = true; // its consumer failed
    await catchUp.tick();
    await catchUp.tick();
    const third = live.runs[2]!;
    assert.deepEqual(third.targets && [...third.targets], [[0, 100]]);
    third.delivered.set(0, 100);
    await catchUp.tick();
    assert.deepEqual(live.caught, [8]);
  });

  it('a job parked again before its reader finished is not forgotten: a new reader takes over', async () => {
    const live = new FakeLive();
    const runtime = parkedRuntime(9);
    live.parked = [runtime];
    live.live = new Map([[0, 50]]);
    live.resume.set(9, new Map([[0, 45]]));
    const catchUp = new CatchUp(live, options);
    await catchUp.tick();
    await catchUp.tick();
    assert.deepEqual(live.handedBack, [9]);
    live.parked = [runtime]; // parked again
    live.runs[0]!.delivered.set(0, 50);
    await catchUp.tick();
    assert.deepEqual(live.caught, [], 'its new positions are kept');
    assert.equal(live.runs[0]!.closed, true);
    await catchUp.tick();
    assert.equal(live.runs.length, 2, 'a new reader for the new parking');
  });

  it('a reader whose destination still fails does not hand back, however close behind it has read', async () => {
    const live = new FakeLive();
    live.parked = [parkedRuntime(11)];
    live.live = new Map([[0, 100]]);
    live.resume.set(11, new Map([[0, 95]]));
    const catchUp = new CatchUp(live, options);
    await catchUp.tick();
    live.runs[0]!.healthy = false;
    await catchUp.tick();
    await catchUp.tick();
    assert.deepEqual(live.handedBack, [], 'read to live, but nothing delivered: stays parked');
    live.runs[0]!.healthy = true;
    await catchUp.tick();
    assert.deepEqual(live.handedBack, [11]);
  });

  it('closeBehind needs every live partition within the lag', () => {
    assert.equal(closeBehind(new Map([[0, 90]]), new Map([[0, 100]]), 10), true);
    assert.equal(closeBehind(new Map([[0, 89]]), new Map([[0, 100]]), 10), false);
    assert.equal(closeBehind(new Map(), new Map([[0, 100]]), 10), false);
    assert.equal(closeBehind(new Map([[0, 1]]), new Map(), 10), true);
  });
});
