// The progress store: loads .kata/progress.json, records what happened, writes it atomically
// (temp file + rename, so Ctrl-C or a crash mid-write never leaves half a file). It never stops the
// checker: a damaged file is moved aside (never deleted), what can be read of it is kept (hints, the
// current exercise, every entry that reads), and only the "done" it lost is rebuilt from the tests; a
// folder it cannot write makes it keep progress in memory for this run, with one warning.
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { ExerciseReport } from './grading/grade.ts';
import {
  emptyProgress,
  parseProgress,
  serializeProgress,
  type ParsedProgress,
  type ExerciseProgress,
  type Progress,
} from './formats/progress-file.ts';
import { PROGRESS_FILE, displayPath } from './paths.ts';

/** write-file-atomic names its temp files `<file>.<number>`; a killed run leaves one behind. */
const TEMP_FILE = /^progress\.json\.\d+$/;
/** Older than this, a temp file is nobody's (another checker writing right now would be younger). */
const STALE_TEMP_MS = 60_000;

export class ProgressStore {
  private saveFailed = false;
  private readonly warnings: string[];
  /** Exercises whose "done" was recorded (or settled) since the load: no longer in doubt. */
  private readonly settled = new Set<string>();

  private constructor(
    readonly file: string,
    private data: Progress,
    warnings: string[],
    /** Whose "done" a damaged file lost: 'all' when nothing of it could be read. */
    private readonly doneLost: 'all' | ReadonlySet<string> = new Set(),
  ) {
    this.warnings = warnings;
  }

  /** `moveAside` is the one file operation a test needs to make fail (a read-only folder, even for root). */
  static load(file = PROGRESS_FILE, moveAside: (from: string, to: string) => void = renameSync): ProgressStore {
    removeStaleTempFiles(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      // No file (or not even its folder): a first run. Saving will say so if the folder cannot be made.
      const { code } = error as NodeJS.ErrnoException;
      if (code === 'ENOENT' || code === 'ENOTDIR') return new ProgressStore(file, emptyProgress(), []);
      return ProgressStore.damaged(file, describe(error), undefined, moveAside);
    }
    const parsed = parseProgress(text);
    if (parsed && parsed.lost.length === 0) return new ProgressStore(file, parsed.progress, []);
    return ProgressStore.damaged(file, parsed ? `could not read ${parsed.lost.join('; ')}` : 'not a progress file the kata can read', parsed, moveAside);
  }

