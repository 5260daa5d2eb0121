// The `sluice` command's entry point. The runtime flags come first (runtime-flags.ts): they
// may replace this process, so nothing else is loaded before them.
import { applyRuntimeFlags } from './runtime-flags.ts';

applyRuntimeFlags();
await import('./command.ts');
