import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { runtimeReexec, SEMI_SPACE_MB } from '../../src/cli/runtime-flags.ts';

const base = { execPath: '/usr/bin/node', execArgv: [] as string[], argv: ['/usr/bin/node', '/app/src/cli/main.ts', 'run', '--config', 'c.yaml'], env: {} as NodeJS.ProcessEnv, canExecve: true };

test('a plain start is replaced by one with the semi-space flag, the arena limit and the marker, arguments kept in order', () => {
  const plan = runtimeReexec({ ...base, execArgv: ['--import', 'probe.ts'] });
  assert.ok(plan);
  assert.deepEqual(plan.args, ['/usr/bin/node', `--max-semi-space-size=${SEMI_SPACE_MB}`, '--import', 'probe.ts', '/app/src/cli/main.ts', 'run', '--config', 'c.yaml']);
  assert.equal(plan.env.MALLOC_ARENA_MAX, '2');
  assert.equal(plan.env.SLUICE_RUNTIME_FLAGS_APPLIED, '1');
});

test('the replaced process is never replaced again', () => {
  assert.equal(runtimeReexec({ ...base, env: { SLUICE_RUNTIME_FLAGS_APPLIED: '1' } }), null);
});

test("the operator's own choices win: a semi-space size in execArgv or NODE_OPTIONS, a MALLOC_ARENA_MAX", () => {
  assert.equal(runtimeReexec({ ...base, execArgv: ['--max-semi-space-size=16'], env: { MALLOC_ARENA_MAX: '4' } }), null);
  assert.equal(runtimeReexec({ ...base, env: { NODE_OPTIONS: '--max-semi-space-size=16', MALLOC_ARENA_MAX: '4' } }), null);
  const arenaOnly = runtimeReexec({ ...base, execArgv: ['--max-semi-space-size=16'] });
  assert.ok(arenaOnly);
  assert.ok(!arenaOnly.args.some((a) => a === `--max-semi-space-size=${SEMI_SPACE_MB}`));
  assert.equal(arenaOnly.env.MALLOC_ARENA_MAX, '2');
  const semiOnly = runtimeReexec({ ...base, env: { MALLOC_ARENA_MAX: '8' } });
  assert.equal(semiOnly?.env.MALLOC_ARENA_MAX, '8');
});

test('no replacement where execve does not exist', () => {
  assert.equal(runtimeReexec({ ...base, canExecve: false }), null);
});

test('the real command runs with the flag, in the same process, and does not pass the marker on', () => {
  // --version is answered by command.ts after main.ts applied the flags; the probe preload
  // prints what the final process was started with.
  const probe = 'data:text/javascript,process.on("exit",()=>process.stderr.write(JSON.stringify({pid:process.pid,argv:process.execArgv,arena:process.env.MALLOC_ARENA_MAX??null,marker:process.env.SLUICE_RUNTIME_FLAGS_APPLIED??null})+"\\n"))';
  const result = spawnSync(process.execPath, ['--import', probe, join(import.meta.dirname, '../../src/cli/main.ts'), '--version'], { encoding: 'utf8', env: { ...process.env, MALLOC_ARENA_MAX: undefined, NODE_OPTIONS: undefined } });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^sluice \d/);
  const seen = JSON.parse(result.stderr.trim().split('\n').at(-1)!) as { pid: number; argv: string[]; arena: string | null; marker: string | null };
  assert.ok(seen.argv.includes(`--max-semi-space-size=${SEMI_SPACE_MB}`), `execArgv was ${seen.argv.join(' ')}`);
  assert.equal(seen.pid, result.pid, 'the replaced process keeps the PID it was started with');
  assert.equal(seen.arena, '2');
  assert.equal(seen.marker, null);
});
