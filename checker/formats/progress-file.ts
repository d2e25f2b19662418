// .kata/progress.json, version 2 (version 1 is read and upgraded). Parsing never throws: a file that
// is not ours, not JSON, or of an unknown version yields `undefined`, and the store sets it aside and
// rebuilds.
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

export function parseProgress(text: string): Progress | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(data) || (data.version !== 1 && data.version !== PROGRESS_VERSION) || !isRecord(data.exercises)) return undefined;
  if (data.current !== undefined && typeof data.current !== 'string') return undefined;
  const exercises: Record<string, ExerciseProgress> = {};
  for (const [id, value] of Object.entries(data.exercises)) {
    const entry = parseEntry(value);
    if (!entry) return undefined;
    exercises[id] = entry;
  }
  return { version: PROGRESS_VERSION, ...(data.current ? { current: data.current } : {}), exercises };
}

function parseEntry(value: unknown): ExerciseProgress | undefined {
  if (!isRecord(value) || typeof value.done !== 'boolean') return undefined;
  const entry: ExerciseProgress = { done: value.done, hints: parseHintCounts(value) };
  if (value.lastStatus === 'passed' || value.lastStatus === 'failed' || value.lastStatus === 'error') {
    entry.lastStatus = value.lastStatus;
  }
  if (isCount(value.points)) entry.points = value.points;
  if (isCount(value.failingStep) && value.failingStep >= 1) entry.failingStep = Math.floor(value.failingStep);
  if (typeof value.firstPassedAt === 'string') entry.firstPassedAt = value.firstPassedAt;
  if (value.solutionRevealed === 'early' || value.solutionRevealed === 'after-pass') {
    entry.solutionRevealed = value.solutionRevealed;
  }
  return entry;
}

function parseHintCounts(value: Record<string, unknown>): Record<string, number> {
  const counts: Record<string, number> = {};
  if (isRecord(value.hints)) {
    for (const [step, count] of Object.entries(value.hints)) {
      if (/^\d+$/.test(step) && isCount(count) && count > 0) counts[step] = Math.floor(count);
    }
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
