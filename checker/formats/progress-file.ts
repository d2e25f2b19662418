// .kata/progress.json, version 1. Parsing never throws: a file that is not ours, not JSON, or of an
// unknown version yields `undefined`, and the store sets it aside and rebuilds.
export const PROGRESS_VERSION = 1;

export interface ExerciseProgress {
  done: boolean;
  /** The status of the latest graded run, so `list` can show a broken "done" exercise as failing. */
  lastStatus?: 'passed' | 'failed' | 'error';
  /** Points earned in that run. */
  points?: number;
  firstPassedAt?: string;
  hintsShown: number;
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

export function parseProgress(text: string): Progress | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(data) || data.version !== PROGRESS_VERSION || !isRecord(data.exercises)) return undefined;
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
  const hintsShown = typeof value.hintsShown === 'number' && value.hintsShown >= 0 ? Math.floor(value.hintsShown) : 0;
  const entry: ExerciseProgress = { done: value.done, hintsShown };
  if (value.lastStatus === 'passed' || value.lastStatus === 'failed' || value.lastStatus === 'error') {
    entry.lastStatus = value.lastStatus;
  }
  if (typeof value.points === 'number' && value.points >= 0) entry.points = value.points;
  if (typeof value.firstPassedAt === 'string') entry.firstPassedAt = value.firstPassedAt;
  if (value.solutionRevealed === 'early' || value.solutionRevealed === 'after-pass') {
    entry.solutionRevealed = value.solutionRevealed;
  }
  return entry;
}

export function serializeProgress(progress: Progress): string {
  return `${JSON.stringify(progress, null, 2)}\n`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
