// Known-wrong: deposit() locks a mutex of its own, made fresh on every call, instead of the one it is given.
// Every deposit holds a lock that no other deposit asks for, so none of them keeps another out.
import { Mutex, type Account } from '../../mutex.ts';
export * from '../../mutex.ts';

export async function deposit(account: Account, amount: number, _mutex: Mutex): Promise<void> {
  const mutex = new Mutex();
  await using _guard = await mutex.lock();
  const balance = await account.read();
  await account.write(balance + amount);
}
