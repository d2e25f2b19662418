// Markdown as hints.md is written (hard-wrapped at about 100 columns) reflowed to a terminal's width:
// the lines of a paragraph or a list item are joined and wrapped again, so an 80-column terminal does
// not break every source line in two. What must keep its lines keeps them: fenced and indented code,
// tables, headings, rules, blank lines, and a line that ends in a hard break (two spaces or `\`).
import wrapAnsi from 'wrap-ansi';

const FENCE = /^\s*(`{3,}|~{3,})/;
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])(\s+)(.*)$/;
const QUOTE = /^\s*>\s?(.*)$/;
const VERBATIM = /^\s*(#{1,6}\s|\||([-*_])(\s*\2){2,}\s*$)/;
const HARD_BREAK = /( {2,}|\\)$/;
/** Narrower than this, wrapping helps nobody: the text is wrapped at this width anyway. */
const MIN_WIDTH = 20;

interface Block {
  /** The first line's prefix (a list marker, `> `) and the prefix of the lines after it. */
  first: string;
  rest: string;
  words: string[];
}

export function reflowMarkdown(text: string, width: number): string {
  const columns = Math.max(MIN_WIDTH, Math.floor(width));
  const out: string[] = [];
  let block: Block | undefined;
  let fence: string | undefined;
  const flush = () => {
    // A block a hard break left open has no words yet: nothing to print for it.
    if (!block || block.words.every((word) => word === '')) {
      block = undefined;
      return;
    }
    const room = Math.max(MIN_WIDTH / 2, columns - block.first.length);
    const lines = wrapAnsi(block.words.join(' '), room, { hard: true, trim: true }).split('\n');
    lines.forEach((line, i) => out.push(`${i === 0 ? block?.first : block?.rest}${line}`.trimEnd()));
    block = undefined;
  };
  for (const line of text.split('\n')) {
    if (fence !== undefined) {
      out.push(line);
      if (line.trim().startsWith(fence)) fence = undefined;
      continue;
    }
    const opening = FENCE.exec(line);
    if (opening) {
      flush();
      fence = opening[1];
      out.push(line);
      continue;
    }
    if (line.trim() === '') {
      flush();
      out.push('');
      continue;
    }
    // Indented code: four spaces (or a tab) where no paragraph or list item goes on.
    if (!block && /^( {4}|\t)/.test(line)) {
      out.push(line);
      continue;
    }
    if (VERBATIM.test(line)) {
      flush();
      out.push(line);
      continue;
    }
    const item = LIST_ITEM.exec(line);
    const quote = item ? undefined : QUOTE.exec(line);
    if (item) {
      flush();
      const [, indent = '', marker = '', gap = '', rest = ''] = item;
      const first = `${indent}${marker}${gap}`;
      block = { first, rest: ' '.repeat(first.length), words: [rest.replace(HARD_BREAK, '')] };
    } else if (quote) {
      if (block?.first !== '> ') flush();
      block ??= { first: '> ', rest: '> ', words: [] };
      block.words.push((quote[1] ?? '').replace(HARD_BREAK, ''));
    } else if (block) {
      block.words.push(line.trim().replace(HARD_BREAK, ''));
    } else {
      block = { first: '', rest: '', words: [line.trim().replace(HARD_BREAK, '')] };
    }
    // A hard break ends the line here; what follows goes on under the same prefix.
    if (HARD_BREAK.test(line) && block) {
      const { rest } = block;
      flush();
      block = { first: rest, rest, words: [] };
    }
  }
  flush();
  return out.join('\n');
}
