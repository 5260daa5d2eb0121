// Which source opened each partition, so that a poison record goes to the dead-letter sink of
// the source it came from (several sources can feed one pipeline).

import type { Pipeline } from '../core/pipeline.ts';
import type { DeadLetterSink, PartitionHandle, PartitionRegistry, PoisonRecord, Source } from './source.ts';

/** The pipeline's registry, remembering `source` as the owner of every partition it opens. */
export function ownedRegistry(pipeline: Pipeline, source: Source, owners: Map<PartitionHandle, Source>): PartitionRegistry {
  return {
    open(name, dataset, firstOffset) {
      const handle = pipeline.open(name, dataset, firstOffset);
      owners.set(handle, source);
      return handle;
    },
    close(partition) {
      pipeline.close(partition);
      owners.delete(partition);
    },
  };
}

/** Hands each poison record to the dead-letter sink of the source it came from (if it has one). */
export async function writeDeadLetters(owners: Map<PartitionHandle, Source>, records: PoisonRecord[]): Promise<void> {
  const bySink = new Map<DeadLetterSink, PoisonRecord[]>();
  for (const record of records) {
    const sink = owners.get(record.partition)?.deadLetterSink;
    if (!sink) continue; // a source without dead letters: counted and acknowledged only
    const list = bySink.get(sink);
    if (list) list.push(record);
    else bySink.set(sink, [record]);
  }
  await Promise.all([...bySink].map(([sink, list]) => sink.deadLetter(list)));
}
