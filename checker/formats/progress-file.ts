// .kata/progress.json, version 2 (version 1 is read and upgraded). Parsing never throws. A file that is
// not JSON, or not an object, yields `undefined`; anything else is read entry by entry and field by
// field, and what cannot be read is left out and said (`lost`), so one damaged entry (a hand edit, a
// merge) costs that entry's field, not every exercise's hints. The store sets a damaged file aside.
export const PROGRESS_VERSION = 2;

export interface ExerciseProgress {
  done: boolean;
  /** The status of the latest graded run, so `list` can show a broken "done" exercise as failing. */
  lastStatus?: 'passed' | 'failed' | 'error';
  /** Points earned in that run. */
  points?: number;
  /** The first step that did not pass in that run: the step `hint` helps with. */
  failingStep?: number;
  firstPassedAt?: string;
  /** Hints shown, by step: `{ "3": 2 }` means the first two hints of step 3. */
  hints: Record<string, number>;
  /** `early` when the solution was shown before the exercise passed. */
  solutionRevealed?: 'early' | 'after-pass';
}

export interface Progress {
  version: typeof PROGRESS_VERSION;
  current?: string;
  exercises: Record<string, ExerciseProgress>;
}

export function emptyProgress(): Progress {
  return { version: PROGRESS_VERSION, exercises: {} };
}

/** Every hint shown for an exercise, whatever its step (the number `list` and the CI summary show). */
export function totalHints(entry: Pick<ExerciseProgress, 'hints'>): number {
  return Object.values(entry.hints).reduce((sum, count) => sum + count, 0);
}

/** A file read as far as it could be. */
export interface ParsedProgress {
  progress: Progress;
  /** What could not be read and was left out, in words; empty when the whole file was read. */
  lost: string[];
  /** Exercises with an entry whose "done" could not be read (or no entry left at all): only their tests can tell. */
  doneUnknown: string[];
}

export function parseProgress(text: string): ParsedProgress | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(data)) return undefined;
  const lost: string[] = [];
  const doneUnknown: string[] = [];
  // A version this checker does not know may mean fields it does not know: read the ones it does.
  if (data.version !== 1 && data.version !== PROGRESS_VERSION) lost.push(`its version (${JSON.stringify(data.version) ?? 'none'})`);
  if (data.current !== undefined && typeof data.current !== 'string') lost.push('the current exercise');
  const exercises: Record<string, ExerciseProgress> = {};
  if (isRecord(data.exercises)) {
    for (const [id, value] of Object.entries(data.exercises)) {
      const entry = parseEntry(value);
      if (!entry) {
        lost.push(`everything about ${id}`);
        doneUnknown.push(id);
        continue;
      }
      exercises[id] = entry.progress;
      if (entry.lost.length > 0) lost.push(`${id}: ${entry.lost.join(', ')}`);
      if (entry.lost.includes('done')) doneUnknown.push(id);
    }
  } else {
    lost.push('every exercise');
  }
  const current = typeof data.current === 'string' && data.current ? { current: data.current } : {};
  return { progress: { version: PROGRESS_VERSION, ...current, exercises }, lost, doneUnknown };
}

/** One exercise's entry, each field kept if it can be read; `undefined` when it is not even an object. */
function parseEntry(value: unknown): { progress: ExerciseProgress; lost: string[] } | undefined {
  if (!isRecord(value)) return undefined;
  const lost: string[] = [];
  const keep = (field: string, ok: boolean) => {
    if (value[field] !== undefined && !ok) lost.push(field);
    return ok;
  };
  const hints = parseHintCounts(value, lost);
  const entry: ExerciseProgress = { done: value.done === true, hints };
  if (typeof value.done !== 'boolean') lost.push('done');
  const { lastStatus, points, failingStep, firstPassedAt, solutionRevealed } = value;
  if (keep('lastStatus', lastStatus === 'passed' || lastStatus === 'failed' || lastStatus === 'error')) entry.lastStatus = lastStatus as ExerciseProgress['lastStatus'];
  if (keep('points', isCount(points))) entry.points = points as number;
  if (keep('failingStep', isCount(failingStep) && failingStep >= 1)) entry.failingStep = Math.floor(failingStep as number);
  if (keep('firstPassedAt', typeof firstPassedAt === 'string')) entry.firstPassedAt = firstPassedAt as string;
  if (keep('solutionRevealed', solutionRevealed === 'early' || solutionRevealed === 'after-pass')) {
    entry.solutionRevealed = solutionRevealed as ExerciseProgress['solutionRevealed'];
  }
  return { progress: entry, lost };
}

function parseHintCounts(value: Record<string, unknown>, lost: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  if (isRecord(value.hints)) {
    for (const [step, count] of Object.entries(value.hints)) {
      if (/^\d+$/.test(step) && isCount(count)) {
        if (count > 0) counts[step] = Math.floor(count);
      } else {
        lost.push(`the hint count of step ${step}`);
      }
    }
  } else if (value.hints !== undefined) {
    lost.push('its hint counts');
  } else if (isCount(value.hintsShown) && value.hintsShown > 0) {
    // Version 1 counted hints per exercise, in one list that ran through the steps: keep the count.
    counts['1'] = Math.floor(value.hintsShown);
  }
  return counts;
}

export function serializeProgress(progress: Progress): string {
  return `${JSON.stringify(progress, null, 2)}\n`;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
