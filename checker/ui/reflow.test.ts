// hints.md is hard-wrapped at about 100 columns; on an 80-column terminal every such line would wrap
// in two (one long, one of a word or two). Reflowed, a paragraph's lines are joined and filled again to
// the width; code, lists, tables, headings and blank lines keep their shape.
import { describe, expect, it } from 'vitest';
import { loadExercises } from '../exercises.ts';
import { reflowMarkdown } from './reflow.ts';

const words = (text: string) => text.split(/\s+/).filter(Boolean);

/**
 * Lines of a filled paragraph that end early: the next line's first word would have fit after them.
 * A filled paragraph has none (only its last line may be short).
 */
function raggedLines(text: string, width: number): string[] {
  const lines = text.split('\n');
  return lines.filter((line, i) => {
    const next = lines[i + 1];
    if (!line.trim() || !next?.trim()) return false;
    const first = words(next)[0] ?? '';
    return line.length + 1 + first.length <= width;
  });
}

const paragraph = [
  'A promise starts its work the moment it is created, not when you `await` it. `await user()` both',
  'starts the user task *and* waits for it, so nothing else starts until it is done. Call both tasks',
  'first, then wait for both at once: `Promise.all([user(), image()])`.',
].join('\n');

describe('reflowing a hint to the terminal', () => {
  it('joins the hard-wrapped lines of a paragraph and fills them to the width: no line longer, none ending early', () => {
    const text = reflowMarkdown(paragraph, 80);
    expect(text.split('\n').every((line) => line.length <= 80), text).toBe(true);
    expect(raggedLines(text, 80), text).toEqual([]);
    expect(words(text)).toEqual(words(paragraph));
  });

  it('keeps paragraphs apart: a blank line stays a blank line', () => {
    const text = reflowMarkdown(`${paragraph}\n\n${paragraph}`, 60);
    expect(text.split('\n\n')).toHaveLength(2);
    expect(raggedLines(text, 60), text).toEqual([]);
  });

  it('keeps fenced and indented code exactly as written, even wider than the terminal', () => {
    const code = 'const [user, image] = await Promise.all([loadUser(id), loadImage(id)]); // one wait, not two, ever';
    const fenced = `Like this:\n\n\`\`\`ts\n${code}\nreturn { user, image };\n\`\`\`\n\nThen it is one wait.`;
    expect(reflowMarkdown(fenced, 40).split('\n')).toEqual(['Like this:', '', '```ts', code, 'return { user, image };', '```', '', 'Then it is one wait.']);
    const indented = `Like this:\n\n    ${code}\n    return { user, image };`;
    expect(reflowMarkdown(indented, 40).split('\n').slice(2)).toEqual([`    ${code}`, '    return { user, image };']);
  });

  it('starts every list item on its own line and hangs its wrapped lines under its text', () => {
    const list = [
      '- `Promise.all` fails fast: it rejects as soon as one task rejects, and the other',
      '  tasks go on running unless you cancel them.',
      '- `Promise.allSettled` never rejects.',
      '10. numbered items too, with a marker wider than two characters, wrapped under their text',
    ].join('\n');
    const lines = reflowMarkdown(list, 40).split('\n');
    expect(lines.filter((line) => /^(- |10\. )/.test(line))).toHaveLength(3);
    expect(lines.every((line) => line.length <= 40), lines.join('\n')).toBe(true);
    const second = lines.findIndex((line) => line.startsWith('- `Promise.allSettled`'));
    expect(lines.slice(1, second).every((line) => line.startsWith('  ') && !line.startsWith('   ')), lines.join('\n')).toBe(true);
    const tenth = lines.findIndex((line) => line.startsWith('10. '));
    expect(lines.slice(tenth + 1).every((line) => line.startsWith('    ') && !line.startsWith('     ')), lines.join('\n')).toBe(true);
    expect(words(lines.join(' '))).toEqual(words(list));
  });

  it('keeps headings, tables and a hard line break (two trailing spaces) where they are', () => {
    const text = ['### Hint 1', '| a | b |', '|---|---|', 'first line  ', 'second line', 'joined'].join('\n');
    expect(reflowMarkdown(text, 80).split('\n')).toEqual(['### Hint 1', '| a | b |', '|---|---|', 'first line', 'second line joined']);
  });

  it("reflows every hint the kata ships at 80 columns: no line wider, none ending early, not a word lost", () => {
    for (const exercise of loadExercises()) {
      for (const hint of exercise.hints.flat()) {
        const text = reflowMarkdown(hint, 80);
        const where = `${exercise.id}, the hint starting "${hint.slice(0, 40)}":\n${text}`;
        expect(text.split('\n').filter((line) => line.length > 80), where).toEqual([]);
        expect(raggedLines(text, 80), where).toEqual([]);
        expect(words(text), where).toEqual(words(hint));
      }
    }
  });
});
