/**
 * CSV (RFC 4180) that spreadsheets open safely: every field quoted, quotes doubled, CRLF line ends,
 * and a field that a spreadsheet would run as a formula (starting with = + - @, tab or carriage
 * return) prefixed with an apostrophe (OWASP "CSV injection").
 */
export function csvField(value: unknown): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replaceAll('"', '""')}"`;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const lines = [header, ...rows].map((row) => row.map(csvField).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
