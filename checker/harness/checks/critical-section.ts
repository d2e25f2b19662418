// A critical-section monitor: judges a lock while it runs, not by the end state. Every task says when
// it asked for the lock, when it got it and when it let go; the monitor records two rules as they break:
// - never two inside: a grant while somebody else still holds the lock;
// - first come, first served: a grant to anyone but the oldest task still waiting.
// An end state can be right by luck (the balance happens to add up); these rules cannot.
import { Timeline, type Interval } from '../time/timeline.ts';

export interface Ticket {
  readonly label: string;
  /** Call when the lock is yours (lock() resolved). */
  granted(): void;
  /** Call when you let go (release, dispose). A second call is ignored. */
  released(): void;
}

export interface Violation {
  rule: 'two inside' | 'out of order';
  atMs: number;
  /** In a learner's words: "B got the lock at 5 ms while A still held it". */
  text: string;
  /** 'two inside': how many times anyone let go between the entrant's ask and its grant (0: it never waited for a release). */
  releasesSinceAsked?: number;
}

interface Request {
  label: string;
  askedAt: number;
  /** The monitor's count of releases when this task asked. */
  releasesAtAsk: number;
  grantedAt?: number;
  releasedAt?: number;
}

export class CriticalSectionMonitor {
  readonly timeline: Timeline;
  /** The same intervals on a clock that ticks once per ask, grant and release: the order of events. */
  private readonly order: Timeline;
  private events = 0;
  readonly violations: Violation[] = [];
  /** Labels in the order they asked, and in the order they got the lock. */
  readonly asked: string[] = [];
  readonly grants: string[] = [];
  private readonly waiting: Request[] = [];
  private readonly holders = new Set<Request>();
  private peakHolders = 0;
  private releases = 0;

  constructor(clock: () => number = () => performance.now()) {
    this.timeline = new Timeline(clock);
    this.order = new Timeline(() => this.events);
  }

  /** Starts an interval on both clocks. */
  private begin(label: string): (outcome?: Interval['outcome']) => void {
    const onTime = this.timeline.begin(label);
    const inOrder = this.order.begin(label);
    return (outcome) => {
      onTime(outcome);
      inOrder(outcome);
    };
  }

  /** Call when a task calls lock(). */
  ask(label: string): Ticket {
    const request: Request = { label, askedAt: this.timeline.now(), releasesAtAsk: this.releases };
    this.events++;
    this.asked.push(label);
    this.waiting.push(request);
    let endWait: ((outcome?: Interval['outcome']) => void) | undefined = this.begin(`${label} waits`);
    let endHold: ((outcome?: Interval['outcome']) => void) | undefined;
    return {
      label,
      granted: () => {
        if (request.grantedAt !== undefined) return;
        const now = this.timeline.now();
        request.grantedAt = now;
        this.events++;
        endWait?.();
        endWait = undefined;
        endHold = this.begin(`${label} holds`);
        this.grants.push(label);
        const oldest = this.waiting[0];
        if (oldest && oldest !== request) {
          this.violations.push({
            rule: 'out of order',
            atMs: now,
            text: `${label} got the lock at ${fmt(now)} (asked at ${fmt(request.askedAt)}) while ${oldest.label} had been waiting since ${fmt(oldest.askedAt)}`,
          });
        }
        this.waiting.splice(this.waiting.indexOf(request), 1);
        for (const holder of this.holders) {
          this.violations.push({
            rule: 'two inside',
            atMs: now,
            text: `${label} got the lock at ${fmt(now)} while ${holder.label} still held it (since ${fmt(holder.grantedAt ?? 0)})`,
            releasesSinceAsked: this.releases - request.releasesAtAsk,
          });
        }
        this.holders.add(request);
        this.peakHolders = Math.max(this.peakHolders, this.holders.size);
      },
      released: () => {
        if (request.grantedAt === undefined || request.releasedAt !== undefined) return;
        request.releasedAt = this.timeline.now();
        this.events++;
        this.releases++;
        this.holders.delete(request);
        endHold?.();
      },
    };
  }

  /** The most tasks that held the lock at the same time. */
  get peak(): number {
    return this.peakHolders;
  }

  /** Tasks that asked and have not got the lock yet. */
  get stillWaiting(): readonly string[] {
    return this.waiting.map((r) => r.label);
  }

  /** Tasks holding the lock right now. */
  get holding(): readonly string[] {
    return [...this.holders].map((r) => r.label);
  }

  first(rule: Violation['rule']): Violation | undefined {
    return this.violations.find((v) => v.rule === rule);
  }

  /**
   * Who waited and who held the lock, over time; when everything happened at one instant (no time
   * passed), in the order it happened instead, one column per event.
   */
  draw(maxRows = 12): string {
    const span = Math.max(0, ...this.timeline.intervals.map((i) => (i.end ?? this.timeline.now()) - i.start));
    if (span > 0) return this.timeline.draw({ maxRows });
    return ['  (all at the same instant; drawn in the order it happened, one step per ask, grant or release)', this.order.draw({ maxRows, unit: '' })].join('\n');
  }
}

/** Minimal shape of a mutex this monitor can watch from outside. */
export interface LockLike<G> {
  lock(): Promise<G>;
}

/**
 * Watches a mutex from the outside, for code under test that uses it (a `deposit` given the mutex):
 * patches this one instance's `lock()` so every call asks the monitor, every grant is seen just before
 * the caller continues, and the guard's release/dispose report the exit. Adds no extra await to the
 * caller's path. Returns a function that removes the patch.
 */
export function monitorMutex<G extends object>(mutex: LockLike<G>, monitor: CriticalSectionMonitor, label = (n: number) => `lock #${n}`): () => void {
  const own = mutex as unknown as Record<string, unknown>;
  const hadOwn = Object.prototype.hasOwnProperty.call(own, 'lock');
  const previous = own.lock;
  const original = mutex.lock.bind(mutex);
  let calls = 0;
  own.lock = () => {
    const ticket = monitor.ask(label(++calls));
    const promise = original();
    // Attached before the caller's await, so it runs first: the grant is recorded before the caller goes on.
    promise.then(
      (guard) => {
        ticket.granted();
        reportRelease(guard, ticket);
      },
      () => undefined,
    );
    return promise;
  };
  return () => {
    if (hadOwn) own.lock = previous;
    else delete own.lock;
  };
}

function reportRelease(guard: object, ticket: Ticket): void {
  const methods: (string | symbol)[] = ['release', Symbol.dispose, Symbol.asyncDispose];
  const target = guard as Record<string | symbol, unknown>;
  for (const name of methods) {
    const method = target[name];
    if (typeof method !== 'function') continue;
    try {
      target[name] = function (this: unknown, ...args: unknown[]) {
        ticket.released();
        return (method as (...a: unknown[]) => unknown).apply(this ?? guard, args);
      };
    } catch {
      // A frozen guard: its release cannot be seen from outside (the monitor then sees no exit).
    }
  }
}

function fmt(msValue: number): string {
  return `${Math.round(msValue)} ms`;
}
