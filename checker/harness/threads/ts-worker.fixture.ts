// A worker file for ts-worker.test.ts: TypeScript syntax on purpose (types, an enum), so it only runs
// if tsx is registered in the thread. It echoes workerData, then doubles every byte it is sent (moved back).
import { parentPort, threadId, workerData } from 'node:worker_threads';

enum Kind {
  Ready = 'ready',
  Doubled = 'doubled',
}

const data: unknown = workerData;
if ((data as { fail?: boolean } | null)?.fail) throw new RangeError('the fixture was asked to fail');
parentPort!.postMessage({ kind: Kind.Ready, threadId, workerData: data });
parentPort!.on('message', (bytes: Uint8Array) => {
  for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! * 2;
  parentPort!.postMessage({ kind: Kind.Doubled, bytes }, [bytes.buffer as ArrayBuffer]);
});
