// Piscina entry for the pool benchmark's baseline: the same BatchTask the pipeline worker gets,
// done the obvious way (bench/json-parse-baseline.ts), so the baseline pays the same pool costs
// (dispatch, result message) as sluice's worker. Answers with the BatchResult fields the
// benchmark reads; the compressed bytes come back as a copy (a few hundred KB per task).

import type { BatchTask } from '../../workers/batch-task.ts';
import { parseAndStringifyBatch } from '../json-parse-baseline.ts';
import { TEN_FIELDS } from '../fixtures.ts';

export default function baselineWorker(task: BatchTask) {
  const startedAt = performance.now();
  const { encodedBytes, compressed } = parseAndStringifyBatch(task, TEN_FIELDS);
  return {
    chunks: [compressed],
    recordsOut: task.count,
    bytesEncoded: encodedBytes,
    bytesCompressed: compressed.length,
    workerMicros: Math.round((performance.now() - startedAt) * 1000),
  };
}
