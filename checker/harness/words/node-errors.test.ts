import { MessageChannel } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { explainNodeError } from './node-errors.ts';

/** The message Node itself gives for `act`, on this Node version. */
function nodeSays(act: () => void): string {
  try {
    act();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('it did not throw');
}

describe('explainNodeError', () => {
  const { port1 } = new MessageChannel();

  it('explains a typed array (or a SharedArrayBuffer) in transferList: move its .buffer', () => {
    const pixels = new Uint8Array(8);
    expect(explainNodeError(nodeSays(() => port1.postMessage(pixels, [pixels as unknown as ArrayBuffer])))).toMatch(/not a typed array[\s\S]*\.buffer/);
    const shared = new SharedArrayBuffer(8);
    expect(explainNodeError(nodeSays(() => port1.postMessage(shared, [shared as unknown as ArrayBuffer])))).toMatch(/SharedArrayBuffer/);
  });

  it('explains a buffer used after it was moved, whichever way Node words it', () => {
    const buffer = new ArrayBuffer(8);
    port1.postMessage(buffer, [buffer]);
    expect(explainNodeError(nodeSays(() => port1.postMessage(buffer)))).toMatch(/was moved \(transferred\)/);
    expect(explainNodeError(nodeSays(() => new Uint8Array(buffer, 0, 4)))).toMatch(/was moved \(transferred\)/);
  });

  it('explains a function or a promise sent to a thread: only data crosses', () => {
    expect(explainNodeError(nodeSays(() => port1.postMessage(() => 1)))).toMatch(/Only data crosses/);
    expect(explainNodeError(nodeSays(() => port1.postMessage(Promise.resolve())))).toMatch(/Only data crosses/);
  });

  it('explains a request answered twice', () => {
    expect(explainNodeError('Cannot set headers after they are sent to the client')).toMatch(/answered this request twice/);
    expect(explainNodeError('Error [ERR_STREAM_WRITE_AFTER_END]: write after end')).toMatch(/after it had ended it/);
  });

  it('says nothing of other errors, nor twice of one already explained', () => {
    expect(explainNodeError('TypeError: x is not a function')).toBeUndefined();
    const once = `Found invalid object in transferList\n${explainNodeError('Found invalid object in transferList') ?? ''}`;
    expect(explainNodeError(once)).toBeUndefined();
  });

  afterAll(() => port1.close());
});
