// Lesson 07: the whole server under one mixed load (profiles, resizes, /health probed beside them),
// for the reference beside two known-wrong variants, each measured once in the same run: the one that
// resizes on the event loop (everything waits for every resize) and the one with no admission control
// (every resize is taken, the line grows, so does the wait).
import os from 'node:os';
import { describeLoad, errorCount, percentile, runLoad, type LoadReport } from '../../checker/harness/index.ts';
import { ms, type Row } from '../measure.ts';
import { loadModule, loadSolution } from '../solutions.ts';

interface RunningServer {
  url: string;
  close(): Promise<void>;
}

interface ServerModule {
  startServer(options: Record<string, unknown>): Promise<RunningServer>;
}

interface BackendModule {
  SimulatedBackend: new () => { database: unknown; cdn: unknown };
}

interface ImageModules {
  createTestImage(width: number, height: number, seed?: number): { width: number; height: number; data: Uint8Array };
  encodePam(image: { width: number; height: number; data: Uint8Array }): Buffer;
}

const GROUP = '07 server';
const PROFILES = { connections: 200, requests: 2000 };
const RESIZES = { connections: 32, requests: 128 };

export async function lesson07(): Promise<Row[]> {
  const reference = await loadSolution<ServerModule>('07-server/server.ts', ['startServer']);
  const onTheLoop = await loadSolution<ServerModule>('07-server/wrong/resize-on-event-loop/server.ts', ['startServer']);
  const unbounded = await loadSolution<ServerModule>('07-server/wrong/unbounded-resize-queue/server.ts', ['startServer']);
  const { SimulatedBackend } = await loadModule<BackendModule>('exercises/07-server/backend.ts', ['SimulatedBackend']);
  const { createTestImage } = await loadModule<Pick<ImageModules, 'createTestImage'>>('exercises/03-offload-cpu/image.ts', ['createTestImage']);
  const { encodePam } = await loadModule<Pick<ImageModules, 'encodePam'>>('exercises/07-server/pam.ts', ['encodePam']);
  const body = encodePam(createTestImage(640, 480, 5));
  const threads = os.availableParallelism();

  const measure = async (module: ServerModule): Promise<LoadReport> => {
    const backend = new SimulatedBackend();
    const server = await module.startServer({
      database: backend.database,
      cdn: backend.cdn,
      maxQueries: 10,
      profileDeadlineMs: 2000,
      resizeThreads: threads,
      maxWaitingResizes: 2 * threads,
      maxImageBytes: 8_000_000,
    });
    try {
      // Warm the pool (and the JIT) first.
      await runLoad({ url: server.url, routes: [{ name: 'warm', method: 'POST', path: '/resize', body, connections: threads, requests: 4 * threads }] });
      return await runLoad({
        url: server.url,
        routes: [
          { name: 'GET /profile/:id', path: (n) => `/profile/${(n % 5000) + 1}`, ...PROFILES },
          { name: 'POST /resize', method: 'POST', path: '/resize', body, ...RESIZES },
        ],
        probes: [{ name: 'GET /health', path: '/health', connections: 2, pauseMs: 5 }],
      });
    } finally {
      await server.close();
    }
  };

  const mine = await measure(reference);
  const blocking = await measure(onTheLoop);
  const queueing = await measure(unbounded);
  for (const [name, report] of [['reference', mine], ['resize on the event loop', blocking], ['unbounded resize queue', queueing]] as const) {
    process.stdout.write(`  ${name}:\n${describeLoad(report)}\n`);
  }
  const what = `${PROFILES.connections} connections of profiles (${PROFILES.requests}) and ${RESIZES.connections} of 640x480 resizes (${RESIZES.requests}), /health probed; ${threads} resize threads, ${2 * threads} may wait`;
  return [
    {
      group: GROUP,
      what: `${what} (reference vs resize on the event loop)`,
      reference: traffic(mine),
      wrong: traffic(blocking),
      point: `on the pool /health stays fast while resizes run: p99 ${ms(mine.route('GET /health').p99)} vs ${ms(blocking.route('GET /health').p99)} when they freeze the event loop`,
    },
    {
      group: GROUP,
      what: `${what}: the resizes (reference vs unbounded queue)`,
      reference: resizes(mine),
      wrong: resizes(queueing),
      point: 'admission control answers what it cannot hold with 503 at once; without it every resize waits behind all the others',
    },
  ];
}

function perSecond(report: LoadReport): string {
  const answered = report.routes.filter((load) => !load.background).reduce((sum, load) => sum + load.answered, 0);
  return `${Math.round((answered / report.elapsedMs) * 1000)} req/s`;
}

function traffic(report: LoadReport): string {
  const profiles = report.route('GET /profile/:id');
  const health = report.route('GET /health');
  const errors = report.routes.reduce((sum, load) => sum + errorCount(load), 0);
  return `${perSecond(report)}; /profile p50 ${ms(profiles.p50)}, p99 ${ms(profiles.p99)}; /health p50 ${ms(health.p50)}, p99 ${ms(health.p99)}; ${errors} errors`;
}

function resizes(report: LoadReport): string {
  const load = report.route('POST /resize');
  const statuses = Object.entries(load.latenciesByStatus).map(([status, latencies]) => {
    const sorted = [...latencies].sort((a, b) => a - b);
    return `${latencies.length} x ${status} (p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))})`;
  });
  return `${statuses.join(', ')}; ${errorCount(load)} errors, ${load.timeouts} timeouts`;
}
