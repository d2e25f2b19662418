// How an error that failed a test reads in the verdict (checker/running/runner.ts, formatError).
import { describe, expect, it } from 'vitest';
import { formatError } from '../checker/running/runner.ts';

describe('formatError', () => {
  it("adds what Node's own words mean to an error that reached the verdict raw", () => {
    const said = formatError({ name: 'TypeError', message: 'Found invalid object in transferList' });
    expect(said).toMatch(/^TypeError: Found invalid object in transferList\nNode says this when `transferList`/);
  });

  it("adds nothing to a test's own failure, which already says what the error means for it", () => {
    const message = 'echo() rejected with Error: () => undefined could not be cloned.: expected Error to be DataCloneError';
    expect(formatError({ name: 'AssertionError', message })).toBe(`AssertionError: ${message}`);
    expect(formatError({ name: 'KataError', message: 'resize() rejected with DataCloneError: #<Promise> could not be cloned.' })).not.toMatch(/Only data crosses/);
  });
});
