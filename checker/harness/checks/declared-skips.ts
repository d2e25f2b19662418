// The only reasons a kata test may be skipped. A step earns its points only when every one of its
// tests ran and passed, or was skipped for one of these reasons. The checker re-checks the reason's
// condition itself (in its own process, on the same machine), so a skip with a copied note on a
// machine where the condition does not hold still fails its step: `ctx.skip()` from a learner's
// file, `.skip`, `.only` or `.todo` can never earn points.
//
//   it('is faster on every core', async (ctx) => {
//     skipFor(ctx, 'one-core', `this machine has 1 core: …`);   // returns only if the reason does not hold
//   });
//
// This module imports only Node built-ins (and the harness's CPU clock), so the checker can load it.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { threadCpuMs } from '../threads/work-log.ts';

export const DECLARED_SKIPS = {
  /** Parallel speed-up cannot exist with one core: threads take turns. */
  'one-core': () => os.availableParallelism() < 2,
  /**
   * Where the kernel reports no per-thread CPU time (not Linux), a speed-up is measured on wall clocks
   * beside bare threads; when even bare threads gain nothing (the machine is busy), there is nothing
   * to compare with. On Linux the CPU-time verdict never needs this.
   */
  'busy-machine-without-thread-clock': () => threadCpuMs() === undefined,
  /**
   * The kernel holds a server's connections not accepted yet up to the listen backlog and never more
   * than its own limit (Linux: net.core.somaxconn; elsewhere it cannot be read here): below a thousand,
   * no backlog can hold a thousand connections that arrive at once, and there is nothing to judge.
   */
  'small-listen-queue': () => !(listenQueueLimit() >= 1024),
} as const satisfies Record<string, () => boolean>;

export type DeclaredSkip = keyof typeof DECLARED_SKIPS;

/** net.core.somaxconn on Linux; NaN where it cannot be read. */
export function listenQueueLimit(): number {
  try {
    return Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
  } catch {
    return Number.NaN;
  }
}

const NOTE = /^\[kata:([a-z-]+)\] ([\s\S]*)$/;

interface SkipContext {
  skip(note?: string): never;
}

/** Skips the running test for a declared reason when its condition holds here; otherwise returns. */
export function skipFor(ctx: SkipContext, reason: DeclaredSkip, explanation: string): void {
  if (DECLARED_SKIPS[reason]()) ctx.skip(`[kata:${reason}] ${explanation}`);
}

export interface SkipVerdict {
  /** True when the note names a declared reason and its condition holds on this machine. */
  declared: boolean;
  /** What a learner reads: the explanation without the marker. */
  explanation: string;
}

/** Judges a skipped test's note (see `skipFor`). */
export function judgeSkip(note: string | undefined): SkipVerdict {
  const match = NOTE.exec(note ?? '');
  const reason = match?.[1];
  if (!match || !reason || !(reason in DECLARED_SKIPS)) return { declared: false, explanation: note ?? '' };
  return { declared: DECLARED_SKIPS[reason as DeclaredSkip](), explanation: match[2] ?? '' };
}
