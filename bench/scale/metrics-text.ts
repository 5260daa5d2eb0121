// Reading one number out of a Prometheus text exposition: every series of a metric summed over
// its labels (an instance has one series per dataset or topic; the benchmark wants the total).

/** Sum of every sample of `name` (with or without labels); 0 when the metric has none yet. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue; // another metric with this prefix
    const value = Number(rest.slice(rest.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}
