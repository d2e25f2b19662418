// Real HTTP load on a server on this machine, from autocannon (a real load generator: keep-alive
// connections, each sending its next request as soon as the answer is in). One autocannon instance
// per route, all at once, so every route gets its own numbers: requests sent, answers by status,
// errors by kind, timeouts, and the latency of every answer. Bounded three times: each route sends at
// most `requests` requests, everything stops when the server has answered nothing for `stallSeconds`
// (a hung server is seen quickly, a slow machine is waited for), and after `maxSeconds` in any case.
// Loopback only: this is for servers the tests start on 127.0.0.1.
import http from 'node:http';
// Loaded when a test first makes load: every exercise's tests import the harness, and autocannon
// takes longer to load than most of their steps take to run.
import type autocannon from 'autocannon';
import { ms } from '../words/explain.ts';
import { textTable } from '../words/text-table.ts';

export interface LoadRoute {
  /** How the route is shown in the table, e.g. `GET /profile/:id`. */
  name: string;
  method?: 'GET' | 'POST';
  /** The path, or a function of the request's number (0, 1, 2, ... over every connection) for varied ones. */
  path: string | ((n: number) => string);
  body?: Buffer;
  headers?: Record<string, string>;
  connections: number;
  /** How many requests in all (at least `connections`): each connection sends its share, one after another. */
  requests: number;
  /** Background traffic: keeps going only until every other route is done (then it is stopped). */
  background?: boolean;
  /** At most this many requests a second from each connection (default: as fast as the answers come). */
  ratePerConnection?: number;
  /** Judges one answer; those it rejects are counted as mismatches. */
  verify?: (answer: { status: number; body: string; headers: Record<string, string> }) => boolean;
}

/**
 * A probe measures while the load runs, without adding to it: each of its connections sends one
 * request, waits for the answer, pauses `pauseMs`, and again, until the load is done. (A load
 * generator's own connections send as fast as the answers come, which would keep the event loop
 * busy with the probe itself.)
 */
export interface LoadProbe {
  name: string;
  path: string;
  /** Default 2. */
  connections?: number;
  /** Default 2 ms. */
  pauseMs?: number;
}

export interface LoadOptions {
  /** The server, e.g. `http://127.0.0.1:54321`. */
  url: string;
  routes: readonly LoadRoute[];
  /** Measured beside the load, for as long as it runs. */
  probes?: readonly LoadProbe[];
  /** A request without an answer for this long counts as a timeout (default 30 s). */
  timeoutSeconds?: number;
  /**
   * When no route (probes aside) has seen an answer or an error for this long, the server has
   * stalled: everything stops, and what was still waiting counts as unanswered (default 4 s).
   */
  stallSeconds?: number;
  /** Everything stops after this long, finished or not (default 60 s). */
  maxSeconds?: number;
}

export interface RouteLoad {
  name: string;
  connections: number;
  /** Background traffic, or a probe: it ran only while the other routes did. */
  background: boolean;
  /** Requests written to a connection (a request on a connection that failed counts too). */
  sent: number;
  answered: number;
  /** Answers by status code. */
  byStatus: Record<number, number>;
  /** Connection errors by code (ECONNRESET, ECONNREFUSED, ...), timeouts not included. */
  errors: Record<string, number>;
  timeouts: number;
  mismatches: number;
  /** 503 answers that carried a Retry-After header. */
  retryAfter: number;
  /** The latency of every answer, in ms, in the order they came. */
  latenciesMs: number[];
  /** The same, by status code. */
  latenciesByStatus: Record<number, number[]>;
  p50: number;
  p99: number;
  max: number;
}

