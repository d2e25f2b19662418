// Known-wrong: a new worker pool for every resize, so every request pays for starting a thread.
import { Piscina } from 'piscina';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

const WORKER = new URL('../../resize.worker.ts', import.meta.url).href;

class PoolPerRequest extends Reference {
  protected override async runResize(image: RgbaImage, signal: AbortSignal): Promise<Uint8Array> {
    const pool = new Piscina<RgbaImage, Uint8Array>({ filename: WORKER, maxThreads: 1 });
    try {
      return await pool.run(image, { transferList: [image.data.buffer as ArrayBuffer], signal });
    } finally {
      await pool.close();
    }
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new PoolPerRequest(options).listen();
}
