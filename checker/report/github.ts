// GitHub Actions output (when GITHUB_ACTIONS=true): `::error` annotations that put the failure on the
// learner's file and line in the pull request and the run page, and a markdown job summary for
// $GITHUB_STEP_SUMMARY. Workflow commands are written to stderr: the runner reads both streams, and
// stdout stays a clean JSON document for `--json` and `--classroom`.
import { markdownTable } from 'markdown-table';
import type { Exercise } from '../exercises.ts';
import { totalHints, type ExerciseProgress } from '../formats/progress-file.ts';
import { firstFailure, totals, type ExerciseReport, type ExerciseStatus } from '../grading/grade.ts';
import { explainTampered } from '../grading/integrity.ts';
import { locateNamedExport } from './locate.ts';
import { firstLine, plural, printable, truncate } from './text.ts';

/** GitHub caps a step summary at 1 MiB; stay far below it whatever the messages hold. */
export const MAX_SUMMARY = 64 * 1024;
const MAX_ANNOTATION = 2_000;
const MAX_DETAIL = 3_000;

export interface Annotation {
  file: string;
  line?: number;
  title: string;
  message: string;
}

/** One annotation per exercise that did not pass (GitHub shows at most 10 per step): its first failure. */
export function annotations(
  reports: readonly ExerciseReport[],
  exercises: readonly Exercise[],
  readSource: (file: string) => string | undefined,
): Annotation[] {
  const found: Annotation[] = [];
  for (const report of reports) {
    const exercise = exercises.find((candidate) => candidate.id === report.id);
    const learnerFile = `exercises/${report.id}/${exercise?.files[0] ?? ''}`;
    if (report.status === 'tampered') {
      const [first] = report.tampered ?? [];
      found.push({ file: first?.file ?? learnerFile, title: `${report.id}: not graded (tampered)`, message: explainTampered(report.tampered ?? []) });
    } else if (report.status === 'error') {
      found.push({ file: learnerFile, title: `${report.id}: could not be tested`, message: report.error ?? '' });
    } else if (report.status === 'failed') {
      const failure = firstFailure(report);
      if (!failure) continue;
      const step = report.steps.find((candidate) => candidate.step === failure.step);
      let place: { file: string; line?: number } = failure.location ?? { file: learnerFile };
      if (!failure.location) {
        const source = readSource(learnerFile);
        const line = source === undefined ? undefined : locateNamedExport(source, [failure.name, failure.message]);
        if (line !== undefined) place = { file: learnerFile, line };
      }
      found.push({
        ...place,
        title: `${report.id} · ${step ? `step ${step.step}: ${step.title}` : failure.name}`,
        message: `${failure.name}\n${failure.message}`,
      });
    }
  }
  // A changed shared file makes every exercise tampered with the same explanation: say it once.
  const seen = new Set<string>();
  return found.filter((annotation) => {
    const key = `${annotation.file}\0${annotation.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** `::error file=…,line=…,title=…::message`, escaped as the runner expects. */
export function workflowCommand(annotation: Annotation): string {
  const properties = [`file=${escapeProperty(annotation.file)}`];
  if (annotation.line !== undefined) properties.push(`line=${annotation.line}`);
  properties.push(`title=${escapeProperty(annotation.title)}`);
  return `::error ${properties.join(',')}::${escapeData(truncate(printable(annotation.message), MAX_ANNOTATION))}\n`;
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const STATUS: Record<ExerciseStatus, string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  error: '⛔ error',
  tampered: '⚠️ tampered',
};

/**
 * The job summary: one row per exercise with its points, the hints used and whether the solution was
 * seen early (from the progress file, when the run has one), then the first failure of each
 * exercise that did not pass. `progress` is undefined when no progress file was there to read.
 */
export function jobSummary(
  reports: readonly ExerciseReport[],
  progress: ((id: string) => ExerciseProgress) | undefined,
  target = 'exercises',
): string {
  const total = totals(reports);
  const rows = reports.map((report) => {
    const entry = progress?.(report.id);
    return [
      `${report.id} · ${cell(report.title)}`,
      STATUS[report.status],
      `${report.points}/${report.maxPoints}`,
      entry ? String(totalHints(entry)) : '–',
      entry ? (entry.solutionRevealed === 'early' ? 'yes' : 'no') : '–',
    ];
  });
  rows.push(['**total**', `${total.passed}/${total.total} passed`, `**${total.points}/${total.maxPoints}**`, '', '']);
  const header = ['exercise', 'status', 'points', 'hints used', 'solution revealed early'];
  const parts = [
    `## concurrency-kata: ${total.points}/${total.maxPoints} points, ${total.passed} of ${plural(total.total, 'exercise')} passed${target === 'exercises' ? '' : ` (graded: ${target}, not the learner's files)`}`,
    '',
    markdownTable([header, ...rows], { align: ['l', 'l', 'r', 'r', 'l'] }),
  ];
  if (!progress) {
    parts.push('', '_Hints and early solutions are recorded in `.kata/progress.json` on the learner\'s machine; this run had none._');
  }
  const details = reports.filter((report) => report.status !== 'passed').map(detail);
  let summary = parts.join('\n');
  for (const block of details) {
    // Whole blocks or nothing: a cut in the middle of a code fence would swallow the rest of the page.
    if (summary.length + block.length + 200 > MAX_SUMMARY) {
      summary += `\n\n_…and more: the summary is kept under ${MAX_SUMMARY / 1024} KiB. The JSON, JUnit or Classroom reports have every message._`;
      break;
    }
    summary += `\n\n${block}`;
  }
  return `${summary}\n`;
}

function detail(report: ExerciseReport): string {
  let heading: string;
  let body: string;
  if (report.status === 'tampered') {
    heading = `${report.id}: not graded, ${plural(report.tampered?.length ?? 0, 'file')} changed that only the kata may change`;
    body = explainTampered(report.tampered ?? []);
  } else if (report.status === 'error') {
    heading = `${report.id}: could not be tested`;
    body = report.error ?? '';
  } else {
    const failure = firstFailure(report);
    heading = `${report.id}: ${failure?.step ? `step ${failure.step} › ` : ''}${failure?.name ?? 'failed'}`;
    body = failure?.message ?? '';
  }
  const text = truncate(printable(body), MAX_DETAIL);
  const fence = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((match) => match[0].length + 1)));
  return [`<details><summary>${html(firstLine(heading))}</summary>`, '', `${fence}text`, text, fence, '', '</details>'].join('\n');
}

/** A table cell: a pipe would end the cell, a newline the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
