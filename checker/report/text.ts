// Text helpers shared by the reporters: graders and CI pages have size limits, and a teaching
// message with a timeline drawing can be long.

/** At most `max` characters (UTF-16 code units), ending with a note of what was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Room for the note, which names how much was cut.
  let kept = text.slice(0, Math.max(0, max - 100));
  // Never end on half of a surrogate pair (an emoji cut in two is not valid text).
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
  return `${kept}\n… (${text.length - kept.length} more characters: \`npm run kata -- run\` shows the whole message)`;
}

export function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/** `3 files` / `1 file`. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * Removes what no report format can hold: C0 control characters other than tab and newlines (XML
 * 1.0 forbids them even escaped; in markdown they are noise), U+FFFE/U+FFFF and lone surrogates.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
}
