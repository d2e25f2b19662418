import { describe, expect, it } from 'vitest';
import { stackFrames } from './stack-frames.ts';

describe('stackFrames', () => {
  it('reads files and lines from Linux, macOS and Windows stacks, paths and file URLs alike', () => {
    const stack = [
      'Error: made here',
      '    at make (/home/ada/kata/exercises/01-async-join/join.ts:12:5)',
      '    at file:///home/ada/kata/checker/harness/checks/leaks.ts:40:9',
      '    at run (C:\\Users\\ada\\kata\\exercises\\join.ts:7:3)',
      '    at file:///C:/Users/ada/kata/exercises/join.ts:8:4',
      '    at new Promise (<anonymous>)',
      '    at node:internal/timers:573:17',
    ].join('\n');
    const frames = stackFrames(stack).map(({ line, column }) => [line, column]);
    expect(frames).toEqual([
      [12, 5],
      [40, 9],
      [7, 3],
      [8, 4],
    ]);
    expect(stackFrames(stack)[0]?.file).toBe('/home/ada/kata/exercises/01-async-join/join.ts');
    expect(stackFrames(stack)[2]?.file).toBe('C:\\Users\\ada\\kata\\exercises\\join.ts');
  });

  it('finds nothing in a stack without frames', () => {
    expect(stackFrames(undefined)).toEqual([]);
    expect(stackFrames('Error: no frames')).toEqual([]);
  });
});
