// Known-wrong: a hand-written loadEvery whose outcomes array and counter live at module level, reset
// by each call: two loadEvery calls at once share them and fill each other's outcomes.
import type { Outcome, Task } from '../../join.ts';
export * from '../../join.ts';

const state: { outcomes: Outcome<unknown>[]; left: number } = { outcomes: [], left: 0 };

export function loadEvery<T>(tasks: readonly Task<T>[]): Promise<Outcome<T>[]> {
  state.outcomes = [];
  state.left = tasks.length;
  return new Promise((resolve) => {
    if (tasks.length === 0) resolve([]);
    const settleOne = (i: number, outcome: Outcome<T>) => {
      state.outcomes[i] = outcome;
      state.left -= 1;
      if (state.left === 0) resolve(state.outcomes as Outcome<T>[]);
    };
    tasks.forEach((task, i) => {
      task().then(
        (value) => settleOne(i, { ok: true, value }),
        (error: unknown) => settleOne(i, { ok: false, error }),
      );
    });
  });
}
