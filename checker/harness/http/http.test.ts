// The HTTP pieces of the harness, against a tiny server on 127.0.0.1: single requests and their
// outcomes, a short load from autocannon with a probe beside it, the server-side record of requests,
// the event-loop gap recorder and the text table.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRequest, request } from './http-client.ts';
import { describeLoad, errorCount, percentile, runLoad } from './http-load.ts';
import { drawLoopGaps, watchLoopGaps } from '../time/loop-gaps.ts';
import { watchServer } from './server-watch.ts';
import { textTable } from '../words/text-table.ts';

let server: http.Server;
let url = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/slow') {
      const timer = setTimeout(() => res.end('slow'), 200);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if (req.url === '/busy-given') {
      res.writeHead(503, 'Busy', { 'Retry-After': '2' });
      res.end('busy');
      return;
    }
    if (req.url === '/busy-pairs') {
      res.writeHead(503, ['Retry-After', '3']);
      res.end('busy');
      return;
    }
    if (req.url === '/busy') {
      res.setHeader('retry-after', '1');
      res.writeHead(503);
      res.end('busy');
      return;
    }
    if (req.url === '/close') {
      res.setHeader('connection', 'close');
      res.end('closed');
      return;
    }
    if (req.url === '/never') return; // held open, never answered (closed in afterAll)
    if (req.url === '/drop') {
      req.socket.destroy();
      return;
    }
    req.resume();
    req.on('end', () => res.end(`ok ${req.method ?? ''} ${req.url ?? ''}`));
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('http-client', () => {
  it('gives the answer with its status, headers, body and time', async () => {
    const outcome = await request(`${url}/hello`, { method: 'POST', body: Buffer.from('x') });
    expect(outcome).toMatchObject({ kind: 'answer', status: 200 });
    if (outcome.kind === 'answer') expect(outcome.body.toString()).toBe('ok POST /hello');
  });

  it('reports a refused connection, a dropped one and a missing answer without rejecting', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await request(`http://127.0.0.1:${port}/`)).toMatchObject({ kind: 'error', code: 'ECONNREFUSED' });
    expect(await request(`${url}/drop`)).toMatchObject({ kind: 'error', code: 'ECONNRESET' });
    expect(await request(`${url}/slow`, { timeoutMs: 50 })).toMatchObject({ kind: 'no-answer' });
  });

  it('can send a held body in parts: the body ends only with the last part', async () => {
    const watch = watchServer(server);
    const open = openRequest(`${url}/parts`, { method: 'POST', body: Buffer.from('abcdef'), holdBody: true });
    await watch.waitFor(() => watch.requests.length === 1, 1000);
    await open.sendPart(3);
    await open.sendPart(2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(watch.requests[0]?.bodyReadAt).toBeUndefined();
    open.sendBody();
    const outcome = await open.outcome;
    watch.stop();
    expect(outcome).toMatchObject({ kind: 'answer', status: 200 });
    expect(watch.requests[0]?.bodyReadAt).toBeTypeOf('number');
  });

  it('can leave mid-request: the server sees its response close unfinished', async () => {
    const watch = watchServer(server);
    const open = openRequest(`${url}/slow`);
    await watch.waitFor(() => watch.requests.length === 1, 1000);
    open.leave();
    expect(await open.outcome).toMatchObject({ kind: 'error', code: 'LEFT' });
    await watch.waitFor(() => watch.open().length === 0, 1000);
    watch.stop();
    expect(watch.unanswered().map((seen) => seen.path)).toEqual(['/slow']);
  });
});

describe('server-watch', () => {
  it('records each request: arrival, body, answer, status, headers, connection', async () => {
    const watch = watchServer(server);
    await request(`${url}/a`, { method: 'POST', body: Buffer.alloc(1000) });
    await request(`${url}/busy`);
    watch.stop();
    await request(`${url}/after-stop`);
    const [a, busy] = watch.requests;
    expect(watch.requests).toHaveLength(2);
    expect(a).toMatchObject({ n: 1, method: 'POST', path: '/a', status: 200, complete: true });
    expect(a?.bodyReadAt).toBeGreaterThanOrEqual(a?.arrivedAt ?? Infinity);
    expect(a?.answeredAt).toBeGreaterThanOrEqual(a?.bodyReadAt ?? Infinity);
    expect(busy).toMatchObject({ status: 503, complete: true });
    expect(busy?.headers?.['retry-after']).toBe('1');
    // Each request came on a connection of its own.
    expect(new Set(watch.requests.map((seen) => seen.connection)).size).toBe(2);
  });

  it('records the headers given to writeHead() itself, which getHeaders() does not see: an object, or a list', async () => {
    const watch = watchServer(server);
    await request(`${url}/busy-given`);
    await request(`${url}/busy-pairs`);
    watch.stop();
    expect(watch.requests.map((seen) => [seen.status, seen.headers?.['retry-after']])).toEqual([
      [503, '2'],
      [503, '3'],
    ]);
  });
});

