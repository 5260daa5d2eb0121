#!/usr/bin/env node
// Launcher: sluice is TypeScript run directly by Node 24's type stripping. On an older Node
// say so plainly instead of failing on the first type annotation.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `sluice: needs Node 24 or newer, this is Node ${process.versions.node}. ` +
      'Run it through npm (npm start / npx sluice), which uses the Node 24 that npm ci installed.\n',
  );
  process.exit(2);
}
await import('../src/cli/main.ts');
