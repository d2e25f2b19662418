// The workshop room: a small HTTP server on the facilitator's laptop. Learners' checkers join with the
// code on the board and post a verdict event after every run; the page (GET /) shows the room live
// over server-sent events; the export gives it back as CSV or JSON.
//
// Built on fastify 5 rather than node:http by hand: routing, JSON-schema validation of every body
// (ajv), per-route body limits, proto-poisoning-safe JSON parsing and a clean close come with it,
// and the official plugins add rate limiting (@fastify/rate-limit) and server-sent events
// (@fastify/sse). All three are maintained by the fastify team, typed, and small. (@fastify/sse is
// held at 0.4: later releases declare Node.js >= 20.20.2, above the kata's 20.19.)
//
// It listens on a shared network, so it trusts nothing a request says: the join code gates joining,
// a random token per learner (stored only as a hash) gates posting as that learner, bodies are
// schema-checked and capped, senders are rate-limited, the page and the export need the
// facilitator's key, and the page builds every name with textContent under a strict CSP. Nothing
// from a request reaches a path or a shell: the log's folder comes from the command line.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import rateLimit from '@fastify/rate-limit';
import sse, { type SSEReplyInterface } from '@fastify/sse';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { RoomLog, type LogRecord } from './log-store.ts';
import {
  JOIN_CODE_ALPHABET,
  LIMITS,
  eventsRequestSchema,
  joinRequestSchema,
  nameKey,
  normalizeName,
  viewQuerySchema,
  type EventsRequest,
  type EventsResponse,
  type JoinRequest,
  type JoinResponse,
} from './protocol.ts';
import { toCsv, toJson } from './room-export.ts';
import { RoomState, type ExerciseInfo, type RoomView } from './room-state.ts';

export const DEFAULT_PORT = 4321;
export const DEFAULT_STUCK_AFTER_MS = 5 * 60_000;

export interface RateLimits {
  /**
   * Join attempts per minute from one address: a guessed code gets nowhere at this pace (2^30 codes:
   * years), and a whole room joining at once through one forwarded port, retries and all, gets in.
   */
  joinsPerMinute: number;
  /** Posts per 10 seconds from one learner (the client batches: one post per verdict at most). */
  postsPer10s: number;
  /** Page, stream and export requests per minute from one address. */
  viewsPerMinute: number;
}

export const DEFAULT_LIMITS: RateLimits = { joinsPerMinute: 120, postsPer10s: 40, viewsPerMinute: 120 };

export interface RoomServerOptions {
  /** The folder of the room's log (from the command line; never from a request). */
  dir: string;
  exercises: readonly ExerciseInfo[];
  host?: string;
  port?: number;
  stuckAfterMs?: number;
  /** Start a new room: an existing log is moved aside, not continued. */
  fresh?: boolean;
  limits?: Partial<RateLimits>;
  /** Addresses learners reach the room at besides this machine's own (a forwarded port's, `https://…`). */
  publicAddresses?: readonly string[];
  /** Told of every join, for the facilitator's terminal. */
  onJoin?: (name: string, rejoined: boolean, learners: number) => void;
  now?: () => number;
}

export interface RoomServer {
  code: string;
  key: string;
  port: number;
  /** The address the server listens on, usable from this machine: `http://127.0.0.1:4321`. */
  localUrl: string;
  /** The facilitator's page, with its key. */
  pageUrl: string;
  state: RoomState;
  /** Log lines that could not be read at start (a torn line after a crash): skipped. */
  unreadable: number;
  setAside: string | undefined;
  logFile: string;
  /** Where learners reach the room, `192.168.1.20:4321` (each network interface). */
  addresses: string[];
  view(): PageView;
  close(): Promise<void>;
}

/** What the page receives: the room, plus the join line to show on a projector. */
export interface PageView extends RoomView {
  join: { code: string; addresses: string[] };
}

const PAGE_DIR = new URL('./page/', import.meta.url);
const readPage = (file: string) => readFileSync(new URL(file, PAGE_DIR), 'utf8');

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

