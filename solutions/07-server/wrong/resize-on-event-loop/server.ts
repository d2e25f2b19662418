// Known-wrong: the resize runs in the request handler, on the event loop. `async` changes nothing:
// while downscale() runs, the server answers nobody, /health included.
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class OnTheEventLoop extends Reference {
  // eslint-disable-next-line @typescript-eslint/require-await -- the mistake itself: an async function that never awaits
  protected override async runResize(image: RgbaImage): Promise<Uint8Array> {
    return downscale(image).data;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new OnTheEventLoop(options).listen();
}
