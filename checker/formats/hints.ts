// hints.md: progressive hints, one `## ` section each, shown one at a time.
export function parseHints(markdown: string): string[] {
  return markdown
    .split(/^## .*$/m)
    .slice(1)
    .map((section) => section.trim())
    .filter((section) => section.length > 0);
}
