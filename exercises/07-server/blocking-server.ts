// The baseline the tests measure your server against: you do not need to change it.
// The same GET /health and POST /resize, written the way a server looks before exercise 03: the
// resize runs right in the request handler, on the event loop. The tests put the same load on it and
// on your server, at the same moment on the same machine, and compare how long /health takes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { downscale } from '../03-offload-cpu/image.ts';
import { decodePam, encodePam } from './pam.ts';

export interface BlockingServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startBlockingServer(): Promise<BlockingServer> {
  const server = http.createServer((req, res) => {
    if (req.url === '/health') {
      res.end('{"status":"ok"}');
      return;
    }
    if (req.method !== 'POST' || req.url !== '/resize') {
      res.statusCode = 404;
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        // The mistake this baseline exists for: CPU work on the thread that answers everyone.
        const body = encodePam(downscale(decodePam(Buffer.concat(chunks))));
        res.writeHead(200, { 'content-length': body.byteLength });
        res.end(body);
      } catch (error) {
        res.statusCode = 400;
        res.end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 2048 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
