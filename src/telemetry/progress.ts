// The progress line printed every few seconds and the summary printed at exit.

import type { PipelineStats } from '../core/stats.ts';

export interface ProgressSnapshot {
  at: number;
  recordsIn: number;
  recordsDelivered: number;
}

export function snapshot(stats: PipelineStats, at: number): ProgressSnapshot {
  return { at, recordsIn: stats.recordsIn, recordsDelivered: stats.recordsDelivered };
}

export function progressLine(stats: PipelineStats, previous: ProgressSnapshot, now: ProgressSnapshot, bufferedBytes: number): string {
  const seconds = Math.max(0.001, (now.at - previous.at) / 1000);
  const inRate = (now.recordsIn - previous.recordsIn) / seconds;
  const outRate = (now.recordsDelivered - previous.recordsDelivered) / seconds;
  return [
    `in ${rate(inRate)}/s`,
    `out ${rate(outRate)}/s`,
    `batches ${stats.batchesDelivered} delivered`,
    `${bytes(stats.bytesEncoded)} → ${bytes(stats.bytesCompressed)} (${ratio(stats)})`,
    `buffered ${bytes(bufferedBytes)}`,
  ].join(' | ');
}

export function summaryLines(stats: PipelineStats, elapsedMs: number): string[] {
  const d = stats.recordsDropped;
  const seconds = Math.max(0.001, elapsedMs / 1000);
  return [
    `records in:        ${stats.recordsIn} (${rate(stats.recordsIn / seconds)}/s over ${seconds.toFixed(1)} s), ${bytes(stats.bytesIn)}`,
    `routed to jobs:    ${stats.recordsRouted} (records × matching jobs); unrouted ${stats.recordsUnrouted}`,
    `delivered:         ${stats.recordsDelivered} in ${stats.batchesDelivered} batches (+${stats.batchesEmpty} empty)`,
    `filtered/sampled:  ${stats.recordsFiltered} / ${stats.recordsSampled}`,
    `dropped:           invalid_json ${d.invalid_json}, wrong_type ${d.wrong_type}, oversized ${d.oversized}, quarantined ${d.quarantined}`,
    `bytes:             ${bytes(stats.bytesEncoded)} encoded → ${bytes(stats.bytesCompressed)} compressed (${ratio(stats)})`,
    `delivery retries:  ${stats.deliveryRetries}`,
  ];
}

function ratio(stats: PipelineStats): string {
  return stats.bytesCompressed > 0 ? `${(stats.bytesEncoded / stats.bytesCompressed).toFixed(1)}×` : '–';
}

function rate(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(0);
}

function bytes(value: number): string {
  if (value >= 1 << 30) return `${(value / (1 << 30)).toFixed(2)} GiB`;
  if (value >= 1 << 20) return `${(value / (1 << 20)).toFixed(1)} MiB`;
  if (value >= 1 << 10) return `${(value / (1 << 10)).toFixed(1)} KiB`;
  return `${value} B`;
}
