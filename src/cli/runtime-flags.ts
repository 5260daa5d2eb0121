// The runtime settings sluice needs from the start of the process, which only exist as Node
// command-line flags or environment variables read when the process starts. The `sluice`
// command puts them in place by replacing itself (process.execve: same PID, so signals,
// supervisors and `kill -9` see one process) before it loads anything else.
//
// Why each one (bench/README.md "V8's young generation and malloc arenas", measured with bench:jobs):
// - --max-semi-space-size: V8 lets a thread's young generation grow to three 64 MB semi-spaces
//   here, and the garbage promoted out of it grows the old space too. With 8 MB semi-spaces,
//   interleaved with the previous commit (2 runs each), peak RSS fell from 689–743 MB to
//   610–627 at 10 jobs and from 888–951 to 748–752 at 1,000, and records/s rose (61–67k to
//   67–72k, 34–44k to 49–53k): less to scan per scavenge. 2 MB semi-spaces cost the main
//   thread 10–25% of its records/s (more scavenges), for ~60 MB less. The worker pipeline
//   (npm run bench) measured the same at 2 MB and at V8's default. Worker threads inherit the
//   flag unless memory.limit_mb sets their heap caps.
// - MALLOC_ARENA_MAX: glibc gives each thread that allocates (workers' zlib/zstd, libuv's pool)
//   its own malloc arena and keeps freed pages in each; 2 arenas kept the RSS lower for no
//   measured cost. Only set when the environment does not already choose a value.

/** Semi-space size the process runs with, in MB (a young generation is 3 of them). */
export const SEMI_SPACE_MB = 8;

const SEMI_SPACE_FLAG = '--max-semi-space-size';
/** Set in the replaced process so it never replaces itself again. */
const REEXEC_MARKER = 'SLUICE_RUNTIME_FLAGS_APPLIED';

/** What the process should be started with, or null when it already has it (or cannot be replaced). */
export function runtimeReexec(current: {
  execPath: string;
  execArgv: readonly string[];
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  canExecve: boolean;
}): { args: string[]; env: NodeJS.ProcessEnv } | null {
  if (!current.canExecve || current.env[REEXEC_MARKER] !== undefined) return null;
  // A semi-space size the operator chose (on the command line or in NODE_OPTIONS) wins.
  const chosen = current.execArgv.some((a) => a.startsWith(SEMI_SPACE_FLAG)) || (current.env.NODE_OPTIONS ?? '').includes(SEMI_SPACE_FLAG);
  const needsArena = current.env.MALLOC_ARENA_MAX === undefined;
  if (chosen && !needsArena) return null;
  const flags = chosen ? [] : [`${SEMI_SPACE_FLAG}=${SEMI_SPACE_MB}`];
  return {
    args: [current.execPath, ...flags, ...current.execArgv, ...current.argv.slice(1)],
    env: { ...current.env, ...(needsArena ? { MALLOC_ARENA_MAX: '2' } : {}), [REEXEC_MARKER]: '1' },
  };
}

/**
 * Replaces this process with one that has the runtime settings, unless it already has them.
 * Returns (in the process that has them) with the marker removed from the environment, so a
 * sluice this one starts (tests, benchmarks) sets its own.
 */
export function applyRuntimeFlags(): void {
  const plan = runtimeReexec({
    execPath: process.execPath,
    execArgv: process.execArgv,
    argv: process.argv,
    env: process.env,
    // Windows has no execve. Flags such as --import (a preload) are in execArgv and carried over.
    canExecve: typeof process.execve === 'function' && process.platform !== 'win32',
  });
  delete process.env[REEXEC_MARKER];
  if (plan === null) return;
  try {
    process.execve!(process.execPath, plan.args, plan.env);
  } catch (error) {
    // Only memory use depends on it: run on without, and say so.
    process.stderr.write(`sluice: could not restart with its runtime flags (${(error as Error).message}); running with Node's defaults, which use more memory\n`);
  }
}
