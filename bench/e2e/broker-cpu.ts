// CPU time of the local broker JVM (scripts/kafka.sh writes its pid under .cache/kafka/run/<port>/).
// On this benchmark's machine the broker shares the cores with sluice, so what it burns while
// serving a consumer is part of the picture (a production broker runs elsewhere).

import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KAFKA_PORT } from '../../test/helpers/kafka.ts';
import { sampleProc } from './proc-stats.ts';

const RUN_DIR = resolve(import.meta.dirname, `../../.cache/kafka/run/${KAFKA_PORT}`);
const PID_FILE = `${RUN_DIR}/kafka.pid`;

/** The broker's total CPU seconds so far, or null if its pid is unknown (e.g. an external broker). */
export function brokerCpuSeconds(): number | null {
  const pid = pidFromFile() ?? pidFromCommandLine();
  return pid === null ? null : (sampleProc(pid)?.cpuSeconds ?? null);
}

function pidFromFile(): number | null {
  try {
    const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && sampleProc(pid) !== null ? pid : null;
  } catch {
    return null;
  }
}

/**
 * The JVM running this port's server.properties, as kafka.sh recognises its own server: the pid
 * file can be gone while the broker runs (it was, on 2026-12-07, while the JVM served on).
 */
function pidFromCommandLine(): number | null {
  const wanted = `kafka.Kafka\0${RUN_DIR}/server.properties`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(wanted)) return Number(entry);
    } catch {
      // The process exited while we looked.
    }
  }
  return null;
}
