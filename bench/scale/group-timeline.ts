// The consumer group's state and member count over a run, polled with describeGroups: when the
// group became Stable with all N instances, and every state change on the way (each instance
// that joins or leaves makes the group rebalance; the timeline shows how long each took).

import kafkajs from 'kafkajs';

export interface GroupState {
  /** Milliseconds after the time origin. */
  atMs: number;
  state: string;
  members: number;
}

export class GroupTimeline {
  /** Every change of state or member count, in order. */
  readonly changes: GroupState[] = [];
  readonly #loop: Promise<void>;
  #stopped = false;

  constructor(brokers: string[], groupId: string, originMs: number, everyMs = 200) {
    const admin = new kafkajs.Kafka({ clientId: 'sluice-bench-group-timeline', brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
    this.#loop = (async () => {
      await admin.connect();
      while (!this.#stopped) {
        try {
          const { groups } = await admin.describeGroups([groupId]);
          const group = groups[0];
          const last = this.changes.at(-1);
          if (group !== undefined && (last === undefined || last.state !== group.state || last.members !== group.members.length)) {
            this.changes.push({ atMs: Math.round(performance.now() - originMs), state: group.state, members: group.members.length });
          }
        } catch {
          // A failed poll is a missing point, not a failed run.
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
      await admin.disconnect();
    })();
  }

  /** First time at or after `fromMs` the group was Stable with `members` members, or null. */
  stableWith(members: number, fromMs = 0): number | null {
    return this.changes.find((c) => c.atMs >= fromMs && c.state === 'Stable' && c.members === members)?.atMs ?? null;
  }

  /** Whether the group is (as last polled) Stable with `members` members. */
  isStableWith(members: number): boolean {
    const last = this.changes.at(-1);
    return last !== undefined && last.state === 'Stable' && last.members === members;
  }

  async stop(): Promise<GroupState[]> {
    this.#stopped = true;
    await this.#loop;
    return this.changes;
  }
}
