// Watch mode's state and what each key does to it, free of terminals and vitest so it can be tested
// as plain logic. The loop (command.ts) performs the effects this returns.
import { currentExercise, type Context } from '../context.ts';
import type { Exercise } from '../exercises.ts';
import type { ExerciseReport } from '../grading/grade.ts';

export type Effect =
  | { kind: 'none' }
  | { kind: 'run'; exercises: readonly Exercise[] }
  | { kind: 'hint' }
  | { kind: 'solution' }
  | { kind: 'reset' }
  | { kind: 'quit' };

/**
 * A text panel: the hints of one step (`hintsFor`), or a solution. `render`, when there is one, draws it
 * at the terminal's width (hints are reflowed to it); `text` is what it says otherwise.
 */
export type Panel = { kind: 'none' } | { kind: 'text'; text: string; hintsFor?: number; render?: (width: number) => string } | { kind: 'list' };

export interface Confirm {
  question: string;
  effect: Effect;
}

export class AppState {
  current: Exercise | undefined;
  report: ExerciseReport | undefined;
  running = false;
  checkingAll = false;
  panel: Panel = { kind: 'none' };
  /** The first panel line on screen, and how many lines a page shows (set by each redraw). */
  panelScroll = 0;
  panelPage = 20;
  /** The next redraw starts the panel at its newest hint (one was just revealed). */
  panelAtNewestHint = false;
  confirm: Confirm | undefined;
  /** A one-line status message ("Passed! press n…"). */
  notice = '';

  constructor(readonly ctx: Pick<Context, 'exercises' | 'store'>) {
    this.current = currentExercise(ctx);
  }

  get done(): number {
    return this.ctx.exercises.filter((exercise) => this.ctx.store.entry(exercise.id).done).length;
  }

  /** The step the learner is stuck on: the first one that did not pass on screen, else the one recorded. */
  get stuckOn(): number | undefined {
    const onScreen = this.report?.steps.find((step) => step.status !== 'passed')?.step;
    return onScreen ?? (this.current ? this.ctx.store.entry(this.current.id).failingStep : undefined);
  }

  get passed(): boolean {
    return this.report?.status === 'passed';
  }

  /** Results arrived (a save, a rerun, or "check all"). */
  onResults(reports: readonly ExerciseReport[]): void {
    const wasDone = this.current ? this.ctx.store.entry(this.current.id).done : false;
    this.ctx.store.recordResults(reports);
    const mine = reports.find((report) => report.id === this.current?.id);
    if (mine) {
      this.report = mine;
      // The hints of a step that passes now have done their job: the screen goes back to the verdict.
      const { panel } = this;
      if (panel.kind === 'text' && panel.hintsFor !== undefined && mine.steps.find((step) => step.step === panel.hintsFor)?.status === 'passed') {
        this.panel = { kind: 'none' };
      }
      if (mine.status === 'passed') {
        this.notice = wasDone ? 'Still passing.' : 'Passed! Press n for the next exercise (the tests keep rerunning if you polish it).';
      } else if (this.notice.startsWith('Passed') || this.notice.startsWith('Still')) {
        this.notice = '';
      }
    }
    if (this.checkingAll) {
      this.checkingAll = false;
      // A recheck (or a rebuilt progress file) may show the exercise in focus was done all along.
      if (!this.ctx.store.current && this.current && this.ctx.store.entry(this.current.id).done) {
        const next = currentExercise(this.ctx);
        if (next) {
          this.moveTo(next);
          this.report = reports.find((report) => report.id === next.id);
        }
      }
      // The results are recorded by now: the list shows them, with hints and early solutions.
      this.panel = { kind: 'list' };
    }
    this.running = false;
  }

  /** Maps a key to an effect; `undefined` key names are ignored. */
  onKey(key: string): Effect {
    // A notice answers the last key; the next key starts afresh (a passing verdict says it again).
    if (!this.notice.startsWith('Passed')) this.notice = '';
    if (this.confirm) {
      const { effect } = this.confirm;
      this.confirm = undefined;
      if (key === 'y') return effect;
      this.notice = 'Cancelled.';
      return { kind: 'none' };
    }
    switch (key) {
      case 'q':
        return { kind: 'quit' };
      case 'space':
      case 'pagedown':
        this.panelScroll += this.panelPage;
        return { kind: 'none' };
      case 'b':
      case 'pageup':
        this.panelScroll = Math.max(0, this.panelScroll - this.panelPage);
        return { kind: 'none' };
      case 'h':
        return this.current ? { kind: 'hint' } : { kind: 'none' };
      case 'l':
        this.panel = this.panel.kind === 'list' ? { kind: 'none' } : { kind: 'list' };
        this.panelScroll = 0;
        return { kind: 'none' };
      case 'n':
        return this.next();
      case 's':
        if (!this.current) return { kind: 'none' };
        if (this.passed || this.ctx.store.entry(this.current.id).done) return { kind: 'solution' };
        this.confirm = {
          question: 'This exercise has not passed yet. Show the solution anyway? It is recorded as "revealed early". (y/n)',
          effect: { kind: 'solution' },
        };
        return { kind: 'none' };
      case 'r':
        if (!this.current) return { kind: 'none' };
        this.confirm = {
          question: `Reset ${this.current.files.join(', ')} to the original stub? A backup of yours is kept. (y/n)`,
          effect: { kind: 'reset' },
        };
        return { kind: 'none' };
      case 'c':
        this.checkingAll = true;
        this.running = true;
        return { kind: 'run', exercises: this.ctx.exercises };
      case 'return':
      case 'enter':
        if (!this.current) return { kind: 'none' };
        this.running = true;
        return { kind: 'run', exercises: [this.current] };
      default:
        return { kind: 'none' };
    }
  }

  private next(): Effect {
    if (!this.current) return { kind: 'none' };
    if (!this.passed) {
      this.notice = 'Make this exercise pass first (h for a hint, s for the solution).';
      return { kind: 'none' };
    }
    const index = this.ctx.exercises.indexOf(this.current);
    const after = this.ctx.exercises.slice(index + 1);
    const next = after.find((exercise) => !this.ctx.store.entry(exercise.id).done) ?? after[0];
    if (!next) {
      this.notice = 'That was the last exercise: well done! Press c to check them all, q to quit.';
      return { kind: 'none' };
    }
    this.moveTo(next);
    return { kind: 'run', exercises: [next] };
  }

  moveTo(exercise: Exercise): void {
    this.current = exercise;
    this.ctx.store.setCurrent(exercise.id);
    this.report = undefined;
    this.panel = { kind: 'none' };
    this.notice = '';
    this.running = true;
  }
}
