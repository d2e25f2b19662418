// Order assertions with messages that show both sequences side by side.
import { fail } from './explain.ts';

export function expectOrder(actual: readonly unknown[], expected: readonly unknown[], what: string): void {
  const same = actual.length === expected.length && actual.every((item, i) => Object.is(item, expected[i]));
  if (same) return;
  const firstDifference = expected.findIndex((item, i) => !Object.is(item, actual[i]));
  const index = firstDifference === -1 ? Math.min(actual.length, expected.length) : firstDifference;
  fail(
    `${what} came back in the wrong order (first difference at position ${index}).`,
    `  expected: ${preview(expected)}`,
    `  got:      ${preview(actual)}`,
    'Results must follow the order of the input, not the order in which the tasks finished.',
  );
}

function preview(items: readonly unknown[]): string {
  const shown = items.slice(0, 8).map((item) => JSON.stringify(item) ?? String(item));
  return `[${shown.join(', ')}${items.length > 8 ? `, … (${items.length} in all)` : ''}]`;
}
