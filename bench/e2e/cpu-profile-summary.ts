// Summarises V8 .cpuprofile files (node --cpu-prof writes one per thread): self time by
// category (kafkajs protocol decode, kafkajs consumer/network, sluice source, sluice pipeline,
// GC, idle, …) and the top functions by self time. Used by e2e-kafka.bench.ts to say where a
// sluice run spends its main thread; also runnable on its own:
//
//   node bench/e2e/cpu-profile-summary.ts <file.cpuprofile|dir> [...]

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

export interface ProfileShare { name: string; ms: number; percent: number }

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Share of the thread's time not idle. */
  busyPercent: number;
  categories: ProfileShare[];
  topFunctions: ProfileShare[];
}

/** Which part of the system a frame belongs to, from its script URL and name. */
export function categoryOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (functionName === '(idle)') return 'idle';
  // A piscina worker blocked in Atomics.wait for its next task: idle, though V8 sees JS running.
  if (functionName === 'atomicsWaitLoop' && url.includes('/node_modules/piscina/')) return 'idle';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'V8/native (unattributed)';
  const kafkajs = url.indexOf('/node_modules/kafkajs/src/');
  if (kafkajs >= 0) {
    const path = url.slice(kafkajs + '/node_modules/kafkajs/src/'.length);
    if (path.startsWith('protocol/')) return 'kafkajs protocol (decode/encode)';
    if (path.startsWith('consumer/')) return 'kafkajs consumer (fetch loop, batches)';
    if (path.startsWith('network/')) return 'kafkajs network';
    return 'kafkajs other';
  }
  const dep = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (dep) return `dependency ${dep[1]}`;
  const src = /\/(src|workers)\/(.+)$/.exec(url);
  if (src) {
    const path = `${src[1]}/${src[2]}`;
    if (path.startsWith('src/sources/')) return 'sluice source (src/sources)';
    if (path.startsWith('src/core/')) return 'sluice pipeline (src/core)';
    if (path.startsWith('src/pool/')) return 'sluice pool (src/pool)';
    if (path.startsWith('workers/')) return 'sluice worker (workers/)';
    return 'sluice other';
  }
  if (url.startsWith('node:')) return 'node internals (JS)';
  return url === '' ? `native: ${functionName || '(anonymous)'}` : 'other JS';
}

function frameLabel(frame: CallFrame): string {
  const where = frame.url === '' ? '' : ` ${frame.url.replace(/^.*\/(node_modules\/|src\/|workers\/)/, '$1').replace(/^file:\/\//, '')}:${frame.lineNumber + 1}`;
  return `${frame.functionName || '(anonymous)'}${where}`;
}

/**
 * Only samples between these times, in the profiles' clock (microseconds; one clock for every
 * thread of a process). profileStartUs() of the main thread's profile is ~the process start.
 */
export interface ProfileWindow { fromUs: number; toUs: number }

export function profileStartUs(file: string): number {
  return (JSON.parse(readFileSync(file, 'utf8')) as CpuProfile).startTime;
}

export function summariseProfile(file: string, top = 20, window: ProfileWindow | null = null): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time since the previous sample: attribute it to sample i.
  let atUs = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    atUs += delta;
    if (window !== null && (atUs < window.fromUs || atUs > window.toUs)) continue;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    totalUs += us;
    const category = categoryOf(frame);
    if (category === 'idle') idleUs += us;
    categories.set(category, (categories.get(category) ?? 0) + us);
    const label = frameLabel(frame);
    functions.set(label, (functions.get(label) ?? 0) + us);
  }
  const shares = (m: Map<string, number>, limit: number): ProfileShare[] =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, limit)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percent: Math.round((us / totalUs) * 1000) / 10 }));
  // Categories: fold the long tail of single native functions into one line.
  const folded = new Map<string, number>();
  for (const [name, us] of categories) {
    const key = name.startsWith('native: ') && us / totalUs < 0.01 ? 'native: other' : name;
    folded.set(key, (folded.get(key) ?? 0) + us);
  }
  return {
    file: basename(file),
    totalMs: Math.round(totalUs / 1000),
    busyPercent: Math.round(((totalUs - idleUs) / totalUs) * 1000) / 10,
    categories: shares(folded, 30),
    topFunctions: shares(new Map([...functions].filter(([name]) => name !== '(idle)' && !name.startsWith('atomicsWaitLoop '))), top),
  };
}

/** Every .cpuprofile under the given files/directories, largest (longest-running thread) first. */
export function profileFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p)) if (f.endsWith('.cpuprofile')) files.push(join(p, f));
    } else {
      files.push(p);
    }
  }
  return files.sort((a, b) => statSync(b).size - statSync(a).size);
}

export function printProfileSummary(s: ProfileSummary, label: string): void {
  console.log(`\n${label} (${s.file}): ${(s.totalMs / 1000).toFixed(1)} s sampled, ${s.busyPercent}% busy`);
  for (const c of s.categories) console.log(`  ${c.percent.toFixed(1).padStart(5)}%  ${String(c.ms).padStart(6)} ms  ${c.name}`);
  console.log('  top functions by self time:');
  for (const f of s.topFunctions) console.log(`  ${f.percent.toFixed(1).padStart(5)}%  ${String(f.ms).padStart(6)} ms  ${f.name}`);
}

if (import.meta.main) {
  const paths = process.argv.slice(2);
  if (paths.length === 0) {
    console.error('usage: node bench/e2e/cpu-profile-summary.ts <file.cpuprofile|dir> [...]');
    process.exit(2);
  }
  for (const file of profileFiles(paths)) printProfileSummary(summariseProfile(file), 'thread');
}
