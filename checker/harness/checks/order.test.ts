import { describe, expect, it } from 'vitest';
import { expectOrder } from './order.ts';
import { collectUnhandledRejections } from './unhandled.ts';

describe('expectOrder', () => {
  it('accepts the same sequence', () => {
    expect(() => expectOrder([1, 2, 3], [1, 2, 3], 'results')).not.toThrow();
  });

  it('shows both sequences and where they first differ', () => {
    expect(() => expectOrder(['b', 'a'], ['a', 'b'], 'results')).toThrow(/wrong order \(first difference at position 0\)[\s\S]*expected: \["a", "b"\][\s\S]*got: +\["b", "a"\]/);
  });

  it('reports a missing tail as a difference', () => {
    expect(() => expectOrder([1], [1, 2], 'results')).toThrow('position 1');
  });

  it('says so when the results came back sorted and the input was not (numbers by value)', () => {
    expect(() => expectOrder([3, 7, 42], [42, 7, 3], 'outcomes')).toThrow(/They came back sorted, and the input was not/);
    expect(() => expectOrder([7, 3, 42], [42, 7, 3], 'outcomes')).not.toThrow(/sorted/);
    // An input that was sorted to begin with: "sorted" explains nothing.
    expect(() => expectOrder([2, 1], [1, 2], 'outcomes')).not.toThrow(/sorted/);
  });
});

describe('collectUnhandledRejections', () => {
  it('catches a rejection nobody handled, without failing the run', async () => {
    const caught = await collectUnhandledRejections(async () => {
      void Promise.reject(new Error('forgotten'));
      await Promise.resolve();
    });
    expect(caught.map((e) => (e as Error).message)).toEqual(['forgotten']);
  });

  it('finds nothing when every rejection is handled', async () => {
    const caught = await collectUnhandledRejections(async () => {
      await Promise.reject(new Error('handled')).catch(() => undefined);
    });
    expect(caught).toEqual([]);
  });
});