export interface LoadReport {
  routes: RouteLoad[];
  elapsedMs: number;
  /** True when `maxSeconds` passed before the routes were done. */
  cutOff: boolean;
  /** True when the load was stopped because nothing was answered for `stallSeconds`. */
  stalled: boolean;
  stallSeconds: number;
  /** The numbers of one route, by name. */
  route(name: string): RouteLoad;
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const { url, routes, timeoutSeconds = 30, stallSeconds = 4, maxSeconds = 60 } = options;
  const base = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname)) throw new Error(`runLoad: only servers on this machine (loopback), not ${base.hostname}`);
  for (const route of routes) {
    if (route.requests < route.connections) throw new Error(`runLoad: ${route.name} has ${route.connections} connections but only ${route.requests} requests`);
  }
  const { default: loadGenerator } = await import('autocannon');
  const started = performance.now();
  const progress = { at: started };
  const probes = (options.probes ?? []).map((probe) => startProbe(base, probe, timeoutSeconds));
  const runs = routes.map((route) => startRoute(loadGenerator, base, route, timeoutSeconds, progress));
  let cutOff = false;
  let stalled = false;
  const stopAll = () => {
    for (const run of runs) run.instance.stop();
  };
  const limit = setTimeout(() => {
    cutOff = true;
    stopAll();
  }, maxSeconds * 1000);
  let lastTick = performance.now();
  const watchdog = setInterval(() => {
    const now = performance.now();
    // A tick that comes late means this process did not run meanwhile (a starved machine, a long GC):
    // that time is not the server's silence, and answers that came in it are read only after this timer.
    const late = now - lastTick - 100;
    lastTick = now;
    if (late > 250) {
      progress.at += late;
      return;
    }
    if (now - progress.at < stallSeconds * 1000) return;
    stalled = true;
    clearInterval(watchdog);
    stopAll();
  }, 100);
  try {
    await Promise.all(runs.filter((run) => !run.route.background).map((run) => run.done));
    clearInterval(watchdog);
    for (const run of runs) if (run.route.background) run.instance.stop();
    await Promise.all(runs.map((run) => run.done));
  } finally {
    clearTimeout(limit);
    clearInterval(watchdog);
  }
  const loads = [...runs.map((run) => run.load), ...(await Promise.all(probes.map((probe) => probe.stop())))];
  return {
    routes: loads,
    elapsedMs: performance.now() - started,
    cutOff,
    stalled,
    stallSeconds,
    route(name) {
      const found = loads.find((load) => load.name === name);
      if (!found) throw new Error(`runLoad: no route named ${name}`);
      return found;
    },
  };
}

interface RouteRun {
  route: LoadRoute;
  instance: autocannon.Instance;
  load: RouteLoad;
  done: Promise<void>;
}

function startRoute(generator: typeof autocannon, base: URL, route: LoadRoute, timeoutSeconds: number, progress: { at: number }): RouteRun {
  const load = emptyLoad(route.name, route.connections, route.background ?? false);
  let n = 0;
  const { path } = route;
  const request: autocannon.Request = {
    method: route.method ?? 'GET',
    ...(route.body ? { body: route.body } : {}),
    ...(route.headers ? { headers: route.headers } : {}),
    onResponse: (status, body, _context, rawHeaders) => {
      const headers = Object.fromEntries(Object.entries(rawHeaders ?? {}).map(([key, value]) => [key.toLowerCase(), String(value)]));
      if (status === 503 && headers['retry-after'] !== undefined) load.retryAfter++;
      if (route.verify && !route.verify({ status, body, headers })) load.mismatches++;
    },
  };
  if (typeof path === 'string') request.path = path;
  else request.setupRequest = (req) => ({ ...req, path: path(n++) });
  let markDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (markDone = resolve));
  const instance = generator(
    {
      url: base.origin,
      connections: route.connections,
      amount: route.requests,
      ...(route.ratePerConnection ? { connectionRate: route.ratePerConnection } : {}),
      timeout: timeoutSeconds,
      // How often autocannon looks whether it is done (default: every second).
      sampleInt: 20,
      requests: [request],
      setupClient: reconnectWhenTheServerCloses,
      // Its own summary (percentiles of every histogram, decoded again) is not used: this module keeps
      // every latency itself. Skipping it saves about 0.1 s of CPU at the end of each route of a big load.
      skipAggregateResult: true,
    },
    (error, result) => {
      // Without the summary, the raw count of requests written (what the summary calls requests.sent).
      if (!error) load.sent = (result as unknown as { totalRequests: number }).totalRequests;
      finish(load);
      markDone();
    },
  );
  instance.on('response', (_client, status, _bytes, responseTime) => {
    record(load, status, responseTime);
    if (!load.background) progress.at = performance.now();
  });
  instance.on('reqError', (error: unknown) => {
    if (!load.background) progress.at = performance.now();
    const { code, message } = (error ?? {}) as { code?: string; message?: string };
    if (message === 'request timed out') load.timeouts++;
    else load.errors[code ?? message ?? 'error'] = (load.errors[code ?? message ?? 'error'] ?? 0) + 1;
  });
  return { route, instance, load, done };
}

/**
 * An answer with `connection: close` (or an HTTP/1.0 one without keep-alive) ends its connection, and
 * the server is right to close it then. Autocannon would still write the next request on that connection
 * (seen: EPIPE, counted as an error, and the request lost): like any HTTP client, this one opens a new
 * connection for the next request instead, so a server that keeps no connection alive is judged by its
 * answers. A connection the server closes without saying so still counts as an error.
 */
