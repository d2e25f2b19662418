// Watch mode's screen fits the terminal whatever it shows: the header and every step stay on screen,
// a long message is cut with a note, and a long panel (four hints, a solution) is paged.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { grade } from '../checker/grading/grade.ts';
import { ProgressStore } from '../checker/progress.ts';
import { AppState } from '../checker/watch/app-state.ts';
import { renderScreen } from '../checker/watch/screen.ts';
import { EXERCISE, raw } from './support/fixtures.ts';

const SIZE = { width: 100, height: 45 };
const longMessage = Array.from({ length: 60 }, (_, i) => `line ${i + 1} of what the test saw`).join('\n');

function stateWith(panelLines: number) {
  const store = ProgressStore.load(path.join(mkdtempSync(path.join(os.tmpdir(), 'kata-screen-')), 'progress.json'));
  const state = new AppState({ exercises: [EXERCISE], store });
  state.report = grade(EXERCISE, [raw(1, 'passed'), raw(2, 'failed', 'the failing test', longMessage), raw(3, 'passed')]);
  state.panel = { kind: 'text', text: Array.from({ length: panelLines }, (_, i) => `hint line ${i + 1}`).join('\n') };
  return { store, state };
}

function draw(state: AppState) {
  const screen = renderScreen(state, { exercises: [EXERCISE], store: state.ctx.store }, false, SIZE);
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
});
