// A correct alternative: a hand-written semaphore whose release hands the connection to the oldest
// waiter on the next turn of the event loop (setImmediate), so a long queue never grows the stack.
import { getProfile, type Profile, type ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

class Semaphore {
  private free: number;
  private readonly waiters: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) setImmediate(next);
    else this.free += 1;
  }
}

export async function getProfiles(userIds: readonly number[], services: ProfileServices, maxQueries: number): Promise<Profile[]> {
  const pool = new Semaphore(maxQueries);
  const pooled: ProfileServices = {
    ...services,
    fetchUser: async (userId, signal) => {
      await pool.acquire();
      try {
        return await services.fetchUser(userId, signal);
      } finally {
        pool.release();
      }
    },
  };
  return await Promise.all(userIds.map((userId) => getProfile(userId, pooled)));
}