function reconnectWhenTheServerCloses(client: autocannon.Client): void {
  const inner = client as unknown as {
    on(event: 'headers', listener: (info: { shouldKeepAlive?: boolean }) => void): void;
    _doRequest(): void;
    _resetConnection(): void;
    destroyed: boolean;
    responseMax?: number;
    reqsMade: number;
  };
  let closing = false;
  inner.on('headers', (info) => {
    closing = info.shouldKeepAlive === false;
  });
  const doRequest = inner._doRequest.bind(inner);
  inner._doRequest = () => {
    const last = inner.responseMax !== undefined && inner.reqsMade >= inner.responseMax;
    if (!closing || inner.destroyed || last) {
      doRequest();
      return;
    }
    closing = false;
    // A new connection: its connect sends the next request (and its 'request' event counts it, once).
    inner._resetConnection();
  };
}

function emptyLoad(name: string, connections: number, background: boolean): RouteLoad {
  return { name, connections, background, sent: 0, answered: 0, byStatus: {}, errors: {}, timeouts: 0, mismatches: 0, retryAfter: 0, latenciesMs: [], latenciesByStatus: {}, p50: 0, p99: 0, max: 0 };
}

function startProbe(base: URL, probe: LoadProbe, timeoutSeconds: number): { stop(): Promise<RouteLoad> } {
  const { connections = 2, pauseMs = 2 } = probe;
  const load = emptyLoad(probe.name, connections, true);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let stopped = false;
  const once = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      load.sent++;
      const req = http.get(new URL(probe.path, base), { agent, timeout: timeoutSeconds * 1000 }, (res) => {
        res.resume();
        res.on('end', () => {
          record(load, res.statusCode ?? 0, performance.now() - started);
          resolve();
        });
      });
      let timedOut = false;
      req.on('timeout', () => {
        timedOut = true;
        load.timeouts++;
        req.destroy();
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        // The error a timed-out request ends with is already counted, as a timeout; so is a probe cut off at the end.
        if (!timedOut && !stopped) load.errors[error.code ?? 'error'] = (load.errors[error.code ?? 'error'] ?? 0) + 1;
        resolve();
      });
      // A socket destroyed after the headers came ends neither with the body's 'end' nor with an error.
      req.once('close', () => resolve());
    });
  const loops = Array.from({ length: connections }, async () => {
    while (!stopped) {
      await once();
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  });
  return {
    async stop() {
      stopped = true;
      // A probe still waiting (on a server that stopped answering) is cut off, not waited for.
      agent.destroy();
      await Promise.all(loops);
      finish(load);
      return load;
    },
  };
}

function record(load: RouteLoad, code: number | undefined, latencyMs: number): void {
  // A response without a status line the parser understood counts as status 0.
  const status = Number.isInteger(code) ? (code as number) : 0;
  load.answered++;
  load.byStatus[status] = (load.byStatus[status] ?? 0) + 1;
  load.latenciesMs.push(latencyMs);
  (load.latenciesByStatus[status] ??= []).push(latencyMs);
}

function finish(load: RouteLoad): void {
  const sorted = [...load.latenciesMs].sort((a, b) => a - b);
  load.p50 = percentile(sorted, 50);
  load.p99 = percentile(sorted, 99);
  load.max = sorted[sorted.length - 1] ?? 0;
}

/** The p-th percentile (nearest rank) of values already sorted ascending; 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/** Errors of every kind, timeouts included. */
export function errorCount(load: RouteLoad): number {
  return Object.values(load.errors).reduce((sum, count) => sum + count, 0) + load.timeouts;
}

/** What the load generator saw, as a small table: one row per route. */
export function describeLoad(report: LoadReport): string {
  const statuses = [...new Set(report.routes.flatMap((load) => Object.keys(load.byStatus).map(Number)))].sort((a, b) => a - b);
  const rows = report.routes.map((load) => {
    const errors = Object.entries(load.errors).map(([code, count]) => `${count} ${code}`);
    return [
      `${load.name}${load.background ? ' (bg)' : ''}`,
      String(load.connections),
      String(load.sent),
      ...statuses.map((status) => String(load.byStatus[status] ?? 0)),
      errors.length ? errors.join(', ') : '0',
      String(load.timeouts),
      load.answered ? ms(load.p50) : '-',
      load.answered ? ms(load.p99) : '-',
    ];
  });
  const table = textTable(['route', 'conns', 'sent', ...statuses.map((status) => `${status}`), 'errors', 'timeouts', 'p50', 'p99'], rows);
  const stopped = report.stalled ? `, stopped after ${report.stallSeconds} s without a single answer` : report.cutOff ? ', cut off at the time limit' : '';
  return `${table}\n  (${ms(report.elapsedMs)} in all${stopped}; latency from the request sent to the answer received)`;
}
