import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExerciseReport } from '../checker/grading/grade.ts';
import { ProgressStore } from '../checker/progress.ts';
import { nextHint } from '../checker/commands/hint.ts';
import { AppState } from '../checker/watch/app-state.ts';
import { EXERCISE } from './support/fixtures.ts';

const second = { ...EXERCISE, id: '08-second', number: 8 };
const third = { ...EXERCISE, id: '09-third', number: 9 };

function setup() {
  const store = ProgressStore.load(path.join(mkdtempSync(path.join(os.tmpdir(), 'kata-app-')), 'progress.json'));
  const state = new AppState({ exercises: [EXERCISE, second, third], store });
  return { store, state };
}

function result(id: string, status: ExerciseReport['status']): ExerciseReport {
  return { id, title: id, status, points: 0, maxPoints: 6, steps: [], tests: [] };
}

describe('watch mode state', () => {
  it('starts on the first exercise that is not done', () => {
    const { store } = setup();
    store.recordResults([result(EXERCISE.id, 'passed')]);
    expect(new AppState({ exercises: [EXERCISE, second, third], store }).current?.id).toBe('08-second');
  });

  it('will not move on until the exercise passes, and says why', () => {
    const { state } = setup();
    state.onResults([result(EXERCISE.id, 'failed')]);
    expect(state.onKey('n')).toEqual({ kind: 'none' });
    expect(state.notice).toMatch(/pass first/);
    expect(state.current?.id).toBe(EXERCISE.id);
  });

  it('moves to the next exercise not yet done once passed, and remembers it', () => {
    const { state, store } = setup();
    store.recordResults([result(second.id, 'passed')]);
    state.onResults([result(EXERCISE.id, 'passed')]);
    expect(state.notice).toMatch(/^Passed!/);
    const effect = state.onKey('n');
    expect(effect).toEqual({ kind: 'run', exercises: [third] });
    expect(store.current).toBe(third.id);
  });

  it('asks before showing the solution of an exercise that has not passed', () => {
    const { state } = setup();
    state.onResults([result(EXERCISE.id, 'failed')]);
    expect(state.onKey('s')).toEqual({ kind: 'none' });
    expect(state.confirm?.question).toMatch(/revealed early/);
    expect(state.onKey('y')).toEqual({ kind: 'solution' });
    state.onKey('s');
    expect(state.onKey('n')).toEqual({ kind: 'none' });
    expect(state.notice).toBe('Cancelled.');
  });

  it('shows the solution without asking once passed', () => {
    const { state } = setup();
    state.onResults([result(EXERCISE.id, 'passed')]);
    expect(state.onKey('s')).toEqual({ kind: 'solution' });
  });

  it('always confirms a reset', () => {
    const { state } = setup();
    expect(state.onKey('r')).toEqual({ kind: 'none' });
    expect(state.onKey('y')).toEqual({ kind: 'reset' });
  });

  it('checks every exercise on c and shows the table when the results arrive', () => {
    const { state } = setup();
    expect(state.onKey('c')).toEqual({ kind: 'run', exercises: [EXERCISE, second, third] });
    state.onResults([result(EXERCISE.id, 'passed'), result(second.id, 'failed'), result(third.id, 'error')]);
    expect(state.panel.kind).toBe('list');
    expect(state.done).toBe(1);
  });

  it('moves on from an exercise a recheck shows was done all along (a rebuilt progress file)', () => {
    const { state } = setup();
    state.onKey('c');
    state.onResults([result(EXERCISE.id, 'passed'), result(second.id, 'failed'), result(third.id, 'failed')]);
    expect(state.current?.id).toBe(second.id);
  });

  it('closes the hints of a step once that step passes, and keeps them while it fails', () => {
    const { state } = setup();
    const withSteps = (step1: 'passed' | 'failed'): ExerciseReport => ({
      ...result(EXERCISE.id, 'failed'),
      steps: [
        { step: 1, title: 'one', status: step1, points: 0, maxPoints: 2 },
        { step: 2, title: 'two', status: 'failed', points: 0, maxPoints: 2 },
      ],
    });
    state.panel = { kind: 'text', text: 'Step 1, hint 1 of 2', hintsFor: 1 };
    state.onResults([withSteps('failed')]);
    expect(state.panel.kind).toBe('text');
    state.onResults([withSteps('passed')]);
    expect(state.panel).toEqual({ kind: 'none' });
  });

  it('clears the last notice on the next key', () => {
    const { state } = setup();
    state.onResults([result(EXERCISE.id, 'failed')]);
    state.onKey('n');
    expect(state.notice).not.toBe('');
    state.onKey('l');
    expect(state.notice).toBe('');
  });

  it('toggles the list, quits on q, reruns on Enter, ignores other keys', () => {
    const { state } = setup();
    state.onKey('l');
    expect(state.panel.kind).toBe('list');
    state.onKey('l');
    expect(state.panel.kind).toBe('none');
    expect(state.onKey('q')).toEqual({ kind: 'quit' });
    expect(state.onKey('return')).toEqual({ kind: 'run', exercises: [EXERCISE] });
    expect(state.onKey('x')).toEqual({ kind: 'none' });
  });
});

describe('the hint for the exercise on screen (`h`, and `hint`)', () => {
  it('is the next hint of the failing step, recorded; for an exercise that passes, none: nothing is stuck, nothing recorded', () => {
    const { store } = setup();
    store.recordResults([result(EXERCISE.id, 'failed')]);
    expect(nextHint({ store }, EXERCISE, 1)(Infinity)).toMatch(/Step 1.*hint 1 of/);
    expect(store.entry(EXERCISE.id).hints).toEqual({ '1': 1 });
    store.recordResults([result(EXERCISE.id, 'passed')]);
    expect(nextHint({ store }, EXERCISE, undefined)(Infinity)).toMatch(/passes: every step is done, no hint needed/);
    expect(store.entry(EXERCISE.id).hints).toEqual({ '1': 1 });
  });
});
