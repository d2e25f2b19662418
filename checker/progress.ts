// The progress store: loads .kata/progress.json, records what happened, writes it atomically
// (temp file + rename, so Ctrl-C or a crash mid-write never leaves half a file). It never stops the
// checker: a file it cannot read is moved aside (never deleted) and rebuilt from the tests; a folder
// it cannot write makes it keep progress in memory for this run, with one warning.
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { ExerciseReport } from './grading/grade.ts';
import {
  emptyProgress,
  parseProgress,
  serializeProgress,
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

  private constructor(
    readonly file: string,
    private data: Progress,
    warnings: string[],
    /** True when the file could not be read and should be rebuilt by rerunning the tests. */
    readonly rebuilt: boolean,
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
      if (code === 'ENOENT' || code === 'ENOTDIR') return new ProgressStore(file, emptyProgress(), [], false);
      return ProgressStore.unreadable(file, describe(error), moveAside);
    }
    const parsed = parseProgress(text);
    return parsed ? new ProgressStore(file, parsed, [], false) : ProgressStore.unreadable(file, 'not a progress file the kata can read', moveAside);
  }

  /** Never lose the learner's file silently: keep it beside the new one for a human to look at. */
  private static unreadable(file: string, why: string, moveAside: (from: string, to: string) => void): ProgressStore {
    const aside = `${file}.broken-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      moveAside(file, aside);
      return new ProgressStore(file, emptyProgress(), [`Progress file was unreadable (${why}); moved it to ${displayPath(aside)} and rebuilding progress from the tests.`], true);
    } catch (error) {
      const store = new ProgressStore(
        file,
        emptyProgress(),
        [`Progress file ${displayPath(file)} is unreadable (${why}) and cannot be moved aside (${describe(error)}): your progress is kept in memory for this run only. Fix the permissions of ${displayPath(path.dirname(file))}, or move the file away yourself.`],
        true,
      );
      store.saveFailed = true;
      return store;
    }
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


