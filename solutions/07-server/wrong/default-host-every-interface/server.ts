// Known-wrong variant: listen() passes options.host on as it is, with no default: given no host, Node
// listens on ::, every network interface, though the options say 127.0.0.1 unless told otherwise (and
// the url, written for the loopback, says so too).
import type { AddressInfo } from 'node:net';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class NoDefaultHost extends Reference {
  override async listen(): Promise<this> {
    const { host, port = 0 } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen({ host, port, backlog: 2048 }, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    this.url = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
    return this;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new NoDefaultHost(options).listen();
}
