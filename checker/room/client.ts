// The learner's side of the workshop room. `report()` is called with every verdict and returns at
// once: the events wait in a bounded buffer and are posted in the background, one request at a
// time, each with a short timeout, retried with a growing pause while the room is down. The learner
// hears about the room in a few quiet lines (joined, not answering, back), each said once, never an
// error per save. Nothing in here may throw into the learner's loop.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { ExerciseProgress } from '../formats/progress-file.ts';
import type { ExerciseReport } from '../grading/grade.ts';
import { LIMITS, nameKey, type JoinResponse, type RoomAddress, type VerdictEvent } from './protocol.ts';
import { placeOf, verdictFields, type VerdictFields } from './verdict-event.ts';

/** What the watch loop and `run` hand their verdicts to. */
export interface RoomReporter {
  /** Queues the verdicts for the room and returns at once, with a quiet line to show when there is news. */
  report(reports: readonly ExerciseReport[], progress: { entry(id: string): ExerciseProgress }): string | undefined;
}

export interface RoomClientOptions {
  address: RoomAddress;
  name: string;
  /** Where the client keeps its token, the step clock and unsent events between runs (`.kata/room.json`). */
  stateFile: string;
  fetch?: typeof globalThis.fetch;
  now?: () => number;
  /** Per request. */
  timeoutMs?: number;
  /** Events kept while the room is down; the oldest go first (the latest state is what the room needs). */
  maxBuffered?: number;
  retryMs?: { first: number; max: number };
}

interface Pending {
  id: string;
  queuedAt: number;
  stepSeconds: number;
  fields: VerdictFields;
}

interface ClientFile {
  version: 1;
  /** By room and name: the token that proves this laptop joined under that name. */
  tokens: Record<string, string>;
  /** By exercise: where the learner is and since when. */
  steps: Record<string, { place: string; since: number }>;
  /** By room and name: events not yet delivered when the checker stopped. */
  pending: Record<string, Pending[]>;
}

export type RoomHealth = 'joining' | 'up' | 'down' | 'refused';

/** The room said no for good (wrong code, name taken): stop sending, say why once. */
class Refused extends Error {}
/** Try again later (the room is down, busy or limiting us). */
class Later extends Error {
  constructor(
    message: string,
    readonly down: boolean,
    /** What the room asked for (Retry-After), in ms. */
    readonly afterMs?: number,
  ) {
    super(message);
  }
}

/** The clients of this process whose unsent events are written when it exits (one listener for all). */
const keepOnExit = new Set<RoomClient>();
const saveEveryClient = () => {
  for (const client of keepOnExit) client.saveOnExit();
};

export class RoomClient implements RoomReporter {
  private readonly fetch: typeof globalThis.fetch;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly maxBuffered: number;
  private readonly retry: { first: number; max: number };
  private readonly roomKey: string;
  private file: ClientFile;
  private buffer: Pending[];
  private token: string | undefined;
  private joined = false;
  private healthState: RoomHealth = 'joining';
  private notices: string[] = [];
  private inFlight: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private retryDelay: number;
  private notBefore = 0;
  private dropped = 0;
  private closed = false;
  /** Requests made, for the tests and the benchmark. */
  requests = 0;

  constructor(private readonly options: RoomClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.maxBuffered = options.maxBuffered ?? 200;
    this.retry = options.retryMs ?? { first: 1000, max: 15_000 };
    this.retryDelay = this.retry.first;
    this.roomKey = `${options.address.base}/${options.address.code}|${nameKey(options.name)}`;
    this.file = readClientFile(options.stateFile);
    this.token = this.file.tokens[this.roomKey];
    this.buffer = [...(this.file.pending[this.roomKey] ?? [])];
    keepOnExit.add(this);
    if (keepOnExit.size === 1) process.on('exit', saveEveryClient);
  }

  get health(): RoomHealth {
    return this.healthState;
  }

  /** Events waiting to be delivered. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Joins in the background right away, so the first verdict can already say how that went. */
  start(): this {
    this.kick();
    return this;
  }

  report(reports: readonly ExerciseReport[], progress: { entry(id: string): ExerciseProgress }): string | undefined {
    try {
      for (const report of reports) {
        const fields = verdictFields(report, progress.entry(report.id));
        if (fields) this.enqueue(fields);
      }
      this.kick();
    } catch {
      // The room is a guest in the learner's loop: whatever went wrong here, the verdict stands.
    }
    return this.takeNotice();
  }

