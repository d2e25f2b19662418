// The progress table (list, verify, npm start without a terminal).
import type { Exercise } from '../exercises.ts';
import { totalPoints } from '../exercises.ts';
import { totalHints, type ExerciseProgress } from '../formats/progress-file.ts';
import type { ExerciseReport } from '../grading/grade.ts';
import { c } from './colors.ts';
import { progressBar } from './progress-bar.ts';

export interface TableRow {
  exercise: Exercise;
  status: 'passed' | 'failed' | 'error' | 'not run' | 'tampered';
  points?: number;
  progress?: ExerciseProgress;
  current?: boolean;
}

const MARK: Record<TableRow['status'], [string, (text: string) => string]> = {
  passed: ['✓ passed', c.green],
  failed: ['✗ failed', c.red],
  error: ['! error', c.red],
  tampered: ['! tampered', c.red],
  'not run': ['· not run', c.dim],
};

/** `kataSize`: how many exercises the kata has, when the rows are only some of them (`verify 06 07`). */
export function renderTable(rows: readonly TableRow[], kataSize = rows.length): string {
  const width = Math.max(...rows.map((row) => row.exercise.id.length));
  const lines = rows.map((row) => {
    const marker = row.current ? c.cyan('→') : ' ';
    const points = row.points === undefined ? '' : `${row.points}/${totalPoints(row.exercise)} pts`;
    const extras: string[] = [];
    const hints = row.progress ? totalHints(row.progress) : 0;
    if (hints) extras.push(`${hints} hint${hints > 1 ? 's' : ''}`);
    if (row.progress?.solutionRevealed === 'early') extras.push('solution seen early');
    return `${marker} ${row.exercise.id.padEnd(width)}  ${mark(row.status)} ${points.padEnd(10)} ${c.dim(extras.join(', '))}`.trimEnd();
  });
  const passed = rows.filter((row) => row.status === 'passed').length;
  const of = kataSize === rows.length ? 'exercises' : `exercises graded (the kata has ${kataSize})`;
  lines.push('', `Progress: ${progressBar(passed, rows.length)} ${of}`);
  return lines.join('\n');
}

function mark(status: TableRow['status']): string {
  const [text, color] = MARK[status];
  return color(text.padEnd(11));
}

export function rowsFromReports(exercises: readonly Exercise[], reports: readonly ExerciseReport[]): TableRow[] {
  return exercises.map((exercise) => {
    const report = reports.find((r) => r.id === exercise.id);
    return report ? { exercise, status: report.status, points: report.points } : { exercise, status: 'not run' };
  });
}
