// `npm run kata -- room`: the facilitator's workshop room. Starts the server, prints the join line for
// the board and the facilitator's own page, and runs until Ctrl-C. `--export FILE` writes the results
// of a room (running or stopped) from its log and exits.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import writeFileAtomic from 'write-file-atomic';
import { UsageError } from '../cli-args.ts';
import type { Context } from '../context.ts';
import { pushInterruptHandler } from '../running/interrupts.ts';
import { STATE_DIR, displayPath } from '../paths.ts';
import { LOG_FILE, readLog } from '../room/log-store.ts';
import { toCsv, toJson } from '../room/room-export.ts';
import { RoomState, type ExerciseInfo } from '../room/room-state.ts';
import { DEFAULT_PORT, DEFAULT_STUCK_AFTER_MS, startRoom } from '../room/server.ts';
import { c } from '../ui/colors.ts';

export interface RoomCommandOptions {
  port?: string | undefined;
  host?: string | undefined;
  stuckAfter?: string | undefined;
  dir?: string | undefined;
  fresh?: boolean;
  exportFile?: string | undefined;
}

export const DEFAULT_ROOM_DIR = path.join(STATE_DIR, 'room');

/**
 * Until the facilitator stops the room: Ctrl-C, SIGTERM or SIGHUP, through the checker's own interrupt
 * handling (which would otherwise end the process at once, leaving the room unclosed).
 */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const release = pushInterruptHandler(() => {
      release();
      resolve();
    });
  });
}

export async function room(
  ctx: Context,
  options: RoomCommandOptions,
  stopped: () => Promise<void> = untilInterrupted,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const dir = path.resolve(options.dir ?? DEFAULT_ROOM_DIR);
  const stuckAfterMs = options.stuckAfter === undefined ? DEFAULT_STUCK_AFTER_MS : parseDuration(options.stuckAfter);
  const exercises: ExerciseInfo[] = ctx.exercises.map((exercise) => ({ id: exercise.id, title: exercise.title, steps: exercise.steps.map((step) => step.title) }));
  if (options.exportFile !== undefined) return exportRoom(ctx, dir, exercises, stuckAfterMs, options.exportFile);

  const port = options.port === undefined ? DEFAULT_PORT : parsePort(options.port);
  const forwarded = forwardedAddresses(port, env);
  let server;
  try {
    server = await startRoom({
      dir,
      exercises,
      host: options.host ?? '0.0.0.0',
      port,
      stuckAfterMs,
      fresh: options.fresh ?? false,
      publicAddresses: forwarded,
      onJoin: (name, rejoined, learners) =>
        ctx.out(c.dim(`  ${rejoined ? 'back' : '+'} ${stripVTControlCharacters(name)}${rejoined ? '' : ` joined (${learners} in the room)`}`)),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      ctx.err(`Port ${port} is already in use (another room, or another program): choose another with --port ${port + 1}.`);
      return 1;
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      ctx.err(`This machine has no address ${options.host ?? ''}: leave --host out to listen on every network.`);
      return 1;
    }
    throw error;
  }

  const relativeLog = displayPath(server.logFile);
  const learners = server.state.learnerCount;
  ctx.out(c.bold(`Workshop room open.`) + c.dim(` Log: ${relativeLog}${learners ? ` (continued: ${learners} learner${learners === 1 ? '' : 's'})` : ''}`));
  if (server.setAside) ctx.out(c.dim(`The previous room's log was kept as ${displayPath(server.setAside)}.`));
  if (server.unreadable) ctx.out(c.yellow(`${server.unreadable} line(s) of the log could not be read and were skipped.`));
  ctx.out(`\nJoin code: ${c.bold(server.code)}\n\nWrite this on the board (learners run it in the kata's folder):`);
  for (const address of server.addresses) ctx.out(`    npm start -- --room ${address}/${server.code} --name "your name"`);
  if (forwarded.length) {
    ctx.out(c.dim(`    (the first is this Codespace's forwarded port: make it Public in the Ports panel, or run
     \`gh codespace ports visibility ${port}:public -c $CODESPACE_NAME\`, so learners can reach it)`));
  } else if (server.addresses.length > 1) {
    ctx.out(c.dim('    (one line per network of this laptop: use the one the learners share)'));
  }
  ctx.out(`\nYour page, for this laptop or the projector (keep the link to yourself: it opens the export too):\n    ${server.pageUrl}`);
  ctx.out(c.dim(`\nStuck means the same step failing for ${formatDuration(stuckAfterMs)} or more (--stuck-after). Ctrl-C closes the room;`));
  ctx.out(c.dim('`npm run kata -- room` opens it again with everything kept (--new starts an empty one).\n'));

  await stopped();
  await server.close();
  ctx.out(`Room closed. Everything is in ${relativeLog}; \`npm run kata -- room --export results.csv\` writes it for a spreadsheet.`);
  return 0;
}

function exportRoom(ctx: Context, dir: string, exercises: ExerciseInfo[], stuckAfterMs: number, file: string): number {
  const format = path.extname(file).toLowerCase();
  if (format !== '.csv' && format !== '.json') throw new UsageError(`--export writes .csv or .json: "${file}" is neither.`);
  if (!existsSync(path.join(dir, LOG_FILE))) {
    ctx.err(`There is no room in ${displayPath(dir)} to export (no ${LOG_FILE}).`);
    return 1;
  }
  const state = new RoomState(exercises, stuckAfterMs);
  for (const record of readLog(dir)) state.apply(record);
  const view = state.view(Date.now());
  writeFileAtomic.sync(path.resolve(file), format === '.csv' ? toCsv(view) : toJson(state, view));
  ctx.out(`Wrote ${view.learners.length} learner(s) to ${file}.`);
  return 0;
}

/**
 * In a GitHub Codespace the room is reached through its forwarded port, `https://<codespace>-4321.<domain>`
 * (public once its visibility is set so), not through the container's own addresses.
 */
export function forwardedAddresses(port: number, env: NodeJS.ProcessEnv): string[] {
  const codespace = env.CODESPACE_NAME;
  const domain = env.GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN;
  return codespace && domain && port !== 0 ? [`https://${codespace}-${port}.${domain}`] : [];
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port takes a number from 0 to 65535 (0: any free port), not "${text}".`);
  return port;
}

/** `5m`, `90s`, `2m30s`, or a plain number of minutes. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 60_000;
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(trimmed);
  if (!trimmed || !match || (match[1] === undefined && match[2] === undefined)) {
    throw new UsageError(`--stuck-after takes a time like 5m, 90s or 2m30s, not "${text}".`);
  }
  return (Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 1000;
}

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return seconds > 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
}