describe('http-load', () => {
  it('runs each route with its own connections, counts answers by status, and probes beside it', async () => {
    const report = await runLoad({
      url,
      routes: [
        { name: 'GET /x', path: (n) => `/x/${n}`, connections: 5, requests: 20, verify: ({ body }) => body.startsWith('ok GET /x/') },
        { name: 'GET /busy', path: '/busy', connections: 2, requests: 4 },
      ],
      probes: [{ name: 'probe', path: '/probe', connections: 1 }],
    });
    expect(report.route('GET /x')).toMatchObject({ sent: 20, answered: 20, byStatus: { 200: 20 }, mismatches: 0 });
    expect(report.route('GET /busy')).toMatchObject({ answered: 4, byStatus: { 503: 4 }, retryAfter: 4 });
    expect(report.route('probe').answered).toBeGreaterThan(0);
    expect(errorCount(report.route('GET /x'))).toBe(0);
    expect(describeLoad(report)).toMatch(/GET \/x\s+5\s+20\s+20\s+0/);
  });

  it('opens a new connection after an answer with connection: close, and counts no error for it', async () => {
    let connections = 0;
    const onConnection = () => connections++;
    server.on('connection', onConnection);
    try {
      const report = await runLoad({ url, routes: [{ name: 'GET /close', path: '/close', connections: 3, requests: 12 }] });
      expect(report.route('GET /close')).toMatchObject({ sent: 12, answered: 12, byStatus: { 200: 12 }, errors: {}, timeouts: 0 });
      expect(connections).toBe(12);
    } finally {
      server.off('connection', onConnection);
    }
  });

  it('stops a load the server has stopped answering, once it has been silent for stallSeconds', async () => {
    const report = await runLoad({ url, routes: [{ name: 'GET /never', path: '/never', connections: 2, requests: 4 }], stallSeconds: 1 });
    expect(report.stalled).toBe(true);
    expect(report.route('GET /never').answered).toBe(0);
    expect(report.elapsedMs).toBeLessThan(5000);
  });

  it('does not take a time this process itself did not run (a starved machine) for the server\'s silence', async () => {
    // The main thread blocked for longer than stallSeconds, the server with it: once it runs again, the
    // answers come, and nothing the server did was silence.
    const block = setTimeout(() => {
      const until = performance.now() + 1600;
      while (performance.now() < until);
    }, 50);
    try {
      const report = await runLoad({ url, routes: [{ name: 'GET /slow', path: '/slow', connections: 2, requests: 6 }], stallSeconds: 1 });
      expect(report.stalled).toBe(false);
      expect(report.route('GET /slow')).toMatchObject({ sent: 6, answered: 6, byStatus: { 200: 6 } });
    } finally {
      clearTimeout(block);
    }
  });

  it('refuses anything but a server on this machine', async () => {
    await expect(runLoad({ url: 'http://192.0.2.1:80', routes: [{ name: 'x', path: '/', connections: 1, requests: 1 }] })).rejects.toThrow(/loopback/);
  });

  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(values, 50), percentile(values, 99), percentile([], 99)]).toEqual([50, 99, 0]);
  });
});

describe('loop-gaps', () => {
  it('sees a synchronous block as a gap, and draws when it happened', async () => {
    const watch = watchLoopGaps({ thresholdMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const until = performance.now() + 60;
    while (performance.now() < until) {
      // A block of the event loop.
    }
    const report = watch.stop();
    // The block is the last gap, at least 55 ms; a busy machine may add gaps of its own before it (a process not scheduled).
    const block = report.gaps.at(-1);
    expect((block?.end ?? 0) - (block?.start ?? 0)).toBeGreaterThanOrEqual(55);
    expect(report.maxGapMs).toBeGreaterThanOrEqual(55);
    expect(drawLoopGaps(report, 10)).toMatch(new RegExp(`^ {2}event loop \\|[·█]*█\\| 0-\\d+ ms: ${report.gaps.length} freezes? over 20 ms, the longest \\d+ ms`));
  });
});

describe('text-table', () => {
  it('pads columns and right-aligns numbers', () => {
    expect(textTable(['route', 'n'], [['a', '5'], ['long', '12 ms']])).toBe('  route      n\n  a          5\n  long   12 ms');
  });
});
