// A correct alternative: a ticket lock, as at a deli counter. lock() draws the next ticket number;
// the holder's release() calls the next number. Tickets make the order first come, first served.
import type { MutexGuard } from '../../mutex.ts';
export * from '../../mutex.ts';

export class Mutex {
  #nextTicket = 0;
  #nowServing = 0;
  #held = false;
  readonly #called = new Map<number, () => void>();

  get locked(): boolean {
    return this.#held;
  }

  get waiting(): number {
    return this.#called.size;
  }

  lock(): Promise<MutexGuard> {
    const ticket = this.#nextTicket++;
    if (ticket === this.#nowServing && !this.#held) return Promise.resolve(this.#serve());
    return new Promise((resolve) => this.#called.set(ticket, () => resolve(this.#serve())));
  }

  #serve(): MutexGuard {
    this.#held = true;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#nowServing++;
      const next = this.#called.get(this.#nowServing);
      if (next) {
        // Still held: it passes straight to the next ticket, nobody can come in between.
        this.#called.delete(this.#nowServing);
        next();
      } else {
        this.#held = false;
      }
    };
    return { release, [Symbol.dispose]: release, [Symbol.asyncDispose]: () => Promise.resolve(release()) };
  }
}
