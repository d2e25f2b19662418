// Watch mode's screen fits the terminal whatever it shows: the header and every step stay on screen,
// a long message is cut with a note, and a long panel (four hints, a solution) is paged.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nextHint } from '../checker/commands/hint.ts';
import { grade } from '../checker/grading/grade.ts';
import { ProgressStore } from '../checker/progress.ts';
import { AppState } from '../checker/watch/app-state.ts';
import { renderScreen } from '../checker/watch/screen.ts';
import { EXERCISE, raw } from './support/fixtures.ts';

// As hints.md writes a hint: hard-wrapped at about 100 columns.
const HINT = [
  'A promise starts its work the moment it is created, not when you `await` it. `await user()` both',
  'starts the user task *and* waits for it, so nothing else starts until it is done. Call both tasks',
  'first, then wait for both at once: `Promise.all([user(), image()])`. (Awaiting the two promises one',
  'after the other is not enough: while you wait on the first, nobody watches the second.)',
].join('\n');

const SIZE = { width: 100, height: 45 };
const longMessage = Array.from({ length: 60 }, (_, i) => `line ${i + 1} of what the test saw`).join('\n');

function stateWith(panelLines: number) {
  const store = ProgressStore.load(path.join(mkdtempSync(path.join(os.tmpdir(), 'kata-screen-')), 'progress.json'));
  const state = new AppState({ exercises: [EXERCISE], store });
  state.report = grade(EXERCISE, [raw(1, 'passed'), raw(2, 'failed', 'the failing test', longMessage), raw(3, 'passed')]);
  state.panel = { kind: 'text', text: Array.from({ length: panelLines }, (_, i) => `hint line ${i + 1}`).join('\n') };
  return { store, state };
}

function draw(state: AppState, size = SIZE) {
  const screen = renderScreen(state, { exercises: [EXERCISE], store: state.ctx.store }, false, size);
  state.panelPage = screen.panelPage;
  return stripVTControlCharacters(screen.text).split('\n');
}

describe('the watch screen', () => {
  it('never grows taller than the terminal, and keeps the header and every step', () => {
    const { state } = stateWith(120);
    const lines = draw(state);
    expect(lines.length).toBeLessThanOrEqual(SIZE.height);
    expect(lines[0]).toMatch(/^concurrency-kata +Progress:/);
    for (const step of EXERCISE.steps) expect(lines.some((line) => line.includes(`step ${EXERCISE.steps.indexOf(step) + 1}: ${step.title}`))).toBe(true);
    expect(lines.some((line) => line.includes('the failing test'))).toBe(true);
    expect(lines.some((line) => /… \d+ more lines \(all of it: `npm run kata -- run`\)/.test(line))).toBe(true);
    expect(lines.slice(-2).join(' ')).toMatch(/h hint .* space\/b page .* q quit/);
  });

  it('pages through a long panel with space and b', () => {
    const { state } = stateWith(120);
    const first = draw(state);
    expect(first).toContain('hint line 1');
    expect(first.some((line) => /── lines 1-\d+ of 120 · space: next page · b: back ──/.test(line))).toBe(true);
    state.onKey('space');
    const second = draw(state);
    expect(second).not.toContain('hint line 1');
    expect(second).toContain(`hint line ${state.panelPage + 1}`);
    for (let i = 0; i < 20; i++) state.onKey('space');
    expect(draw(state)).toContain('hint line 120');
    state.onKey('b');
    expect(draw(state)).not.toContain('hint line 120');
  });

  it('gives the message every row a short panel does not need', () => {
    const { state } = stateWith(4);
    const message = Array.from({ length: 20 }, (_, i) => `message line ${i + 1}`).join('\n');
    state.report = grade(EXERCISE, [raw(1, 'failed', 'long', message), raw(2, 'passed'), raw(3, 'passed')]);
    const lines = draw(state).map((line) => line.trim());
    expect(lines).toContain('message line 20');
    expect(lines).toContain('hint line 4');
    expect(lines.join('\n')).not.toMatch(/more lines/);
  });

  it('shows a short message and panel whole, with nothing to page', () => {
    const { state } = stateWith(5);
    state.report = grade(EXERCISE, [raw(1, 'failed', 'short', 'one line'), raw(2, 'passed'), raw(3, 'passed')]);
    const lines = draw(state);
    expect(lines).toContain('hint line 5');
    expect(lines.join('\n')).not.toMatch(/more lines|space: next page/);
  });

  it.each([80, 60])('reflows a hint to a %i-column terminal: its paragraph filled to the width, not each source line broken in two', (width) => {
    const { state } = stateWith(0);
    const exercise = { ...EXERCISE, hints: [[HINT], ['three'], ['four']] };
    // As the h key does it: the hint is recorded once, and drawn at whatever width the terminal has.
    const render = nextHint(state.ctx, exercise, 1);
    state.panel = { kind: 'text', text: render(Infinity), render, hintsFor: 1 };
    const lines = draw(state, { width, height: 45 });
    const heading = lines.findIndex((line) => /Step 1 .*, hint 1 of 1$/.test(line));
    const end = lines.findIndex((line) => line.startsWith('(that was the last hint for step 1'));
    const body = lines.slice(heading + 1, end).filter((line) => line.trim() !== '');
    expect(body.join(' ').split(/\s+/)).toEqual(HINT.split(/\s+/));
    expect(body.every((line) => line.length <= width), body.join('\n')).toBe(true);
    // Filled: after every line but the last, the next line's first word would not have fit.
    const early = body.slice(0, -1).filter((line, i) => line.length + 1 + (body[i + 1]?.split(' ')[0]?.length ?? 0) <= width);
    expect(early, `lines that end early, as a hard-wrapped source line does:\n${body.join('\n')}`).toEqual([]);
  });
});
