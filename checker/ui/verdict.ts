// One exercise's verdict, as the learner reads it: steps ticked off, then the first failing test's
// message (with its timeline drawing), then what their code printed.
import path from 'node:path';
import type { Exercise } from '../exercises.ts';
import { firstFailure, isFailing, type ExerciseReport } from '../grading/grade.ts';
import { c } from './colors.ts';

export function renderVerdict(exercise: Exercise, report: ExerciseReport): string {
  const { head, body } = verdictParts(exercise, report);
  return [...head, ...body].join('\n');
}

/**
 * The verdict in two parts: `head` (the title and every step: what a learner must always see) and
 * `body` (the first failure's message, what the code printed, where to look), which watch mode may
 * cut to fit the terminal.
 */
export function verdictParts(exercise: Exercise, report: ExerciseReport): { head: string[]; body: string[] } {
  const lines: string[] = [];
  const title = `${exercise.id} · ${exercise.title}`;
  const badge =
    report.status === 'passed' ? c.green('PASSED') : report.status === 'error' ? c.red('ERROR') : c.red('NOT YET');
  lines.push(`${c.bold(title)}   ${badge}   ${report.points}/${report.maxPoints} points`);
  for (const step of report.steps) {
    if (step.status === 'not run') {
      lines.push(c.dim(`  · step ${step.step}: ${step.title} (not run yet)`));
      continue;
    }
    const mark = step.status === 'passed' ? c.green('✓') : c.red('✗');
    lines.push(`  ${mark} step ${step.step}: ${step.title} ${c.dim(`(${step.points}/${step.maxPoints})`)}`);
  }
  const head = lines.splice(0);
  if (report.status === 'error') {
    lines.push('', c.red('Your file could not be loaded or tested:'), indent(report.error ?? ''));
  } else {
    const failure = firstFailure(report);
    if (failure) {
      const where = failure.step === null ? '' : `step ${failure.step} › `;
      lines.push('', c.red(`✗ ${where}${failure.name}`), indent(failure.message));
      const others = report.tests.filter((test) => test !== failure && isFailing(test, report));
      const failed = others.filter((test) => test.status === 'failed').length;
      const notRun = others.length - failed;
      const parts = [
        ...(failed > 0 ? [`${failed} more failing test${failed > 1 ? 's' : ''}`] : []),
        ...(notRun > 0 ? [`${notRun} that did not run`] : []),
      ];
      if (parts.length > 0) lines.push(c.dim(`  (${parts.join(', ')}; fix this one first)`));
    }
  }
  const skipped = report.tests.filter((test) => test.status === 'skipped' && test.message);
  for (const test of skipped) lines.push(c.yellow(`  skipped: ${test.name}: ${test.message}`));
  if (report.consoleOutput?.length) {
    lines.push('', c.dim('Your code printed:'), indent(report.consoleOutput.slice(-20).join('\n')));
  }
  lines.push('', c.dim(`Lesson: ${path.relative(process.cwd(), exercise.lessonPath)}   ${editLine(exercise)}`));
  return { head, body: lines };
}

/** The files to edit: one is named by its path; several by their folder once, then their names, so the line stays short. */
function editLine(exercise: Exercise): string {
  const [only, ...rest] = exercise.files;
  if (only !== undefined && rest.length === 0) return `Edit: ${path.relative(process.cwd(), path.join(exercise.dir, only))}`;
  return `Edit in ${path.relative(process.cwd(), exercise.dir) || '.'}${path.sep}: ${exercise.files.join(', ')}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
