// The progress store: loads .kata/progress.json, records what happened, writes it atomically
// (temp file + rename, so Ctrl-C or a crash mid-write never leaves half a file).
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { ExerciseReport } from './grade.ts';
import {
  emptyProgress,
  parseProgress,
  serializeProgress,
  type ExerciseProgress,
  type Progress,
} from './formats/progress-file.ts';
import { PROGRESS_FILE } from './paths.ts';

export class ProgressStore {
  private constructor(
    readonly file: string,
    private data: Progress,
    /** Set when an unreadable file was moved aside while loading: show it to the learner once. */
    readonly warning: string | undefined,
  ) {}

  static load(file = PROGRESS_FILE): ProgressStore {
    if (!existsSync(file)) return new ProgressStore(file, emptyProgress(), undefined);
    const parsed = parseProgress(readFileSync(file, 'utf8'));
    if (parsed) return new ProgressStore(file, parsed, undefined);
    // Never lose the learner's file silently: keep it beside the new one for a human to look at.
    const aside = `${file}.broken-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(file, aside);
    const warning = `Progress file was unreadable; moved it to ${path.relative(process.cwd(), aside)} and rebuilding progress from the tests.`;
    return new ProgressStore(file, emptyProgress(), warning);
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

  private save(): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomic.sync(this.file, serializeProgress(this.data));
  }
}
