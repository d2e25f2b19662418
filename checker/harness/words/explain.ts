// Failing assertions in this kata teach: they say what the learner's code did, with the numbers,
// and what to look at. `KataError` marks such a message so reporters can show it as is.
export class KataError extends Error {
  override name = 'KataError';
}

/** Throws a teaching failure; `lines` are joined so long explanations stay readable in source. */
export function fail(...lines: string[]): never {
  const error = new KataError(lines.join('\n'));
  // Point the stack (and the runner's code frame) at the assertion that failed, not at this helper.
  Error.captureStackTrace(error, fail);
  throw error;
}

export function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
