import { describe, expect, it } from 'vitest';
import { firstFailure, grade, stepOf } from '../checker/grading/grade.ts';
import { REPORT_VERSION, toJsonReport } from '../checker/report/json.ts';
import { EXERCISE, raw } from './support/fixtures.ts';

describe('grading', () => {
  it('finds the step from the outermost describe', () => {
    expect(stepOf(['step 2: join many', 'inner'])).toBe(2);
    expect(stepOf(['Step 10: x'])).toBe(10);
    expect(stepOf(['helpers'])).toBeNull();
    expect(stepOf([])).toBeNull();
  });

  it('gives a step its points only when every test in it passes', () => {
    const report = grade(EXERCISE, [raw(1, 'passed'), raw(2, 'passed'), raw(2, 'failed'), raw(3, 'passed')]);
    expect(report.steps.map((step) => [step.step, step.status, step.points])).toEqual([
      [1, 'passed', 1],
      [2, 'failed', 0],
      [3, 'passed', 3],
    ]);
    expect(report).toMatchObject({ status: 'failed', points: 4, maxPoints: 6 });
  });

  it('passes the exercise when every step passes; a skipped test does not fail its step', () => {
    const report = grade(EXERCISE, [raw(1, 'passed'), raw(2, 'passed'), raw(3, 'skipped', 'speed-up', 'one core')]);
    expect(report).toMatchObject({ status: 'passed', points: 6 });
  });

  it('never gives points for a step with no tests', () => {
    const report = grade(EXERCISE, [raw(1, 'passed'), raw(2, 'passed')]);
    expect(report.steps[2]).toMatchObject({ status: 'failed', points: 0 });
    expect(report.status).toBe('failed');
  });

  it('fails the exercise for a failing test outside any step', () => {
    const report = grade(EXERCISE, [raw(1, 'passed'), raw(2, 'passed'), raw(3, 'passed'), raw(null, 'failed')]);
    expect(report).toMatchObject({ status: 'failed', points: 6 });
  });

  it('reports an exercise that could not load as an error with no points', () => {
    const report = grade(EXERCISE, [], { loadErrors: ['SyntaxError: Unexpected token'] });
    expect(report).toMatchObject({ status: 'error', points: 0, error: 'SyntaxError: Unexpected token' });
    expect(grade(EXERCISE, []).status).toBe('error');
  });

  it('points the learner at the first failing test of the lowest step', () => {
    const report = grade(EXERCISE, [raw(3, 'failed', 'late'), raw(2, 'failed', 'early'), raw(2, 'failed', 'later')]);
    expect(firstFailure(report)?.name).toBe('early');
  });
});

describe('a step whose stub code is still there', () => {
  const todo = { file: 'join.ts', todo: 'TODO step 1: join the two tasks' };
  const others = [
    { file: 'crossing.ts', todo: 'TODO step 1: run an echo task on the pool' },
    { file: 'crossing.worker.ts', todo: "TODO step 1: handle the '${task.kind}' task" },
  ];
  const messageOf = (message: string, todos = [todo]) => grade(EXERCISE, [raw(1, 'failed', 'a test', message)], { unwritten: new Map([[1, todos]]) }).tests[0]?.message ?? '';

  it('says first that the step is not written yet, when the test hit the stub\'s throw', () => {
    const message = messageOf('Error: TODO step 1: join the two tasks');
    expect(message).toMatch(/^Step 1 is not written yet: join\.ts still throws "TODO step 1: join the two tasks"/);
    expect(message).toMatch(/What the test saw: Error: TODO step 1/);
  });

  it('names the very throw the test hit when the step has several, in several files, a template literal\'s among them', () => {
    expect(messageOf('Error: TODO step 1: run an echo task on the pool', [todo, ...others])).toMatch(/^Step 1 is not written yet: crossing\.ts still throws "TODO step 1: run an echo task on the pool"/);
    expect(messageOf("Error: TODO step 1: handle the 'echo' task", [todo, ...others])).toMatch(/^Step 1 is not written yet: crossing\.worker\.ts still throws/);
  });

  it('puts the test\'s own words first when it failed for another reason, and the stub after them as a note', () => {
    const message = messageOf('the CPU work still ran on the main thread');
    expect(message).toMatch(/^the CPU work still ran on the main thread/);
    expect(message).toMatch(/\(Note: join\.ts still throws "TODO step 1: join the two tasks", step 1's stub code/);
    expect(message).not.toMatch(/is not written yet:/);
  });
});

describe('JSON report', () => {
  it('has the documented shape and totals', () => {
    const passed = grade(EXERCISE, [raw(1, 'passed'), raw(2, 'passed'), raw(3, 'passed')]);
    const failed = grade({ ...EXERCISE, id: '08-other' }, [raw(1, 'failed', 'x', 'what went wrong')]);
    const json = toJsonReport([passed, failed]);
    expect(json).toMatchObject({ version: REPORT_VERSION, status: 'failed', passed: 1, total: 2, points: 6, maxPoints: 12 });
    expect(Object.keys(json.exercises[0] ?? {})).toEqual(['id', 'title', 'status', 'points', 'maxPoints', 'tests']);
    expect(json.exercises[1]?.tests[0]).toEqual({ name: 'x', step: 1, status: 'failed', message: 'what went wrong', durationMs: 1 });
    expect(toJsonReport([passed]).status).toBe('passed');
  });
});
