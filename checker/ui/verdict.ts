// One exercise's verdict, as the learner reads it: steps ticked off, then the first failing test's
// message (with its timeline drawing), then what their code printed.
import path from 'node:path';
import type { Exercise } from '../exercises.ts';
import { firstFailure, type ExerciseReport } from '../grade.ts';
import { c } from './colors.ts';

export function renderVerdict(exercise: Exercise, report: ExerciseReport): string {
  const lines: string[] = [];
  const title = `${exercise.id} · ${exercise.title}`;
  const badge =
    report.status === 'passed' ? c.green('PASSED') : report.status === 'error' ? c.red('ERROR') : c.red('NOT YET');
  lines.push(`${c.bold(title)}   ${badge}   ${report.points}/${report.maxPoints} points`);
  for (const step of report.steps) {
    const mark = step.status === 'passed' ? c.green('✓') : c.red('✗');
    lines.push(`  ${mark} step ${step.step}: ${step.title} ${c.dim(`(${step.points}/${step.maxPoints})`)}`);
  }
  if (report.status === 'error') {
    lines.push('', c.red('Your file could not be loaded or tested:'), indent(report.error ?? ''));
  } else {
    const failure = firstFailure(report);
    if (failure) {
      const where = failure.step === null ? '' : `step ${failure.step} › `;
      lines.push('', c.red(`✗ ${where}${failure.name}`), indent(failure.message));
      const more = report.tests.filter((test) => test.status === 'failed').length - 1;
      if (more > 0) lines.push(c.dim(`  (${more} more failing test${more > 1 ? 's' : ''}; fix this one first)`));
    }
  }
  const skipped = report.tests.filter((test) => test.status === 'skipped' && test.message);
  for (const test of skipped) lines.push(c.yellow(`  skipped: ${test.name}: ${test.message}`));
  if (report.consoleOutput?.length) {
    lines.push('', c.dim('Your code printed:'), indent(report.consoleOutput.slice(-20).join('\n')));
  }
  lines.push('', c.dim(`Lesson: ${path.relative(process.cwd(), exercise.lessonPath)}   Edit: ${exercise.files.map((f) => path.relative(process.cwd(), path.join(exercise.dir, f))).join(', ')}`));
  return lines.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
