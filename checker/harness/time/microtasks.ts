// Lets every promise that can settle *without time passing* settle: no timer, no setImmediate, only
// microtasks. Under fake timers that never advance, whatever is still pending afterwards is waiting
// for a timer (polling) or for something that will never happen (a missed wake-up).
//
// Each round awaits an already-resolved promise, so it queues behind every microtask queued before it:
// after `rounds` rounds, any chain of up to `rounds` promise hops has run to its end.
export async function flushMicrotasks(rounds = 200): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
