// Every process that loads kafkajs (the source, the Kafka job store, benches and the load
// generator) installs this filter before its first client.

let warningFilterInstalled = false;

/**
 * kafkajs 2.2.4's request queue calls setTimeout(fn, throttledUntil - Date.now()) with
 * throttledUntil = -1 when nothing is throttled; Node 24 clamps that to 1 ms (harmless) but
 * prints a TimeoutNegativeWarning on stderr, which would break "one clear line" for a user
 * error. Only that warning type is dropped; every other warning passes through unchanged.
 */
export function dropKafkajsNegativeTimeoutWarning(): void {
  if (warningFilterInstalled) return;
  warningFilterInstalled = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: unknown } | undefined)?.type;
    if (type === 'TimeoutNegativeWarning') return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}