  /**
   * Never lose the learner's file silently: keep it beside the new one for a human to look at, keep
   * what could be read of it, and rebuild only the "done" it lost (`needsRecheck`).
   */
  private static damaged(file: string, why: string, parsed: ParsedProgress | undefined, moveAside: (from: string, to: string) => void): ProgressStore {
    const aside = `${file}.broken-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const progress = parsed?.progress ?? emptyProgress();
    const doneLost = !parsed || parsed.lost.includes('every exercise') ? 'all' : new Set(parsed.doneUnknown);
    // Rechecked by exercisesToRecheck (commands/verify.ts): a stub as shipped is not done, a changed file is tested.
    const how = '(not done if still as shipped, else by its tests)';
    const rebuild =
      doneLost === 'all'
        ? `whether each exercise is done is rechecked ${how}`
        : doneLost.size > 0
          ? `whether ${[...doneLost].join(', ')} ${doneLost.size === 1 ? 'is' : 'are'} done is rechecked ${how}`
          : 'nothing needs rechecking';
    const said = parsed ? `Progress file was damaged (${why}): moved it to ${displayPath(aside)}; kept everything else in it (hints, solutions seen, what passed); ${rebuild}.` : `Progress file was unreadable (${why}): moved it to ${displayPath(aside)}; nothing in it could be read, so ${rebuild}.`;
    try {
      moveAside(file, aside);
      const store = new ProgressStore(file, progress, [said], doneLost);
      // The file is gone from its place now: what was kept must not depend on a later change being saved.
      if (parsed) store.save();
      return store;
    } catch (error) {
      const store = new ProgressStore(
        file,
        progress,
        [`Progress file ${displayPath(file)} is ${parsed ? 'damaged' : 'unreadable'} (${why}) and cannot be moved aside (${describe(error)}): your progress is kept in memory for this run only. Fix the permissions of ${displayPath(path.dirname(file))}, or move the file away yourself.`],
        doneLost,
      );
      store.saveFailed = true;
      return store;
    }
  }

  /** Whether only this exercise's tests can tell if it is done: a damaged progress file lost that. */
  needsRecheck(id: string): boolean {
    if (this.settled.has(id)) return false;
    return this.doneLost === 'all' || this.doneLost.has(id);
  }

  /** Known without running its tests (an exercise exactly as shipped is not done): no recheck needed. */
  settle(id: string): void {
    this.settled.add(id);
  }

  /** Warnings to show the learner once (then forgotten): the file was unreadable, or cannot be written. */
  takeWarnings(): string[] {
    return this.warnings.splice(0);
  }

  get snapshot(): Readonly<Progress> {
    return this.data;
  }

  entry(id: string): ExerciseProgress {
    return this.data.exercises[id] ?? { done: false, hints: {} };
  }

  get current(): string | undefined {
    return this.data.current;
  }

  setCurrent(id: string): void {
    this.data.current = id;
    this.save();
  }

  /** Records a graded run: "done" follows the latest verdict, so an exercise that breaks later shows failing. */
  recordResults(reports: readonly ExerciseReport[], now = new Date()): void {
    for (const report of reports) {
      // A tampered exercise was not run: there is no verdict on the learner's code to record.
      if (report.status === 'tampered') continue;
      this.settled.add(report.id);
      const entry = this.entry(report.id);
      const passed = report.status === 'passed';
      const { failingStep: _previous, ...rest } = entry;
      const failingStep = report.steps.find((step) => step.status !== 'passed')?.step;
      this.data.exercises[report.id] = {
        ...rest,
        done: passed,
        lastStatus: report.status,
        points: report.points,
        ...(failingStep === undefined || passed ? {} : { failingStep }),
        ...(passed && !entry.firstPassedAt ? { firstPassedAt: now.toISOString() } : {}),
      };
    }
    this.save();
  }

  /** Records that the first `level` hints of `step` have been shown (never counts down). */
  recordHint(id: string, step: number, level: number): void {
    const entry = this.entry(id);
    const shown = Math.max(entry.hints[String(step)] ?? 0, level);
    this.data.exercises[id] = { ...entry, hints: { ...entry.hints, [String(step)]: shown } };
    this.save();
  }

  recordSolutionShown(id: string): void {
    const entry = this.entry(id);
    if (entry.solutionRevealed) return;
    this.data.exercises[id] = { ...entry, solutionRevealed: entry.done ? 'after-pass' : 'early' };
    this.save();
  }

  /** Writes the file; if that fails (a read-only folder), progress stays in memory and the learner is told once. */
  private save(): void {
    if (this.saveFailed) return;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileAtomic.sync(this.file, serializeProgress(this.data));
    } catch (error) {
      this.saveFailed = true;
      this.warnings.push(`Could not save your progress to ${displayPath(this.file)} (${describe(error)}): it is kept in memory for this run only. The verdicts still stand.`);
    }
  }
}

function removeStaleTempFiles(file: string): void {
  const dir = path.dirname(file);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names.filter((candidate) => TEMP_FILE.test(candidate))) {
    const temp = path.join(dir, name);
    try {
      if (now - statSync(temp).mtimeMs > STALE_TEMP_MS) unlinkSync(temp);
    } catch {
      // Gone already, or not ours to remove: either way nothing to do.
    }
  }
}

function describe(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ?? message;
}


