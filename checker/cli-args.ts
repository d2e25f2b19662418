// Command-line parsing for `npm run kata -- <command> [args]`. Usage errors exit 2.
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run kata -- <command> [options]

Commands:
  watch                 the interactive checker (this is what \`npm start\` runs)
  list                  every exercise with its status, points, hints used
  run [id]              test one exercise once (default: the current one) and show the verdict
  hint [id]             show the next hint for an exercise
  solution [id]         show the reference solution and a diff against your file
  reset <id>            put an exercise's file(s) back as they were (a backup of yours is kept)
  verify [id...]        grade every exercise (or the ones named); exit 0 only if all pass
  doctor                check Node.js, cores, dependencies and git hooks, and say how to fix them
  serve [id]            run an exercise's server (07) on 127.0.0.1, for curl or a browser; Ctrl-C stops it

Options:
  --json                verify: print one JSON document on stdout (schema in README.md)
  --junit FILE          verify: also write the verdict as JUnit XML to FILE
  --classroom           verify: print GitHub Classroom's result document on stdout (and set the
                        step output \`result\` in GitHub Actions)
  --strict              verify: grade only if the tests, checker and configuration are the kata's
                        own (default when CI is set; --no-strict turns it off)
  --solutions           verify: grade the reference solutions instead of your files; serve: serve them
  --port N              serve: listen on port N (default: any free port)
  --manual              watch: rerun on Enter instead of watching files
  --yes                 solution/reset: do not ask for confirmation

Ids: 1, 01, async-join and 01-async-join all name the same exercise.`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedArgs {
  command: string;
  ids: string[];
  json: boolean;
  junit: string | undefined;
  classroom: boolean;
  /** Undefined when neither --strict nor --no-strict was given: verify decides from the environment. */
  strict: boolean | undefined;
  solutions: boolean;
  manual: boolean;
  yes: boolean;
  help: boolean;
  target: string | undefined;
  port: string | undefined;
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
        classroom: { type: 'boolean', default: false },
        strict: { type: 'boolean' },
        solutions: { type: 'boolean', default: false },
        manual: { type: 'boolean', default: false },
        yes: { type: 'boolean', short: 'y', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        // For the kata's own self-tests: grade a known-wrong variant (`variant:<id>/<mistake>`).
        target: { type: 'string' },
        port: { type: 'string' },
      },
    });
  } catch (error) {
    // Node's own wording suggests `-- "--x"`, which makes no sense behind `npm run kata --`.
    const unknown = /Unknown option '([^']+)'/.exec((error as Error).message);
    throw new UsageError(unknown ? `Unknown option ${unknown[1]}.` : (error as Error).message, { cause: error });
  }
  const [command = 'help', ...ids] = parsed.positionals;
  const { json, junit, classroom, strict, solutions, manual, yes, help, target, port } = parsed.values;
  return { command, ids, json, junit, classroom, strict, solutions, manual, yes, help, target, port };
}
