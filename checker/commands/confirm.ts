// A yes/no question on the terminal. Without a terminal nobody can answer, so the answer is no.
import { createInterface } from 'node:readline/promises';

export async function confirm(question: string, interactive: boolean): Promise<boolean> {
  if (!interactive) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
