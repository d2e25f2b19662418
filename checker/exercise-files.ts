// Operations on a learner's exercise files shared by the CLI and watch mode: show the solution
// (with a diff against the learner's file) and reset to the kata's original, keeping a backup.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import writeFileAtomic from 'write-file-atomic';
import { SolutionUnavailableError, type Exercise } from './exercises.ts';
import { BACKUP_DIR, ROOT } from './paths.ts';
import { pristineContent } from './grading/pristine.ts';
import { c } from './ui/colors.ts';

export function renderSolution(exercise: Exercise): string {
  const missing = exercise.files.filter((file) => !existsSync(path.join(exercise.solutionDir, file)));
  if (missing.length > 0) {
    throw new SolutionUnavailableError(
      `This copy of the kata has no reference solution for ${exercise.id} (your teacher may have left the solutions out on purpose). The hints go a long way: \`npm run kata -- hint\`, or \`h\` in watch mode.`,
    );
  }
  const blocks = exercise.files.map((file) => {
    const solutionPath = path.join(exercise.solutionDir, file);
    const minePath = path.join(exercise.dir, file);
    const solution = readFileSync(solutionPath, 'utf8');
    const mine = existsSync(minePath) ? readFileSync(minePath, 'utf8') : '';
    const patch = createTwoFilesPatch(`yours/${file}`, `solution/${file}`, mine, solution, '', '', { context: 2 });
    const diff = patch
      .split('\n')
      .slice(2)
      .map((line) => (line.startsWith('+') ? c.green(line) : line.startsWith('-') ? c.red(line) : line))
      .join('\n');
    return [
      c.bold(`── ${path.relative(ROOT, solutionPath)} ──`),
      solution.trimEnd(),
      '',
      c.bold(`── what differs: your ${file} (-) versus the solution (+) ──`),
      mine === solution ? c.dim('(identical)') : diff.trimEnd(),
    ].join('\n');
  });
  return blocks.join('\n\n');
}

/** Restores the kata's original files of an exercise; returns the folder holding the backup. */
export function resetExercise(exercise: Exercise, now = new Date()): string {
  const backup = path.join(BACKUP_DIR, exercise.id, now.toISOString().replace(/[:.]/g, '-'));
  // Read every original first: if one is missing, nothing has been touched yet.
  const originals = exercise.files.map((file) => ({ file, content: pristineContent(`exercises/${exercise.id}/${file}`) }));
  mkdirSync(backup, { recursive: true });
  for (const { file, content } of originals) {
    const target = path.join(exercise.dir, file);
    if (existsSync(target)) {
      mkdirSync(path.dirname(path.join(backup, file)), { recursive: true });
      copyFileSync(target, path.join(backup, file));
    }
    writeFileAtomic.sync(target, content);
  }
  return backup;
}
