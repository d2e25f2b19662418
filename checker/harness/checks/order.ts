// Order assertions with messages that show both sequences side by side.
import { fail } from '../words/explain.ts';

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
    ...(sortedOf(expected, actual)
      ? ['They came back sorted, and the input was not: sorting results by their ids puts them in id order, not in the order they were asked for. Keep each result in the slot of its input (results[i] for input i, or Promise.all over the input).']
      : []),
  );
}

/** True when `actual` is `expected` sorted (numbers by value, the rest as strings) and `expected` itself is not. */
function sortedOf(expected: readonly unknown[], actual: readonly unknown[]): boolean {
  if (expected.length < 2 || actual.length !== expected.length) return false;
  const numeric = expected.every((item) => typeof item === 'number');
  const sorted = [...expected].sort((a, b) => (numeric ? (a as number) - (b as number) : String(a).localeCompare(String(b))));
  const same = (a: readonly unknown[], b: readonly unknown[]) => a.every((item, i) => Object.is(item, b[i]));
  return !same(sorted, expected) && same(sorted, actual);
}

function preview(items: readonly unknown[]): string {
  const shown = items.slice(0, 8).map((item) => JSON.stringify(item) ?? String(item));
  return `[${shown.join(', ')}${items.length > 8 ? `, … (${items.length} in all)` : ''}]`;
}
