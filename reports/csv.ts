// reports: CSV of any report table or drill-down, as RFC 4180 text a spreadsheet opens as is:
// a header row of the JSON field names, then one line per row; fields holding a comma, quote or
// line break are quoted, and a field a spreadsheet would run as a formula (=, +, -, @ first) is
// prefixed with a quote so an exported ticket subject can never execute.
const formulaStart = /^[=+\-@\t\r]/;

/** Renders rows as CSV with the given columns (the first row's keys when omitted). */
export function toCsv(rows: Record<string, unknown>[], columns?: string[]): string {
  const header = columns ?? Object.keys(rows[0] ?? {});
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) lines.push(header.map((column) => csvField(row[column])).join(','));
  return lines.join('\r\n') + '\r\n';
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && formulaStart.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