  /** The quiet lines gathered since the last verdict, joined into one (once each). */
  takeNotice(): string | undefined {
    const line = this.notices.join(' ');
    this.notices = [];
    return line || undefined;
  }

  /** Resolves once nothing is in flight (a retry may still be scheduled). */
  async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  /** Stops retrying and keeps unsent events for the next start. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    keepOnExit.delete(this);
    if (keepOnExit.size === 0) process.off('exit', saveEveryClient);
    this.saveOnExit();
  }

  private enqueue(fields: VerdictFields): void {
    const now = this.now();
    const place = placeOf(fields);
    const clock = this.file.steps[fields.exercise];
    if (!clock || clock.place !== place) {
      this.file.steps[fields.exercise] = { place, since: now };
      this.saveSoon();
    }
    const since = this.file.steps[fields.exercise]?.since ?? now;
    const stepSeconds = fields.step === null ? 0 : Math.max(0, Math.round((now - since) / 1000));
    this.buffer.push({ id: randomBytes(9).toString('base64url'), queuedAt: now, stepSeconds, fields });
    if (this.buffer.length > this.maxBuffered) {
      this.dropped += this.buffer.length - this.maxBuffered;
      this.buffer.splice(0, this.buffer.length - this.maxBuffered);
    }
  }

  private kick(): void {
    if (this.closed || this.healthState === 'refused' || this.inFlight) return;
    const wait = this.notBefore - this.now();
    if (wait > 0) {
      this.schedule(wait);
      return;
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.inFlight = this.pump().finally(() => {
      this.inFlight = undefined;
      // A verdict queued while the last answer was on its way: send it now, not with the next one.
      if (this.buffer.length > 0 && this.healthState === 'up' && !this.retryTimer) this.kick();
    });
  }

  private schedule(ms: number): void {
    if (this.closed || this.retryTimer) return;
    // Never keeps the checker alive: a learner who quits is not held up by a room that is down.
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, ms).unref();
  }

  private async pump(): Promise<void> {
    try {
      if (!this.joined) await this.join();
      let rejoined = false;
      while (this.buffer.length > 0 && this.healthState !== 'refused') {
        const batch = this.buffer.slice(0, LIMITS.eventsPerPost);
        const now = this.now();
        const events: VerdictEvent[] = batch.map((pending) => ({
          ...pending.fields,
          id: pending.id,
          ageMs: Math.max(0, Math.round(now - pending.queuedAt)),
          stepSeconds: pending.stepSeconds,
        }));
        const { status, retryAfter } = await this.post('/api/events', { events }, this.token);
        if (status === 200) {
          this.remove(batch);
          this.markUp();
        } else if (status === 401 && !rejoined) {
          // The room does not know our token (it was started anew): join it again, once.
          rejoined = true;
          this.joined = false;
          await this.join();
        } else if (status === 429) {
          throw new Later('rate limited', false, retryAfter);
        } else if (status >= 500 || status === 401) {
          throw new Later(`the room answered ${status}`, true);
        } else {
          // 400, 413, 422: this batch can never be accepted (a checker of another version than the room).
          this.remove(batch);
          this.say(`The workshop room did not accept ${batch.length} verdict(s) (${status}); they were left out.`);
        }
      }
      this.retryDelay = this.retry.first;
    } catch (error) {
      if (error instanceof Refused) {
        this.healthState = 'refused';
        this.buffer = [];
        this.say(error.message);
        return;
      }
      const down = !(error instanceof Later) || error.down;
      if (down) this.markDown();
      // Limited: wait as long as the room says (every early retry would count against us again).
      else this.notBefore = Math.max(this.notBefore, this.now() + Math.max(this.retryDelay, error.afterMs ?? 0));
      this.schedule(this.retryDelay);
      this.retryDelay = Math.min(this.retryDelay * 2, this.retry.max);
    }
  }

  private async join(): Promise<void> {
    const { address, name } = this.options;
    // The token is chosen here and kept before it is sent: a join whose answer is lost on the way
    // (a timeout, the Wi-Fi) is simply tried again with the same token, and the name stays ours.
    if (!this.token) {
      this.token = randomBytes(32).toString('base64url');
      this.file.tokens[this.roomKey] = this.token;
      this.save();
    }
    const { status, body, retryAfter } = await this.post('/api/join', { code: address.code, name, token: this.token });
    if (status === 200) {
      const joined = body as JoinResponse;
      this.joined = true;
      this.say(`${joined.rejoined ? 'Back in' : 'Joined'} the workshop room at ${address.display} as ${joined.name}.`);
      this.markUp();
      return;
    }
    const reason = typeof (body as { error?: unknown } | undefined)?.error === 'string' ? (body as { error: string }).error : `it answered ${status}`;
    if (status === 403) throw new Refused(`The workshop room at ${address.display} does not take the join code ${address.code}: check the address on the board. Nothing is sent to it.`);
    if (status === 409) throw new Refused(`The name "${name}" is taken in the workshop room at ${address.display}: start again with another --name. Nothing is sent to it.`);
    if (status === 400) throw new Refused(`The workshop room at ${address.display} refused to let you join: ${reason}`);
    throw new Later(reason, status !== 429, retryAfter);
  }

  private async post(route: string, payload: unknown, token?: string): Promise<{ status: number; body: unknown; retryAfter?: number }> {
    this.requests++;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const response = await this.fetch(`${this.options.address.base}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(payload),
        signal: controller.signal,
      });
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const seconds = Number(response.headers.get('retry-after'));
      return { status: response.status, body, ...(Number.isFinite(seconds) && seconds > 0 ? { retryAfter: Math.min(seconds, 300) * 1000 } : {}) };
    } finally {
      clearTimeout(timer);
    }
  }

  private remove(batch: readonly Pending[]): void {
    const sent = new Set(batch);
    this.buffer = this.buffer.filter((pending) => !sent.has(pending));
  }

  private markUp(): void {
    if (this.healthState === 'down') {
      const room = `The workshop room at ${this.options.address.display}`;
      const down = this.notices.indexOf(this.downLine());
      // Gone and back before the learner heard of it: one line says both.
      if (down !== -1) this.notices.splice(down, 1, `${room} was away for a moment; your verdicts were kept and have been sent.`);
      else this.say(`${room} is back: your kept verdicts were sent.`);
    }
    this.healthState = 'up';
  }

  private markDown(): void {
    if (this.healthState !== 'down') this.say(this.downLine());
    this.healthState = 'down';
  }

  private downLine(): string {
    return `The workshop room at ${this.options.address.display} is not answering; your verdicts are kept and sent when it is back.`;
  }

  private say(line: string): void {
    if (!this.notices.includes(line)) this.notices.push(line);
  }

  /** Soon, not now: a verdict never waits for the disk (and the exit hook writes whatever is left). */
  private saveSoon(): void {
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, 500).unref();
  }

  private save(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    try {
      mkdirSync(path.dirname(this.options.stateFile), { recursive: true });
      // No fsync: this is a convenience (a token, a clock), and the learner's loop shares the thread.
      writeFileAtomic.sync(this.options.stateFile, `${JSON.stringify(this.file, null, 2)}\n`, { fsync: false });
    } catch {
      // A read-only state folder costs the room its memory between runs, never the learner a verdict.
    }
  }

  /** Writes what must outlive this process: unsent events, a pending clock change. */
  saveOnExit(): void {
    const before = this.file.pending[this.roomKey];
    if (this.buffer.length > 0) this.file.pending[this.roomKey] = this.buffer.slice(-this.maxBuffered);
    else delete this.file.pending[this.roomKey];
    if (before !== undefined || this.buffer.length > 0 || this.saveTimer) this.save();
  }

  /** Events dropped because the buffer was full (the oldest), for the tests. */
  get droppedEvents(): number {
    return this.dropped;
  }
}

function readClientFile(file: string): ClientFile {
  const empty: ClientFile = { version: 1, tokens: {}, steps: {}, pending: {} };
  if (!existsSync(file)) return empty;
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClientFile>;
    if (data.version !== 1) return empty;
    return { version: 1, tokens: { ...data.tokens }, steps: { ...data.steps }, pending: { ...data.pending } };
  } catch {
    return empty;
  }
}
