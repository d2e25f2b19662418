// Catches unhandled promise rejections that happen while `body` runs, so a test can explain them
// ("a promise rejected and nobody was listening") instead of the runner failing the whole file.
export async function collectUnhandledRejections(body: () => Promise<void>): Promise<unknown[]> {
  const caught: unknown[] = [];
  const previous = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  const listener = (reason: unknown) => caught.push(reason);
  process.on('unhandledRejection', listener);
  try {
    await body();
    // Node reports unhandled rejections after the microtask queue drains: give it two turns.
    for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', listener);
    for (const restore of previous) process.on('unhandledRejection', restore);
  }
  return caught;
}
