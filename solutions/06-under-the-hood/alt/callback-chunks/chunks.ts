// A correct alternative: no async/await; each next chunk is scheduled with setImmediate from inside the
// previous one, and the promise is settled by hand (a throw in any chunk rejects it and stops the run).
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function runInChunks(total: number, chunkSize: number, work: (start: number, end: number) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (!Number.isInteger(total) || total < 0) return reject(new RangeError(`total must be a whole number >= 0, got ${total}`));
    if (!Number.isInteger(chunkSize) || chunkSize < 1) return reject(new RangeError(`chunkSize must be a whole number >= 1, got ${chunkSize}`));
    const chunk = (start: number) => {
      if (start >= total) return resolve();
      const end = Math.min(total, start + chunkSize);
      try {
        work(start, end);
      } catch (error) {
        // The chunk's own error, whatever it is: runInChunks() rejects with exactly that.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        return reject(error);
      }
      if (end >= total) return resolve();
      setImmediate(chunk, end);
    };
    chunk(0);
  });
}