export async function startRoom(options: RoomServerOptions): Promise<RoomServer> {
  const now = options.now ?? Date.now;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const state = new RoomState(options.exercises, options.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS);
  const opened = RoomLog.open(options.dir, { fresh: options.fresh ?? false });
  const { log } = opened;
  for (const record of opened.records) state.apply(record);
  if (!state.room) {
    const record: LogRecord = { type: 'room', version: 1, code: joinCode(), key: randomBytes(18).toString('base64url'), createdAt: now() };
    log.append(record);
    state.apply(record);
  }
  const room = state.room ?? { code: '', key: '', createdAt: 0 };
  const page = { html: readPage('index.html'), script: readPage('room.mjs'), style: readPage('room.css') };

  const app = Fastify({
    logger: false,
    // Unset here (and per route below): nothing larger than a batch of events is ever expected.
    bodyLimit: LIMITS.eventsBodyBytes,
    // Open event streams would otherwise hold close() until every page is shut.
    forceCloseConnections: true,
    // A request must arrive whole within 10 s: a sender trickling a body byte by byte holds nothing for long.
    requestTimeout: 10_000,
    // Fastify's defaults quietly drop unknown fields and coerce types; a room rejects both.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  });
  await app.register(rateLimit, { global: false });
  // 0.4's types describe the CommonJS module as an ES one; its `default` (set by fastify-plugin) is the plugin either way.
  await app.register(sse.default, { heartbeatInterval: 15_000 });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });

  const subscribers = new Set<SSEReplyInterface>();
  const timers = { broadcast: undefined as NodeJS.Timeout | undefined, stuck: undefined as NodeJS.Timeout | undefined };
  const join = { code: room.code, addresses: [] as string[] };
  const pageView = (): PageView => ({ ...state.view(now()), join });
  const broadcast = () => {
    timers.broadcast = undefined;
    const view = pageView();
    for (const subscriber of subscribers) {
      subscriber.send({ event: 'view', data: view }).catch(() => subscribers.delete(subscriber));
    }
    // Nobody posts while stuck: the page still has to learn when a learner crosses the line.
    clearTimeout(timers.stuck);
    const next = state.nextStuckAt(view.now);
    timers.stuck = next === undefined ? undefined : setTimeout(broadcast, Math.min(next - view.now + 50, 2 ** 31 - 1)).unref();
  };
  // Many verdicts in one moment make one update of the page, within a tenth of a second.
  const changed = () => {
    timers.broadcast ??= setTimeout(broadcast, 100).unref();
  };
  const keyHash = hash(room.key);
  const requireKey = async (request: FastifyRequest<{ Querystring: { key: string } }>, reply: FastifyReply) => {
    if (!safeEqual(hash(request.query.key), keyHash)) {
      return reply.code(403).send({ error: "This needs the facilitator's link (the one `npm run kata -- room` printed, with ?key=…)." });
    }
    return undefined;
  };
  const viewLimit = { rateLimit: { max: limits.viewsPerMinute, timeWindow: 60_000 } };

  app.get('/', { config: viewLimit }, (_request, reply) => reply.type('text/html; charset=utf-8').send(page.html));
  app.get('/room.mjs', { config: viewLimit }, (_request, reply) => reply.type('text/javascript; charset=utf-8').send(page.script));
  app.get('/room.css', { config: viewLimit }, (_request, reply) => reply.type('text/css; charset=utf-8').send(page.style));
  app.get('/favicon.ico', (_request, reply) => reply.code(204).send());

  app.post<{ Body: JoinRequest }>(
    '/api/join',
    {
      schema: { body: joinRequestSchema },
      bodyLimit: LIMITS.joinBodyBytes,
      config: { rateLimit: { max: limits.joinsPerMinute, timeWindow: 60_000 } },
    },
    async (request, reply): Promise<JoinResponse | FastifyReply> => {
      const { code, token } = request.body;
      if (!safeEqual(hash(code.toUpperCase().replace(/-/g, '')), hash(room.code))) {
        return reply.code(403).send({ error: "That is not this room's join code: check the address on the board." });
      }
      const normalized = normalizeName(request.body.name);
      if ('error' in normalized) {
        return reply.code(400).send({ error: normalized.error });
      }
      const existing = state.learnerByNameKey(nameKey(normalized.name));
      if (existing) {
        if (token !== undefined && safeEqual(hash(token), existing.tokenHash)) {
          options.onJoin?.(existing.name, true, state.learnerCount);
          return { token, name: existing.name, rejoined: true };
        }
        return reply.code(409).send({ error: `The name "${normalized.name}" is already taken in this room: join with another name.` });
      }
      // The learner's checker chooses its token (so a retried join keeps the name); a bare request gets one.
      const fresh = token ?? randomBytes(32).toString('base64url');
      if (state.learnerByTokenHash(hash(fresh))) return reply.code(409).send({ error: 'That token already belongs to another name in this room.' });
      const record: LogRecord = { type: 'join', learner: state.nextLearnerId(), name: normalized.name, tokenHash: hash(fresh), at: now() };
      log.append(record);
      state.apply(record);
      changed();
      options.onJoin?.(normalized.name, false, state.learnerCount);
      return { token: fresh, name: normalized.name, rejoined: false };
    },
  );

  const learnerOf = (request: FastifyRequest) => {
    const match = /^Bearer ([A-Za-z0-9_-]{43})$/.exec(request.headers.authorization ?? '');
    return match?.[1] ? state.learnerByTokenHash(hash(match[1])) : undefined;
  };
  app.post<{ Body: EventsRequest }>(
    '/api/events',
    {
      schema: { body: eventsRequestSchema },
      bodyLimit: LIMITS.eventsBodyBytes,
      // Limited per learner, so thirty learners behind one address (a forwarded port) do not share one
      // budget; a request without a known token is limited by its address.
      config: {
        rateLimit: {
          max: limits.postsPer10s,
          timeWindow: 10_000,
          keyGenerator: (request: FastifyRequest) => {
            const learner = learnerOf(request);
            return learner ? `learner:${learner.id}` : `address:${request.ip}`;
          },
        },
      },
    },
    async (request, reply): Promise<EventsResponse | FastifyReply> => {
      const learner = learnerOf(request);
      if (!learner) return reply.code(401).send({ error: 'Unknown token: join the room again.' });
      const result: EventsResponse = { accepted: 0, duplicates: 0, rejected: 0 };
      const received = now();
      for (const event of request.body.events) {
        if (state.isDuplicate(learner.id, event.id)) result.duplicates++;
        else if (!state.placeable(event)) result.rejected++;
        else {
          const record: LogRecord = { type: 'verdict', learner: learner.id, at: received - event.ageMs, event };
          log.append(record);
          state.apply(record);
          result.accepted++;
        }
      }
      if (result.accepted > 0) changed();
      return result;
    },
  );

  const keyed = { schema: { querystring: viewQuerySchema }, preHandler: requireKey, config: viewLimit };
  app.get('/api/view', keyed, pageView);
  app.get('/api/stream', { ...keyed, sse: true }, async (_request, reply) => {
    reply.sse.keepAlive();
    subscribers.add(reply.sse);
    reply.sse.onClose(() => subscribers.delete(reply.sse));
    await reply.sse.send({ event: 'view', data: pageView() });
  });
  app.get('/export.csv', keyed, (_request, reply) =>
    reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="kata-room.csv"').send(toCsv(state.view(now()))),
  );
  app.get('/export.json', keyed, (_request, reply) =>
    reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', 'attachment; filename="kata-room.json"')
      .send(toJson(state, state.view(now()))),
  );

  try {
    await app.listen({ host: options.host ?? '0.0.0.0', port: options.port ?? DEFAULT_PORT });
  } catch (error) {
    log.close();
    await app.close();
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  const host = !options.host || options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const localUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const reachable = host === '127.0.0.1' && options.host !== '127.0.0.1' ? networkAddresses() : [host];
  join.addresses = [
    ...(options.publicAddresses ?? []),
    ...(reachable.length ? reachable : [host]).map((address) => `${address.includes(':') ? `[${address}]` : address}:${port}`),
  ];
  return {
    code: room.code,
    key: room.key,
    port,
    localUrl,
    pageUrl: `${localUrl}/?key=${room.key}`,
    state,
    unreadable: opened.unreadable,
    setAside: opened.setAside,
    logFile: log.file,
    addresses: join.addresses,
    view: pageView,
    close: async () => {
      clearTimeout(timers.broadcast);
      clearTimeout(timers.stuck);
      for (const subscriber of subscribers) subscriber.close();
      subscribers.clear();
      await app.close();
      log.close();
    },
  };
}

/** The addresses learners on the same network can reach this laptop at (IPv4, not loopback). */
export function networkAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((net) => net !== undefined && net.family === 'IPv4' && !net.internal)
    .map((net) => net?.address ?? '');
}

function joinCode(): string {
  // 32 letters and digits, none that read alike (0/O, 1/I): six of them are 2^30 codes.
  return [...randomBytes(6)].map((byte) => JOIN_CODE_ALPHABET[byte % JOIN_CODE_ALPHABET.length]).join('');
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
