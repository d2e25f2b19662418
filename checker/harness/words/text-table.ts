// A small plain-text table for failure messages: columns padded to their widest cell, numbers
// (and durations like "12 ms") right-aligned, everything else left-aligned, indented two spaces.
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  const numeric = header.map((_, column) => rows.length > 0 && rows.every((row) => /^[-\d.,]+( ms| s|x|%)?$/.test(row[column] ?? '')));
  return all
    .map((row) =>
      `  ${header.map((_, column) => {
        const cell = row[column] ?? '';
        const width = widths[column] ?? 0;
        return numeric[column] ? cell.padStart(width) : cell.padEnd(width);
      }).join('  ')}`.trimEnd(),
    )
    .join('\n');
}
