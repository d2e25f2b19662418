// Command-line parsing for `npm run kata -- <command> [args]`. Usage errors exit 2.
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run kata -- <command> [options]

Commands:
  watch [id]            the interactive checker (this is what \`npm start\` runs); with an id, it
                        starts on that exercise (\`npm start -- 3\`)
  list                  every exercise with its status, points, hints used
  run [id]              test one exercise once (default: the current one) and show the verdict
  hint [id]             show the next hint for an exercise
  solution [id]         show the reference solution and a diff against your file
  reset <id>            put an exercise's file(s) back as they were (a backup of yours is kept)
  verify [id...]        grade every exercise (or the ones named); exit 0 only if all pass
  doctor                check Node.js, cores, dependencies and git hooks, and say how to fix them
  room                  run a workshop room: a live page of every learner's progress (README: Running a workshop)
  serve [id]            run an exercise's server (07) on 127.0.0.1, for curl or a browser; Ctrl-C stops it

Options:
  --json                verify: print one JSON document on stdout (schema in README.md)
  --junit FILE          verify: also write the verdict as JUnit XML to FILE
  --results FILE        verify: also write exercism's results.json (version 3) to FILE
  --classroom           verify: print GitHub Classroom's result document on stdout (and set the
                        step output \`result\` in GitHub Actions)
  --strict              verify: grade only if the tests, checker and configuration are the kata's
                        own (default when CI is set; --no-strict turns it off)
  --base REV            verify --strict: trust the kata's file list (manifest) of git commit REV,
                        the kata as you got it, instead of the one in your working tree
  --solutions           verify: grade the reference solutions instead of your files (not with --strict);
                        serve: serve them
  --manual              watch: rerun on Enter instead of watching files
  --yes                 solution/reset: do not ask for confirmation
  --room ADDRESS        watch/run: report your verdicts to a workshop room (the address on the board;
                        or set KATA_ROOM)
  --name NAME           watch/run: your name in the workshop room (or set KATA_NAME)
  --port N, --host H    room: where to listen (default: port 4321 on every network of this machine);
                        serve: the port (default: any free port)
  --stuck-after TIME    room: when a learner counts as stuck on one step (default 5m; 90s, 10m, …)
  --dir FOLDER          room: where the room keeps its log (default .kata/room)
  --new                 room: start an empty room (the previous one's log is kept aside)
  --export FILE         room: write the room's results to FILE (.csv or .json) and exit

Ids: 1, 01, async-join and 01-async-join all name the same exercise.`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedArgs {
  command: string;
  ids: string[];
  json: boolean;
  junit: string | undefined;
  results: string | undefined;
  base: string | undefined;
  classroom: boolean;
  /** Undefined when neither --strict nor --no-strict was given: verify decides from the environment. */
  strict: boolean | undefined;
  solutions: boolean;
  manual: boolean;
  yes: boolean;
  help: boolean;
  target: string | undefined;
  /** prove: `K/N`, the K-th of N parts of the proof. */
  part: string | undefined;
  // The workshop room: the learner's side (watch, run) and the facilitator's (room).
  room: string | undefined;
  name: string | undefined;
  port: string | undefined;
  host: string | undefined;
  stuckAfter: string | undefined;
  dir: string | undefined;
  fresh: boolean;
  exportFile: string | undefined;
}

export function parseCli(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      allowNegative: true,
      options: {
        json: { type: 'boolean', default: false },
        junit: { type: 'string' },
        results: { type: 'string' },
        base: { type: 'string' },
        classroom: { type: 'boolean', default: false },
        strict: { type: 'boolean' },
        solutions: { type: 'boolean', default: false },
        manual: { type: 'boolean', default: false },
        yes: { type: 'boolean', short: 'y', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        // For the kata's own self-tests: grade a known-wrong variant (`variant:<id>/<mistake>`).
        target: { type: 'string' },
        // For `npm test`: one of several parts of `prove`, run at once.
        part: { type: 'string' },
        // The workshop room.
        room: { type: 'string' },
        name: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'stuck-after': { type: 'string' },
        dir: { type: 'string' },
        new: { type: 'boolean', default: false },
        export: { type: 'string' },
      },
    });
  } catch (error) {
    // Node's own wording suggests `-- "--x"`, which makes no sense behind `npm run kata --`.
    const unknown = /Unknown option '([^']+)'/.exec((error as Error).message);
    throw new UsageError(unknown ? `Unknown option ${unknown[1]}.` : (error as Error).message, { cause: error });
  }
  const [command = 'help', ...ids] = parsed.positionals;
  const { json, junit, results, base, classroom, strict, solutions, manual, yes, help, target, part } = parsed.values;
  // The workshop room.
  const { room, name, port, host, 'stuck-after': stuckAfter, dir, new: fresh, export: exportFile } = parsed.values;
  checkIds(command, ids);
  return { command, ids, json, junit, results, base, classroom, strict, solutions, manual, yes, help, target, part, room, name, port, host, stuckAfter, dir, fresh, exportFile };
}

/** How many exercise ids each command takes: [at least, at most]. */
const ID_COUNTS: Record<string, [number, number]> = {
  watch: [0, 1],
  list: [0, 0],
  doctor: [0, 0],
  manifest: [0, 0],
  run: [0, 1],
  hint: [0, 1],
  solution: [0, 1],
  reset: [1, 1],
  serve: [0, 1],
  room: [0, 0],
};

function checkIds(command: string, ids: readonly string[]): void {
  const counts = ID_COUNTS[command];
  if (!counts) return;
  const [least, most] = counts;
  if (ids.length < least) throw new UsageError(`${command} needs an exercise id, e.g. \`npm run kata -- ${command} 1\`.`);
  if (ids.length > most) {
    const takes = most === 0 ? 'takes no exercise id' : 'takes one exercise id';
    throw new UsageError(`${command} ${takes}; it was given ${ids.map((id) => `"${id}"`).join(' ')}.`);
  }
}
