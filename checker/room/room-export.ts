// The room at the end of the day, for a spreadsheet (CSV: one row per learner and exercise) or a
// program (JSON: the same rows plus every verdict in order). Tokens never leave the room.
import type { RoomState, RoomView } from './room-state.ts';

const COLUMNS = [
  'learner',
  'exercise',
  'status',
  'steps passed',
  'steps',
  'failing step',
  'tests passed',
  'tests',
  'failing test',
  'hints',
  'solution',
  'minutes on step',
  'stuck',
  'verdicts',
  'last verdict',
] as const;

type Row = Record<(typeof COLUMNS)[number], string | number>;

export function exportRows(view: RoomView): Row[] {
  const rows: Row[] = [];
  for (const learner of view.learners) {
    for (const exercise of view.exercises) {
      const cell = learner.cells[exercise.id];
      if (!cell) continue;
      const failing = cell.status !== 'passed';
      rows.push({
        learner: learner.name,
        exercise: exercise.id,
        status: cell.status,
        'steps passed': cell.stepsPassed,
        steps: cell.steps,
        'failing step': cell.step ?? '',
        'tests passed': cell.testsPassed,
        tests: cell.tests,
        'failing test': cell.failingTest ?? '',
        hints: cell.hints,
        solution: cell.solution ?? '',
        'minutes on step': failing ? Math.round((view.now - cell.stepSince) / 6000) / 10 : '',
        stuck: learner.stuck && learner.current === exercise.id ? 'yes' : '',
        verdicts: cell.verdicts,
        'last verdict': new Date(cell.at).toISOString(),
      });
    }
  }
  return rows;
}

export function toCsv(view: RoomView): string {
  const lines = [COLUMNS.join(','), ...exportRows(view).map((row) => COLUMNS.map((column) => csvCell(row[column])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

export function toJson(state: RoomState, view: RoomView): string {
  const names = new Map(view.learners.map((learner) => [learner.id, learner.name]));
  return `${JSON.stringify(
    {
      version: 1,
      exportedAt: new Date(view.now).toISOString(),
      createdAt: state.room ? new Date(state.room.createdAt).toISOString() : null,
      stuckAfterMinutes: view.stuckAfterMs / 60_000,
      exercises: view.exercises,
      rows: exportRows(view),
      stuck: view.stuck.map(({ learner: _id, ...stuck }) => ({ ...stuck, since: new Date(stuck.since).toISOString() })),
      common: view.common,
      verdicts: state.history.map(({ learner, at, event }) => {
        const { id: _id, ageMs: _age, ...fields } = event;
        return { learner: names.get(learner) ?? String(learner), at: new Date(at).toISOString(), ...fields };
      }),
    },
    null,
    2,
  )}\n`;
}

/**
 * One CSV field: quoted when needed, and a leading `=`, `+`, `-`, `@` (or tab, return) defused, so
 * a name cannot become a formula when the export is opened in a spreadsheet.
 */
export function csvCell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const defused = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n']/.test(defused) ? `"${defused.replace(/"/g, '""')}"` : defused;
}
