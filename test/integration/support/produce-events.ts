// Produces generated events to a topic from a child process, so a test that measures its own
// memory (the backpressure test) does not carry the producer's garbage in its baseline.
//
//   node produce-events.ts <topic> <count> <seed> <tenant> <tenantHeader> <rayIdsFile>
//
// Events of one tenant, tenant in the header, key = RayID (spread over partitions); the RayIDs
// are written to <rayIdsFile>, one a line. Exits 0 once every event is acknowledged.

import { writeFileSync } from 'node:fs';
import { produce } from '../../helpers/kafka.ts';
import { EventStream } from './events.ts';

const CHUNK = 5000;

const [topic, countText, seedText, tenant, tenantHeader, rayIdsFile] = process.argv.slice(2);
if (!topic || !countText || !seedText || !tenant || !tenantHeader || !rayIdsFile) {
  process.stderr.write('usage: produce-events.ts <topic> <count> <seed> <tenant> <tenantHeader> <rayIdsFile>\n');
  process.exit(2);
}
const count = Number(countText);
const stream = new EventStream(Number(seedText), { tenants: [tenant], tenantHeader });
const rayIds: string[] = [];
let bytes = 0;
// Chunks keep the producer's memory small (~7 MB of events at a time).
for (let done = 0; done < count; done += CHUNK) {
  const part = stream.take(Math.min(CHUNK, count - done));
  const sent = await produce(topic, part.messages);
  if (sent !== part.messages.length) throw new Error(`produced ${sent} of ${part.messages.length}`);
  for (const e of part.events) rayIds.push(e.rayId);
  bytes += part.bytes;
}
writeFileSync(rayIdsFile, `${rayIds.join('\n')}\n`);
process.stdout.write(`${JSON.stringify({ records: rayIds.length, bytes })}\n`);
