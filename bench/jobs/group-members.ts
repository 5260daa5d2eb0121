// Watches a consumer group's membership while a benchmark runs, to tell whether a rebalance
// happened: after the group is first Stable, any other state seen (PreparingRebalance,
// CompletingRebalance, Empty) or a change of member ids (the coordinator dropped a member that
// missed its heartbeats or its poll, and it joined again) counts. Polled, so a rebalance that
// starts and ends between two polls is seen only through the member id change.

import kafkajs from 'kafkajs';

export interface MembershipReport {
  /** Rebalances seen after the group was first Stable. */
  rebalances: number;
  /** What was seen, in order: "<s after origin> <state> <members>". */
  events: string[];
}

export function watchMembership(brokers: string[], groupId: string, originMs: number, everyMs = 500): { stop(): Promise<MembershipReport> } {
  const admin = new kafkajs.Kafka({ clientId: 'sluice-bench-members', brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  const events: string[] = [];
  let rebalances = 0;
  let stable: string | null = null; // the member ids of the first Stable group
  let inRebalance = false;
  let stopped = false;
  const loop = (async () => {
    await admin.connect();
    while (!stopped) {
      try {
        const { groups } = await admin.describeGroups([groupId]);
        const group = groups[0];
        if (group !== undefined) {
          const members = group.members.map((m) => m.memberId).sort().join(',');
          const at = ((performance.now() - originMs) / 1000).toFixed(1);
          if (group.state === 'Stable') {
            if (stable !== null && (members !== stable || inRebalance)) {
              rebalances++;
              events.push(`${at} s Stable again, members ${members === stable ? 'unchanged' : 'changed'}`);
            } else if (stable === null) {
              events.push(`${at} s Stable, ${group.members.length} member(s)`);
            }
            stable = members;
            inRebalance = false;
          } else if (stable !== null && !inRebalance) {
            inRebalance = true;
            events.push(`${at} s ${group.state}`);
          }
        }
      } catch (error) {
        events.push(`describeGroups failed: ${(error as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
    await admin.disconnect();
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      // A rebalance still under way when the run ended counts too.
      return { rebalances: rebalances + (inRebalance ? 1 : 0), events };
    },
  };
}
