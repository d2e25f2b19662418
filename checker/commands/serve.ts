// `serve [id]`: runs an exercise's server (07's `startServer`) on 127.0.0.1 with its simulated database
// and CDN, prints where it listens and a few curl lines, and shuts it down gracefully on Ctrl-C or
// SIGTERM, then says whether anything was left running. It serves the learner's own file, or what the
// target switch names (`--solutions`, `--target`).
//
// The server runs in a child process started with `--import tsx`: the worker threads of its pool
// inherit that flag and can load the `.ts` worker file (tsx registered in-process, as the checker does
// it, would not reach them).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../cli-args.ts';
import { interruptedBy, pushInterruptHandler } from '../running/interrupts.ts';
import type { Context } from '../context.ts';
import { resolveExercise } from '../exercises.ts';
import { STATE_DIR } from '../paths.ts';
import { formatTarget, parseTarget, redirect, type Target } from '../running/target.ts';

export interface ServeOptions {
  ids: string[];
  solutions: boolean;
  target: string | undefined;
  port: string | undefined;
}

/** The exercise whose server `serve` runs when no id is given: the only one that has one. */
const DEFAULT_ID = '07';
/** A graceful shutdown gets this long before `serve` gives up on it. */
const CLOSE_TIMEOUT_MS = 10_000;

export async function serve(ctx: Context, options: ServeOptions): Promise<number> {
  const exercise = resolveExercise(options.ids[0] ?? DEFAULT_ID, ctx.exercises);
  if (!exercise.files.includes('server.ts')) {
    throw new UsageError(`Exercise ${exercise.id} has no server to serve: \`serve\` runs an exercise's server.ts (exercise 07).`);
  }
  const target: Target = options.solutions ? { kind: 'solutions' } : parseTarget(options.target);
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port takes a port number from 0 to 65535, not "${options.port ?? ''}".`);
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), exercise.dir, formatTarget(target), String(port)], {
    stdio: 'inherit',
  });
  // Ctrl-C reaches the child by itself (the terminal signals the whole process group); SIGTERM or
  // SIGHUP sent to this process alone is passed on. Either way the child shuts down gracefully and this
  // process waits for it, instead of the checker's usual "end everything now" (checker/running/interrupts.ts).
  // The same signal, so the server says which one came (a SIGHUP ends it like a SIGTERM).
  const release = pushInterruptHandler((signal) => child.kill(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM'));
  try {
    return await new Promise<number>((resolve) => {
      child.once('error', (error) => {
        ctx.err(`Could not start the server: ${error.message}`);
        resolve(1);
      });
      // A server that did not shut down but was ended by a signal: 128 + its number, as the checker's own.
      child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' || signal === 'SIGHUP' ? interruptedBy(signal) : 1)));
    });
  } finally {
    release();
  }
}

/** What the child process runs: the server itself. */
async function runServer(exerciseDir: string, targetText: string, port: number): Promise<void> {
  const target = parseTarget(targetText);
  const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(redirect(path.join(exerciseDir, file), target)).href)) as T;
  const { startServer } = await load<{ startServer: (options: Record<string, unknown>) => Promise<{ url: string; close(): Promise<void> }> }>('server.ts');
  const { SimulatedBackend } = await load<{ SimulatedBackend: new () => { database: unknown; cdn: unknown } }>('backend.ts');
  const backend = new SimulatedBackend();
  const threads = os.availableParallelism();
  const served = path.relative(process.cwd(), redirect(path.join(exerciseDir, 'server.ts'), target));
  let server: { url: string; close(): Promise<void> };
  try {
    server = await startServer({
      database: backend.database,
      cdn: backend.cdn,
      maxQueries: 10,
      profileDeadlineMs: 1000,
      resizeThreads: threads,
      maxWaitingResizes: 2 * threads,
      maxImageBytes: 64 * 1024 * 1024,
      host: '127.0.0.1',
      port,
    });
  } catch (error) {
    process.stderr.write(`startServer() in ${served} failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  }
  const photo = await samplePhoto(exerciseDir);
  const { url } = server;
  process.stdout.write(
    [
      `Serving ${served} (${formatTarget(target) === 'exercises' ? 'your file' : formatTarget(target)}) at ${url}`,
      `  database: 10 connections, queries of 20 ms; CDN: pictures in 30 ms; ${threads} resize threads, up to ${2 * threads} waiting`,
      '',
      'Try:',
      `  curl -i ${url}/health`,
      `  curl -i ${url}/profile/7`,
      `  curl -D - --data-binary @${photo} ${url}/resize -o small.pam`,
      `  npx autocannon -c 200 -d 5 ${url}/profile/7`,
      '',
      'Ctrl-C (or SIGTERM) shuts it down gracefully.',
      '',
    ].join('\n'),
  );
  let closing = false;
  const shutDown = (signal: string) => {
    // Ctrl-C can arrive more than once (from the terminal and from npm): one shutdown is enough.
    if (closing) return;
    closing = true;
    process.stdout.write(`\n${signal}: shutting down, finishing the requests in progress…\n`);
    const timeout = setTimeout(() => {
      process.stderr.write(`close() had not finished after ${CLOSE_TIMEOUT_MS / 1000} s: stopping anyway.\n`);
      process.exit(1);
    }, CLOSE_TIMEOUT_MS);
    server.close().then(
      () => {
        clearTimeout(timeout);
        process.stdout.write('Closed.\n');
        // A clean shutdown leaves nothing to keep the process alive: it ends by itself. If it does not, say what holds it.
        setTimeout(() => {
          process.stderr.write(`close() resolved, but the process is still held by: ${process.getActiveResourcesInfo().join(', ')}. A clean close() leaves nothing behind.\n`);
          process.exit(1);
        }, 2000).unref();
      },
      (error: unknown) => {
        clearTimeout(timeout);
        process.stderr.write(`close() failed: ${(error as Error).stack ?? String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutDown('SIGINT'));
  process.on('SIGTERM', () => shutDown('SIGTERM'));
}

/** A picture to resize: written once to the kata's state folder. */
async function samplePhoto(exerciseDir: string): Promise<string> {
  const { createTestImage } = (await import(pathToFileURL(path.join(exerciseDir, '..', '03-offload-cpu', 'image.ts')).href)) as typeof import('../../exercises/03-offload-cpu/image.ts');
  const { encodePam } = (await import(pathToFileURL(path.join(exerciseDir, 'pam.ts')).href)) as typeof import('../../exercises/07-server/pam.ts');
  const dir = path.join(STATE_DIR, 'serve');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'photo.pam');
  writeFileSync(file, encodePam(createTestImage(1024, 768, 7)));
  return path.relative(process.cwd(), file);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [exerciseDir = '', targetText = 'exercises', port = '0'] = process.argv.slice(2);
  await runServer(exerciseDir, targetText, Number(port));
}
