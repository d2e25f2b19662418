// Known-wrong: the deposit never takes the mutex. One thread, yet every task reads the same old balance.
import type { Account, Mutex } from '../../mutex.ts';
export * from '../../mutex.ts';

export async function deposit(account: Account, amount: number, _mutex: Mutex): Promise<void> {
  const balance = await account.read();
  await account.write(balance + amount);
}
