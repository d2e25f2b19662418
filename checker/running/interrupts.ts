// What the checker does when it is interrupted: Ctrl-C, a closed terminal (SIGHUP) or a `kill`
// (SIGTERM). The handler pushed last runs (watch mode pushes its own while it owns the terminal, so it
// can restore it); without one, every test process is ended (one may be stuck in a learner's endless
// loop) and the checker exits 130, whatever the command.
import { killAllTestProcesses } from './kata-pool.ts';

export const INTERRUPTED = 130;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type InterruptSignal = (typeof SIGNALS)[number];
type InterruptHandler = (signal: InterruptSignal) => void;
const handlers: InterruptHandler[] = [];

export function handleInterrupts(): void {
  for (const signal of SIGNALS) process.on(signal, () => onInterrupt(signal));
}

/** Makes `handler` the one that runs on an interrupt (told which signal came), until the returned function is called. */
export function pushInterruptHandler(handler: InterruptHandler): () => void {
  handlers.push(handler);
  return () => {
    const index = handlers.lastIndexOf(handler);
    if (index !== -1) handlers.splice(index, 1);
  };
}

function onInterrupt(signal: InterruptSignal): void {
  const handler = handlers.at(-1);
  if (handler) {
    handler(signal);
    return;
  }
  killAllTestProcesses();
  process.exit(INTERRUPTED);
}
