// Known-wrong: release() is only reached when nothing throws; a failed write keeps the lock forever.
import type { Account, Mutex } from '../../mutex.ts';
export * from '../../mutex.ts';

export async function deposit(account: Account, amount: number, mutex: Mutex): Promise<void> {
  const guard = await mutex.lock();
  const balance = await account.read();
  await account.write(balance + amount);
  guard.release();
}
