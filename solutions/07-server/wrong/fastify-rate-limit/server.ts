// Known-wrong: the fastify server with @fastify/rate-limit as its admission control (max
// resizeThreads + maxWaitingResizes per second, refused with 503 and Retry-After). A rate limit counts
// arrivals per time window, not the resizes in the server: resizes that take longer than the window
// pile up past the limit, and a server with free threads refuses resizes that arrive in a busy second.
import type http from 'node:http';
import Fastify, { type FastifyReply } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import pLimit from 'p-limit';
import { Piscina } from 'piscina';
import { PLACEHOLDER_PICTURE, type Cdn, type Database, type UserRow } from '../../../../exercises/07-server/backend.ts';
import { ImageFormatError, PAM_CONTENT_TYPE, decodePam, encodePam, type RgbaImage } from '../../../../exercises/07-server/pam.ts';

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

const WORKER = new URL('../../resize.worker.ts', import.meta.url).href;

const CLIENT_GONE = new Error('the client left');
const DEADLINE = new Error('deadline');
const ANSWERED = new Error('answered');

/** The request's controller: aborted when its client leaves, and once its handler is over. */
function controllerOf(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort(reply.raw.writableFinished ? ANSWERED : CLIENT_GONE));
  return controller;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { host = '127.0.0.1', port = 0, resizeThreads, maxWaitingResizes, maxImageBytes, profileDeadlineMs } = options;
  const queries = pLimit(options.maxQueries);
  const pool = new Piscina<RgbaImage, Uint8Array>({ filename: WORKER, minThreads: resizeThreads, maxThreads: resizeThreads });
  const app = Fastify({ bodyLimit: maxImageBytes });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.get('/health', () => ({ status: 'ok' }));

  app.get<{ Params: { id: string } }>('/profile/:id', async (request, reply) => {
    const idText = request.params.id;
    if (!/^[1-9]\d{0,8}$/.test(idText)) return reply.code(400).send({ error: `"${idText}" is not a user id` });
    const id = Number(idText);
    const controller = controllerOf(reply);
    const { signal } = controller;
    const timer = setTimeout(() => controller.abort(DEADLINE), profileDeadlineMs);
    try {
      const picture = options.cdn.fetchPicture(id, signal).then(
        (bytes) => ({ bytes, problem: undefined as unknown }),
        (problem: unknown) => ({ bytes: PLACEHOLDER_PICTURE, problem }),
      );
      let user: UserRow | undefined;
      try {
        user = await queries(() => {
          signal.throwIfAborted();
          return options.database.queryUser(id, signal);
        });
      } catch (error) {
        if (signal.reason === CLIENT_GONE) return reply;
        if (signal.reason === DEADLINE) return reply.code(504).send({ error: `no row within ${profileDeadlineMs} ms` });
        throw error;
      }
      if (!user) return reply.code(404).send({ error: `there is no user ${id}` });
      const { bytes, problem } = await picture;
      if (signal.reason === CLIENT_GONE) return reply;
      return reply.send({
        id: user.id,
        name: user.name,
        picture: Buffer.from(bytes).toString('base64'),
        ...(problem === undefined ? {} : { pictureProblem: describeProblem(problem) }),
      });
    } finally {
      clearTimeout(timer);
      controller.abort(ANSWERED);
    }
  });

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => Object.assign(new Error(`busy: try again in ${context.after}`), { statusCode: 503 }),
  });
  app.post('/resize', {
    // The mistake: so many resizes per second, whatever is still in the server.
    config: { rateLimit: { max: resizeThreads + maxWaitingResizes, timeWindow: 1000 } },
    handler: async (request, reply) => {
      const controller = controllerOf(reply);
      try {
        let image: RgbaImage;
        try {
          image = decodePam(request.body as Buffer);
        } catch (error) {
          if (error instanceof ImageFormatError) return reply.code(400).send({ error: error.message });
          throw error;
        }
        const pixels = await pool.run(image, { transferList: [image.data.buffer as ArrayBuffer], signal: controller.signal });
        return reply.type(PAM_CONTENT_TYPE).send(Buffer.from(encodePam({ width: Math.floor(image.width / 2), height: Math.floor(image.height / 2), data: pixels })));
      } catch (error) {
        if (controller.signal.reason === CLIENT_GONE) return reply;
        throw error;
      } finally {
        controller.abort(ANSWERED);
      }
    },
  });

  // A known path with another method is 405; anything else 404.
  const methods: Record<string, string> = { '/health': 'GET', '/resize': 'POST' };
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = methods[path] ?? (/^\/profile\/[^/]+$/.test(path) ? 'GET' : undefined);
    if (allowed !== undefined && allowed !== request.method) return reply.code(405).header('allow', allowed).send({ error: `use ${allowed} for ${path}` });
    return reply.code(404).send({ error: `there is no ${request.method} ${path}` });
  });

  try {
    await app.listen({ host, port, backlog: 2048 });
  } catch (error) {
    await pool.destroy();
    throw error;
  }
  const address = app.server.address();
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    http: app.server,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await pool.close();
      })()),
  };
}

function describeProblem(problem: unknown): string {
  return problem instanceof Error ? `${problem.name}: ${problem.message}` : String(problem);
}
