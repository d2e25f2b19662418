// What the workshop-room tests share: a room on 127.0.0.1 with an ephemeral port and a scratch log
// folder, verdicts made the way the checker makes them (grade() over raw test outcomes), and a plain
// HTTP helper for posting what a real client never would.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { loadExercises, type Exercise } from '../../checker/exercises.ts';
import type { ExerciseProgress } from '../../checker/formats/progress-file.ts';
import { grade, type ExerciseReport, type RawTest } from '../../checker/grading/grade.ts';
import { RoomClient, type RoomClientOptions } from '../../checker/room/client.ts';
import { parseRoomAddress } from '../../checker/room/protocol.ts';
import type { ExerciseInfo } from '../../checker/room/room-state.ts';
import { startRoom, type RoomServer, type RoomServerOptions } from '../../checker/room/server.ts';

export const EXERCISES: Exercise[] = loadExercises();
export const ROOM_EXERCISES: ExerciseInfo[] = EXERCISES.map((exercise) => ({
  id: exercise.id,
  title: exercise.title,
  steps: exercise.steps.map((step) => step.title),
}));

export function exercise(id: string): Exercise {
  const found = EXERCISES.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no exercise ${id}`);
  return found;
}

export function scratchDir(prefix = 'kata-room-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function openRoom(options: Partial<RoomServerOptions> = {}): Promise<RoomServer> {
  return startRoom({ dir: options.dir ?? scratchDir(), exercises: ROOM_EXERCISES, host: '127.0.0.1', port: 0, ...options });
}

/** The address a learner types for this room. */
export function addressOf(room: Pick<RoomServer, 'port' | 'code'>): string {
  return `127.0.0.1:${room.port}/${room.code}`;
}

/** A message that must never leave the learner's machine: the room tests look for it everywhere. */
export const SECRET = 'SECRET-from-the-learner const answer = await join(tasks);';

/**
 * A verdict like the checker's: `passed` steps pass (two tests each), then the next step fails on
 * `failing` (its message quotes the learner's code), and later steps did not run. `error`: the file
 * did not load.
 */
export function verdict(id: string, outcome: { passed: number; failing?: string; error?: boolean }): ExerciseReport {
  const meta = exercise(id);
  const tests: RawTest[] = [];
  const suite = (step: number) => [`step ${step}: ${meta.steps[step - 1]?.title ?? ''}`];
  for (let step = 1; step <= Math.min(outcome.passed, meta.steps.length); step++) {
    tests.push({ name: `step ${step} works`, suites: suite(step), status: 'passed', message: '', durationMs: 3 });
    tests.push({ name: `step ${step} works again`, suites: suite(step), status: 'passed', message: '', durationMs: 3 });
  }
  if (outcome.error) return grade(meta, tests, { loadErrors: [`SyntaxError in join.ts: ${SECRET}`] });
  if (outcome.passed < meta.steps.length) {
    const step = outcome.passed + 1;
    tests.push({ name: 'a passing test of the failing step', suites: suite(step), status: 'passed', message: '', durationMs: 3 });
    tests.push({ name: outcome.failing ?? 'the failing test', suites: suite(step), status: 'failed', message: SECRET, durationMs: 3 });
  }
  return grade(meta, tests);
}

/** A progress store as the client reads it. */
export function progress(entries: Record<string, Partial<ExerciseProgress>> = {}): { entry(id: string): ExerciseProgress } {
  return { entry: (id) => ({ done: false, hints: {}, ...entries[id] }) };
}

/**
 * A learner's real client, joined to `room`, with quick retries so the tests stay quick. Its timeout is
 * long: on a machine with every core busy a first answer can take seconds, and only the tests about
 * timeouts (which set their own) are about time.
 */
export function learner(room: Pick<RoomServer, 'port' | 'code'> | string, name: string, options: Partial<RoomClientOptions> = {}): RoomClient {
  return new RoomClient({
    address: parseRoomAddress(typeof room === 'string' ? room : addressOf(room)),
    name,
    stateFile: path.join(scratchDir('kata-learner-'), 'room.json'),
    timeoutMs: 10_000,
    retryMs: { first: 20, max: 100 },
    ...options,
  });
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** A raw request, as an attacker (or a broken client) would send it. */
export async function send(url: string, init: { method?: string; body?: string | object; headers?: Record<string, string> } = {}): Promise<Answer> {
  const body = typeof init.body === 'string' ? init.body : init.body === undefined ? undefined : JSON.stringify(init.body);
  const response = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Joins through the API and returns the token. */
export async function join(room: RoomServer, name: string, token?: string): Promise<Answer> {
  return send(`${room.localUrl}/api/join`, { body: { code: room.code, name, ...(token ? { token } : {}) } });
}

/** Waits until `check` holds, polling; fails with `what` after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The sockets, servers and timers this process holds: a test that ends must leave these as it found them. */
/**
 * For a test file whose every room and client is closed by its own test: nothing is left listening,
 * no timer left running, once they all ran.
 */
export function expectNothingLeftOpen(): void {
  let before: Record<string, number> = {};
  beforeAll(() => {
    before = openHandles();
  });
  afterAll(async () => {
    await eventually(() => Object.keys(handlesLeftSince(before)).length === 0, 'the sockets and timers to be gone', 5000).catch(() => undefined);
    expect(handlesLeftSince(before), process.getActiveResourcesInfo().join(', ')).toEqual({});
  });
}

/** The handles open now beyond those open at `before` (a timer that was open then and ended since is no leak). */
export function handlesLeftSince(before: Record<string, number>): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [kind, count] of Object.entries(openHandles())) if (count > (before[kind] ?? 0)) extra[kind] = count - (before[kind] ?? 0);
  return extra;
}

export function openHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (['TCPServerWrap', 'TCPSocketWrap', 'Timeout', 'TTYWrap'].includes(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}
