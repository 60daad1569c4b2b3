// Figures and tables for the benches' console output: percentiles, rates, and a plain text
// table that lines up in any terminal. Printing only; no bench asserts on these numbers.

/** The value at quantile q (0..1) of the numbers, nearest-rank; NaN when there are none. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** A number with `digits` decimals, or "n/a" when it is not finite. */
export function figure(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** Milliseconds, rounded, with their unit. */
export function ms(value: number): string {
  return Number.isFinite(value) ? `${Math.round(value)} ms` : 'n/a';
}

/** A table with a header row, columns padded to their widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** PASS or MISS for a figure against a lower bound. */
export function verdict(value: number, atLeast: number): string {
  return Number.isFinite(value) && value >= atLeast ? 'PASS' : 'MISS';
}
