// The checker's command dispatcher. Exit codes: 0 success, 1 failing tests (or a "no" answer),
// 2 bad input (unknown command, exercise id or option), 130 interrupted.
import { USAGE, UsageError, parseCli } from './cli-args.ts';
import { doctor } from './commands/doctor.ts';
import { hint } from './commands/hint.ts';
import { list } from './commands/list.ts';
import { manifest } from './commands/manifest.ts';
import { reset } from './commands/reset.ts';
import { run } from './commands/run.ts';
import { solution } from './commands/solution.ts';
import { variants } from './commands/variants.ts';
import { verify } from './commands/verify.ts';
import { watchCommand } from './watch/command.ts';
import { createContext } from './context.ts';
import { ExerciseSetupError, UnknownExerciseError } from './exercises.ts';
import { PristineUnavailableError } from './pristine.ts';

// `npm run -s kata -- verify --json | head` closes our stdout early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

async function main(argv: readonly string[]): Promise<number> {
  const args = parseCli(argv);
  if (args.help || args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const ctx = createContext();
  switch (args.command) {
    case 'watch':
      return watchCommand(ctx, { manual: args.manual });
    case 'list':
      return list(ctx);
    case 'run':
      return run(ctx, args.ids);
    case 'hint':
      return hint(ctx, args.ids);
    case 'solution':
      return solution(ctx, args.ids, args.yes);
    case 'reset':
      return reset(ctx, args.ids, args.yes);
    case 'verify':
      return verify(ctx, args);
    case 'doctor':
      return doctor(ctx);
    case 'variants':
      return variants(ctx, args.ids, args.json);
    case 'manifest':
      return manifest(ctx);
    default:
      throw new UsageError(`Unknown command "${args.command}".`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exitCode = 2;
  } else if (error instanceof UnknownExerciseError || error instanceof ExerciseSetupError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  } else if (error instanceof PristineUnavailableError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
