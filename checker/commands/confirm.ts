// A yes/no question on the terminal. Without a terminal nobody can answer, so the answer is no.
import { createInterface } from 'node:readline/promises';
import { interrupt } from '../running/interrupts.ts';

export async function confirm(question: string, interactive: boolean): Promise<boolean> {
  if (!interactive) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  // The question holds the terminal in raw mode, so Ctrl-C comes as a key, not a SIGINT: it interrupts
  // the checker as the signal would (exit 130), instead of rejecting the question with an AbortError.
  rl.on('SIGINT', () => {
    process.stdout.write('\n');
    interrupt('SIGINT');
  });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
