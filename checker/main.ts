// The checker's command dispatcher. Exit codes: 0 success, 1 failing tests (or a "no" answer),
// 2 bad input (unknown command, exercise id or option), 128 + the signal's number when interrupted
// (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).
import { USAGE, UsageError, parseCli, type ParsedArgs } from './cli-args.ts';
import { createContext, reportStoreWarnings, type Context } from './context.ts';
import { ExerciseSetupError, SolutionUnavailableError, UnknownExerciseError, resolveExercise } from './exercises.ts';
import { PristineUnavailableError } from './grading/pristine.ts';
import { TargetError } from './running/target.ts';
import { handleInterrupts } from './running/interrupts.ts';

// `npm run -s kata -- verify --json | head` closes our stdout early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// The workshop room a learner's verdicts go to (--room/--name or KATA_ROOM/KATA_NAME), if any.
// Loaded only when a room is asked for: most learners never join one, and every module costs start-up.
const learnerRoom = async (args: ParsedArgs) =>
  args.room || args.name || process.env.KATA_ROOM ? (await import('./room/learner.ts')).learnerRoom(args) : undefined;

async function main(argv: readonly string[]): Promise<number> {
  const args = parseCli(argv);
  if (args.help || args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const ctx = createContext();
  // Watch mode shows them on its own screen (printed here, its first redraw would wipe them).
  if (args.command !== 'watch') reportStoreWarnings(ctx);
  try {
    return await dispatch(ctx, args);
  } finally {
    reportStoreWarnings(ctx);
  }
}

async function dispatch(ctx: Context, args: ParsedArgs): Promise<number> {
  // Each command loads only its own modules: every module imported here goes through tsx, and
  // loading all of them costs every command (and the checker's overhead over bare vitest) time.
  switch (args.command) {
    case 'watch':
      // `npm start -- 3`: start on that exercise, and stay on it from then on.
      if (args.ids[0] !== undefined) ctx.store.setCurrent(resolveExercise(args.ids[0], ctx.exercises).id);
      return (await import('./watch/command.ts')).watchCommand(ctx, { manual: args.manual, room: await learnerRoom(args) });
    case 'list':
      return (await import('./commands/list.ts')).list(ctx);
    case 'run':
      return (await import('./commands/run.ts')).run(ctx, args.ids, await learnerRoom(args));
    case 'hint':
      return (await import('./commands/hint.ts')).hint(ctx, args.ids);
    case 'solution':
      return (await import('./commands/solution.ts')).solution(ctx, args.ids, args.yes);
    case 'reset':
      return (await import('./commands/reset.ts')).reset(ctx, args.ids, args.yes);
    case 'verify':
      return (await import('./commands/verify.ts')).verify(ctx, args);
    case 'doctor':
      return (await import('./commands/doctor.ts')).doctor(ctx);
    case 'prove':
    case 'variants':
      return (await import('./commands/prove.ts')).prove(ctx, args.ids, args.json, args.part);
    case 'serve':
      return (await import('./commands/serve.ts')).serve(ctx, args);
    case 'manifest':
      return (await import('./commands/manifest.ts')).manifest(ctx);
    // The facilitator's workshop room.
    case 'room':
      return (await import('./commands/room.ts')).room(ctx, args);
    default:
      throw new UsageError(`Unknown command "${args.command}".`);
  }
}

handleInterrupts();

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exitCode = 2;
  } else if (error instanceof UnknownExerciseError || error instanceof ExerciseSetupError || error instanceof TargetError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  } else if (error instanceof PristineUnavailableError || error instanceof SolutionUnavailableError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
