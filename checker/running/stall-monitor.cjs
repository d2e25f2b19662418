// Runs on a thread of its own inside every test process (started by checker/running/test-process.mjs). When
// the main thread has not ticked for `stallMs` (an endless loop, a deadlock in Atomics.wait, a
// microtask loop that starves timers), it asks V8's inspector to pause the main thread for a moment,
// writes where it was busy to `<dir>/stall.json`, and lets it go on. The checker's watchdog, outside
// the process, reads that file when it stops the process, so the learner is told where their code
// was stuck. Plain CommonJS: it must load without the TypeScript loader.
'use strict';
const { workerData } = require('node:worker_threads');
const { Session } = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const { beat, origin, dir, stallMs } = workerData;
let captured = false;

setInterval(() => {
  const stalled = Date.now() - (origin + Atomics.load(beat, 0));
  if (stalled < stallMs) {
    captured = false;
    return;
  }
  if (captured) return;
  captured = true;
  capture(stalled);
}, 250);

function capture(stalledMs) {
  const session = new Session();
  try {
    session.connectToMainThread();
  } catch {
    return;
  }
  const done = () => session.post('Debugger.resume', () => session.post('Debugger.disable', () => session.disconnect()));
  session.once('Debugger.paused', ({ params }) => {
    const frames = params.callFrames.slice(0, 20).map((frame) => ({
      functionName: frame.functionName,
      url: frame.url,
      line: frame.location.lineNumber + 1,
      column: (frame.location.columnNumber ?? 0) + 1,
    }));
    const top = params.callFrames[0];
    const write = (stack) => {
      try {
        fs.writeFileSync(path.join(dir, 'stall.json'), JSON.stringify({ stalledMs, frames, stack }));
      } finally {
        done();
      }
    };
    if (!top) return write(undefined);
    // Asked on the paused thread itself, the stack goes through the test runner's source maps.
    session.post('Debugger.evaluateOnCallFrame', { callFrameId: top.callFrameId, expression: 'new Error().stack', returnByValue: true, silent: true }, (error, result) =>
      write(error ? undefined : result?.result?.value),
    );
  });
  session.post('Debugger.enable', () => session.post('Debugger.pause'));
}
