import { describe, expect, it } from 'vitest';
import { KataError } from '../words/explain.ts';
import { expectOwnError } from './own-error.ts';

const message = (run: () => void): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KataError);
    return (error as Error).message;
  }
  throw new Error('expected a failure');
};

describe('expectOwnError', () => {
  const original = new TypeError('image CDN is down');
  const base = { expected: original, happened: 'The image failed with TypeError: image CDN is down', gave: 'loadBoth rejected with' };

  it('passes for the very error, and for a falsy reason that is the very reason', () => {
    expectOwnError({ ...base, got: original });
    expectOwnError({ ...base, expected: undefined, got: undefined });
  });

  it('names a copy with the same message as a copy', () => {
    const text = message(() => expectOwnError({ ...base, got: new TypeError('image CDN is down') }));
    expect(text).toContain('loadBoth rejected with TypeError: image CDN is down, an error with the same message, but not that error');
    expect(text).toContain('prints the same but is another error');
  });

  it('names a wrapper that holds the error as its cause', () => {
    const text = message(() => expectOwnError({ ...base, got: new Error('loading failed', { cause: original }) }));
    expect(text).toContain('a new error that holds it as its cause');
  });

  it('says what came out when it is something else entirely', () => {
    const text = message(() => expectOwnError({ ...base, got: undefined }));
    expect(text).toContain('loadBoth rejected with undefined.');
    expect(text).not.toContain('prints the same');
  });
});
