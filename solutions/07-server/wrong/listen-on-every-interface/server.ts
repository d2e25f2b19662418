// Known-wrong variant: listen() ignores options.host and listens on 0.0.0.0, every network interface of
// the machine, while its url says 127.0.0.1: the tests reach it there, and so does anyone on the network.
import type { AddressInfo } from 'node:net';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class EveryInterface extends Reference {
  override async listen(): Promise<this> {
    const { port = 0 } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen({ host: '0.0.0.0', port, backlog: 2048 }, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    this.url = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
    return this;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new EveryInterface(options).listen();
}
