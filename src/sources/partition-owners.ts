// Which source opened each partition, so that a poison record goes to the dead-letter sink of
// the source it came from (several sources can feed one pipeline).

import { DeadLetterPath, type DeadLetterPathOptions } from '../core/dead-letter.ts';
import type { Pipeline } from '../core/pipeline.ts';
import type { DeadLetterSink, PartitionHandle, PartitionRegistry, PoisonRecord, Source } from '../core/source.ts';

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

/** One guarded dead-letter path per source that has a dead-letter sink. */
export function deadLetterPaths(sources: readonly Source[], options: Omit<DeadLetterPathOptions, 'sink'>): Map<DeadLetterSink, DeadLetterPath> {
  const paths = new Map<DeadLetterSink, DeadLetterPath>();
  for (const source of sources) {
    if (source.deadLetterSink && !paths.has(source.deadLetterSink)) paths.set(source.deadLetterSink, new DeadLetterPath({ ...options, sink: source.deadLetterSink }));
  }
  return paths;
}

/**
 * Hands each poison record to the dead-letter path of the source it came from (if it has one);
 * `paths` holds one guarded path per sink (src/core/dead-letter.ts).
 */
export async function writeDeadLetters(owners: Map<PartitionHandle, Source>, paths: ReadonlyMap<DeadLetterSink, DeadLetterPath>, records: PoisonRecord[], signal: AbortSignal): Promise<void> {
  const byPath = new Map<DeadLetterPath, PoisonRecord[]>();
  for (const record of records) {
    const sink = owners.get(record.partition)?.deadLetterSink;
    const path = sink ? paths.get(sink) : undefined;
    if (!path) continue; // a source without dead letters: counted and acknowledged only
    const list = byPath.get(path);
    if (list) list.push(record);
    else byPath.set(path, [record]);
  }
  await Promise.all([...byPath].map(([path, list]) => path.store(list, signal)));
}
