/**
 * CSV rows (RFC 4180 quoting), loadable straight into pandas or a spreadsheet.
 *
 * @module
 */

/** Quotes a field when it holds a comma, quote or newline. */
export function csvField(v: string | number): string {
  if (typeof v === "number") return String(v);
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** One CSV line, newline included. */
export function csvLine(values: readonly (string | number)[]): string {
  return values.map(csvField).join(",") + "\n";
}
