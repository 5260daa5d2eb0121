// CPU time of the local broker JVM (scripts/kafka.sh writes its pid under .cache/kafka/run/<port>/).
// On this benchmark's machine the broker shares the cores with sluice, so what it burns while
// serving a consumer is part of the picture (a production broker runs elsewhere).

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KAFKA_PORT } from '../../test/helpers/kafka.ts';
import { sampleProc } from './proc-stats.ts';

const PID_FILE = resolve(import.meta.dirname, `../../.cache/kafka/run/${KAFKA_PORT}/kafka.pid`);

/** The broker's total CPU seconds so far, or null if its pid is unknown (e.g. an external broker). */
export function brokerCpuSeconds(): number | null {
  try {
    const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? (sampleProc(pid)?.cpuSeconds ?? null) : null;
  } catch {
    return null;
  }
}
