// What the checker does when it is interrupted: Ctrl-C, a closed terminal (SIGHUP) or a `kill`
// (SIGTERM). The handler pushed last runs (watch mode pushes its own while it owns the terminal, so it
// can restore it); without one, every test process is ended (one may be stuck in a learner's endless
// loop) and the checker exits 128 + the signal's number, as a shell reports a process that signal
// ended: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP, whatever the command. A script (or CI) can
// tell a Ctrl-C from a kill.
import os from 'node:os';
import { killAllTestProcesses } from './kata-pool.ts';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type InterruptSignal = (typeof SIGNALS)[number];

/** The exit code for an interrupt by `signal`: 128 + its number (SIGINT 130, SIGTERM 143, SIGHUP 129). */
export function interruptedBy(signal: InterruptSignal): number {
  return 128 + os.constants.signals[signal];
}

type InterruptHandler = (signal: InterruptSignal) => void;
const handlers: InterruptHandler[] = [];

export function handleInterrupts(): void {
  for (const signal of SIGNALS) process.on(signal, () => interrupt(signal));
}

/** Makes `handler` the one that runs on an interrupt (told which signal came), until the returned function is called. */
export function pushInterruptHandler(handler: InterruptHandler): () => void {
  handlers.push(handler);
  return () => {
    const index = handlers.lastIndexOf(handler);
    if (index !== -1) handlers.splice(index, 1);
  };
}

/** Handles an interrupt: a signal, or a Ctrl-C typed where the terminal is in raw mode (a y/N question). */
export function interrupt(signal: InterruptSignal): void {
  const handler = handlers.at(-1);
  if (handler) {
    handler(signal);
    return;
  }
  killAllTestProcesses();
  process.exit(interruptedBy(signal));
}
