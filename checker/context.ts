// What every command needs: the exercises, the progress store, and where to print.
import { loadExercises, type Exercise } from './exercises.ts';
import { ProgressStore } from './progress.ts';

export interface Context {
  exercises: Exercise[];
  store: ProgressStore;
  out: (text: string) => void;
  err: (text: string) => void;
  interactive: boolean;
}

export function createContext(): Context {
  const store = ProgressStore.load();
  const err = (text: string) => void process.stderr.write(`${text}\n`);
  return {
    exercises: loadExercises(),
    store,
    out: (text) => void process.stdout.write(`${text}\n`),
    err,
    interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
  };
}

/** Prints what the progress store has to say (once each): an unreadable file set aside, a folder it cannot write. */
export function reportStoreWarnings(ctx: Pick<Context, 'store' | 'err'>): void {
  for (const warning of ctx.store.takeWarnings()) ctx.err(`warning: ${warning}`);
}

/** The exercise to work on: the one recorded as current, else the first one not done. */
export function currentExercise(ctx: Pick<Context, 'exercises' | 'store'>): Exercise | undefined {
  const recorded = ctx.exercises.find((exercise) => exercise.id === ctx.store.current);
  return recorded ?? ctx.exercises.find((exercise) => !ctx.store.entry(exercise.id).done);
}
