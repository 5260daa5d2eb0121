// Preloaded (`node --import`) into a child process whose peak memory a test or benchmark
// measures: at exit it writes process.resourceUsage().maxRSS — getrusage's peak resident set of
// the whole process, in KiB, exact rather than sampled — to the file SLUICE_PEAK_RSS_FILE names.
// peak-rss.ts sets both up.

import { writeFileSync } from 'node:fs';

const file = process.env['SLUICE_PEAK_RSS_FILE'];
if (file !== undefined && file !== '') process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
