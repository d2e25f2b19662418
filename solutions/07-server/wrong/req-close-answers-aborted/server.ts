// Known-wrong (a learner's step 4 attempt): the client leaving is watched on the request's close event,
// which fires once the body has been read; every resize is aborted for a client still waiting, and answered 500.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Piscina } from 'piscina';
import { decodePam, encodePam, ImageFormatError, PAM_CONTENT_TYPE, type RgbaImage } from '../../../../exercises/07-server/pam.ts';
import { PLACEHOLDER_PICTURE, type Cdn, type Database } from '../../../../exercises/07-server/backend.ts';

export interface ServerOptions {
  database: Database;
  cdn: Cdn;
  maxQueries: number;
  profileDeadlineMs: number;
  resizeThreads: number;
  maxWaitingResizes: number;
  maxImageBytes: number;
  host?: string;
  port?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly http: http.Server;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new Server(options).listen();
}

/** A hand-written counting semaphore: at most `max` jobs at once, the rest wait in order; a job whose signal aborts while waiting never starts. */
class Semaphore {
  private running = 0;
  private readonly queue: Array<() => void> = [];
  constructor(private readonly max: number) {}
  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.running >= this.max) {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = this.queue.indexOf(go);
          if (i >= 0) this.queue.splice(i, 1);
          reject(signal!.reason as Error);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.queue.push(go);
      });
    }
    signal?.throwIfAborted();
    this.running++;
    try {
      return await job();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export class Server implements RunningServer {
  readonly http: http.Server;
  private readonly db: Semaphore;
  private readonly pool: Piscina;
  private holding = 0;

  constructor(readonly options: ServerOptions) {
    const n = options.resizeThreads;
    this.pool = new Piscina({ filename: new URL('../../resize.worker.ts', import.meta.url).href, minThreads: n, maxThreads: n });
    this.db = new Semaphore(options.maxQueries);
    this.http = http.createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) json(res, 500, { error: String(err) });
        else res.destroy();
      });
    });
  }

  get url(): string {
    const a = this.http.address() as AddressInfo;
    return `http://${a.address}:${a.port}`;
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen({ host: this.options.host ?? '127.0.0.1', port: this.options.port ?? 0, backlog: 2048 }, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    return this;
  }

  protected async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const controller = new AbortController();
    // the client left: cancel everything
    req.on('close', () => controller.abort(new Error('client left')));
    if (path === '/health') {
      if (req.method !== 'GET') return json(res, 405, { error: 'use GET' });
      return json(res, 200, { status: 'ok' });
    }
    const m = /^\/profile\/([^/]+)$/.exec(path);
    if (m) {
      if (req.method !== 'GET') return json(res, 405, { error: 'use GET' });
      return this.profile(m[1]!, res, controller.signal);
    }
    if (path === '/resize') {
      if (req.method !== 'POST') return json(res, 405, { error: 'use POST' });
      return this.resize(req, res, controller.signal);
    }
    json(res, 404, { error: `no route ${path}` });
  }

  protected async profile(idText: string, res: http.ServerResponse, signal: AbortSignal): Promise<void> {
    const id = Number(idText);
    if (!/^\d+$/.test(idText) || !Number.isSafeInteger(id) || id < 1) return json(res, 400, { error: `bad id ${idText}` });
    // the deadline: abort whatever is still running
    const deadline = AbortSignal.timeout(this.options.profileDeadlineMs); // unref'd by Node itself
    const both = AbortSignal.any([signal, deadline]);
    const rowP = this.db.run(() => this.options.database.queryUser(id, both), both).then(
      (r) => ({ ok: true as const, r }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    const picP = this.options.cdn.fetchPicture(id, both).then(
      (p) => ({ picture: p, pictureProblem: undefined as string | undefined }),
      (e: unknown) => ({ picture: PLACEHOLDER_PICTURE, pictureProblem: String(e) }),
    );
    const [rowR, { picture, pictureProblem }] = await Promise.all([rowP, picP]);
    if (!rowR.ok) return deadline.aborted ? json(res, 504, { error: 'the database took too long' }) : json(res, 500, { error: 'database failed' });
    const row = rowR.r;
    if (!row) return json(res, 404, { error: `no user ${id}` });
    json(res, 200, { id: row.id, name: row.name, picture: Buffer.from(picture).toString('base64'), ...(pictureProblem ? { pictureProblem } : {}) });
  }

  protected async resize(req: http.IncomingMessage, res: http.ServerResponse, signal: AbortSignal): Promise<void> {
    if (this.holding >= this.options.resizeThreads + this.options.maxWaitingResizes) {
      res.setHeader('retry-after', '1');
      res.setHeader('connection', 'close');
      return json(res, 503, { error: 'too many resizes, try again' });
    }
    this.holding++;
    try {
      await this.resizeAdmitted(req, res, signal);
    } finally {
      this.holding--;
    }
  }

  private async resizeAdmitted(req: http.IncomingMessage, res: http.ServerResponse, signal: AbortSignal): Promise<void> {
    const max = this.options.maxImageBytes;
    const tooLarge = () => {
      res.setHeader('connection', 'close');
      json(res, 413, { error: `image larger than ${max} bytes` });
    };
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > max) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > max) return tooLarge();
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    let image: RgbaImage;
    try {
      image = decodePam(body);
    } catch (e) {
      if (e instanceof ImageFormatError) return json(res, 400, { error: e.message });
      throw e;
    }
    {
      const data = (await this.pool.run(image, { transferList: [image.data.buffer as ArrayBuffer], signal })) as Uint8Array;
      const out = encodePam({ width: Math.floor(image.width / 2), height: Math.floor(image.height / 2), data });
      res.writeHead(200, { 'content-type': PAM_CONTENT_TYPE, 'content-length': out.length });
      res.end(out);
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    await this.pool.close();
  }
}
