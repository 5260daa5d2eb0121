// The plain-text table the micro benchmarks print: columns padded to their widest cell, text
// columns left-aligned, numbers right-aligned, a dashed rule under the header.

export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, leftAligned: readonly number[] = [0]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (leftAligned.includes(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
