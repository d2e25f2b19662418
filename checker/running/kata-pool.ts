// The process pool every kata test run goes through. It is vitest's own `forks` worker (same entry
// point, options and messages) plus what vitest does not do:
// - a watchdog outside the test process: a process whose event loop stops answering (an endless loop,
//   a deadlock) is stopped after `watchdogMs`, and what happened is kept as an incident, with the test
//   that was running and where the main thread was stuck (checker/running/stall-monitor.cjs), so the verdict
//   can say so instead of hanging forever;
// - a record of processes that died on their own (process.exit, out of memory) while a test ran;
// - for watch mode, a spare: the next test process boots while the learner reads a verdict, so a save
//   does not wait for one (each run still gets a fresh process: isolation);
// - `killAll()`, so the checker leaves no process behind however it ends.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PoolOptions, PoolRunnerInitializer, PoolWorker, WorkerRequest } from 'vitest/node';

/** As vitest's forks pool: a child that ignores SIGTERM this long is killed. */
const SIGKILL_AFTER_MS = 500;
/** Longer than any legitimate block of the event loop in the kata's tests (a few hundred ms), by far. */
export const DEFAULT_WATCHDOG_MS = 10_000;

export interface RunningTest {
  /** The test file's module id. */
  file: string;
  /** Enclosing describe names, outermost first, then the test's name. */
  path: string[];
}

/** A test that finished before its process ended, as the kata's test runner recorded it. */
export interface FinishedTest extends RunningTest {
  state: 'pass' | 'fail';
  /** The failure's messages, joined. */
  message: string;
}

export interface Incident {
  kind: 'blocked' | 'died';
  /** Module ids of the test files the process was running. */
  files: string[];
  /** The test that was running, as the kata's test runner recorded it. */
  test?: RunningTest;
  /** The tests that had finished in that process (their results may not have reached vitest). */
  finished?: FinishedTest[];
  /** kind `blocked`: how long the event loop had not answered. */
  blockedMs?: number;
  /** Where the main thread was busy (a stack), when the stall monitor could see it. */
  where?: string;
  exitCode?: number | null;
  signal?: string | null;
}

export interface KataPool extends PoolRunnerInitializer {
  /** What happened to test processes since the last call (the collector reads it after a run). */
  takeIncidents(): Incident[];
  /** Kills every test process at once: the checker is ending and will not wait for them. */
  killAll(): void;
  /** Ends the spare process and the watchdog (the checker is closing). */
  dispose(): void;
}

export interface KataPoolOptions {
  /** Keep the next test process booted (watch mode). */
  spare?: boolean;
  watchdogMs?: number;
}

interface Child {
  process: ChildProcess;
  beaconDir: string;
}

/** Every pool of this process that is not disposed: what `killAllTestProcesses` ends. */
const pools = new Set<KataPool>();

/** Ends every test process this checker started, at once (the checker is being interrupted). */
export function killAllTestProcesses(): void {
  for (const pool of pools) pool.killAll();
}

export function kataPool(options: KataPoolOptions = {}): KataPool {
  const watchdogMs = options.watchdogMs ?? (Number(process.env.KATA_WATCHDOG_MS) || DEFAULT_WATCHDOG_MS);
  const incidents: Incident[] = [];
  const alive = new Set<Child>();
  let spare: { key: string; child: Child } | undefined;
  let disposed = false;

  const spawn = (poolOptions: PoolOptions): Child => {
    const beaconDir = mkdtempSync(path.join(os.tmpdir(), 'kata-beacon-'));
    const child = fork(path.resolve(poolOptions.distPath, 'workers/forks.js'), [], {
      env: { ...poolOptions.env, KATA_BEACON_DIR: beaconDir, KATA_STALL_MS: String(Math.min(2_000, Math.floor(watchdogMs / 2))) },
      execArgv: poolOptions.execArgv,
      stdio: 'pipe',
      serialization: 'advanced',
    });
    const entry = { process: child, beaconDir };
    alive.add(entry);
    child.once('exit', () => {
      alive.delete(entry);
      // After every other exit listener: the watchdog reads the beacon when the process ends.
      setImmediate(() => rmSync(beaconDir, { recursive: true, force: true }));
    });
    return entry;
  };
  const discardSpare = () => {
    spare?.child.process.kill('SIGKILL');
    spare = undefined;
  };
  const killAll = () => {
    for (const child of alive) child.process.kill('SIGKILL');
    spare = undefined;
  };
  // Never leave a test process behind, however the checker ends.
  process.once('exit', killAll);

  const pool: ChildSource = {
    watchdogMs,
    take(poolOptions) {
      const key = keyOf(poolOptions);
      const ready = spare && spare.key === key && spare.child.process.exitCode === null && spare.child.process.connected ? spare.child : undefined;
      if (!ready) {
        discardSpare();
        return spawn(poolOptions);
      }
      spare = undefined;
      setRef(ready.process, true);
      return ready;
    },
    prepare(poolOptions) {
      if (disposed || !options.spare) return;
      discardSpare();
      const child = spawn(poolOptions);
      setRef(child.process, false);
      child.process.once('exit', () => {
        if (spare?.child === child) spare = undefined;
      });
      spare = { key: keyOf(poolOptions), child };
    },
    report(incident) {
      incidents.push(incident);
    },
  };

  const kata: KataPool = {
    name: 'kata-forks',
    createPoolWorker: (poolOptions) => new WatchedFork(poolOptions, pool),
    takeIncidents: () => incidents.splice(0),
    killAll,
    dispose() {
      disposed = true;
      discardSpare();
      process.off('exit', killAll);
      pools.delete(kata);
    },
  };
  pools.add(kata);
  return kata;
}

interface ChildSource {
  watchdogMs: number;
  /** A booted process for these options, or a new one. */
  take(options: PoolOptions): Child;
  /** Boots the process the next run will take (watch mode only). */
  prepare(options: PoolOptions): void;
  report(incident: Incident): void;
}

/** Processes are interchangeable only if vitest would have started them the same way. */
function keyOf(options: PoolOptions): string {
  return JSON.stringify([options.project.name, options.distPath, options.execArgv, options.env]);
}

/** A spare must not keep the checker running (its process, IPC channel and pipes); a process running tests must. */
function setRef(child: ChildProcess, ref: boolean): void {
  const handles = [child, child.channel, child.stdout, child.stderr] as Array<{ ref?(): void; unref?(): void } | null | undefined>;
  for (const handle of handles) {
    if (ref) handle?.ref?.();
    else handle?.unref?.();
  }
}

type Listener = (arg: unknown) => void;

function isLifeSign(message: unknown): boolean {
  return typeof message === 'object' && message !== null && '__kataAlive' in message;
}

function isFileFinished(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'testfileFinished';
}

class WatchedFork implements PoolWorker {
  // The worker side of vitest sets itself up by this name: it is a forks worker.
  readonly name = 'forks';
  readonly cacheFs = true;
  private child: Child | undefined;
  private readonly stdout: NodeJS.WritableStream;
  private readonly stderr: NodeJS.WritableStream;
  /** Vitest's listeners, and the wrappers that keep our own messages from it. */
  private readonly wrapped = new Map<Listener, Listener>();
  /** Test files the process is running now, and when it last showed a sign of life. */
  private files: string[] = [];
  private lastSign = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly options: PoolOptions,
    private readonly pool: ChildSource,
  ) {
    this.stdout = options.project.vitest.logger.outputStream;
    this.stderr = options.project.vitest.logger.errorStream;
  }

  on(event: string, callback: Listener): void {
    if (event !== 'message') {
      this.process.on(event, callback);
      return;
    }
    const filtered: Listener = (message) => {
      this.lastSign = Date.now();
      if (isLifeSign(message)) return;
      if (isFileFinished(message)) this.files = [];
      callback(message);
    };
    this.wrapped.set(callback, filtered);
    this.process.on('message', filtered);
  }

  off(event: string, callback: Listener): void {
    const filtered = event === 'message' ? this.wrapped.get(callback) : undefined;
    this.wrapped.delete(callback);
    this.process.off(event, filtered ?? callback);
  }

  send(message: WorkerRequest): void {
    if (message.type === 'run' || message.type === 'collect') {
      this.files = message.context.files.map((file) => (typeof file === 'string' ? file : file.filepath));
      this.lastSign = Date.now();
    }
    this.process.send(message);
  }

  start(): Promise<void> {
    this.child ??= this.pool.take(this.options);
    const child = this.child.process;
    child.stdout?.pipe(this.stdout);
    child.stderr?.pipe(this.stderr);
    child.once('exit', this.onExit);
    this.lastSign = Date.now();
    this.watchdog = setInterval(this.check, Math.min(500, this.pool.watchdogMs / 4));
    this.watchdog.unref();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.watchdog);
    const child = this.process;
    const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
    const kill = setTimeout(() => child.kill('SIGKILL'), SIGKILL_AFTER_MS);
    child.kill();
    await exited;
    clearTimeout(kill);
    child.stdout?.unpipe(this.stdout);
    child.stderr?.unpipe(this.stderr);
    this.child = undefined;
    // The run is over: boot the next process now, while the learner reads the verdict.
    this.pool.prepare(this.options);
  }

  deserialize(data: unknown): unknown {
    return data;
  }

  private check = (): void => {
    if (this.files.length === 0 || !this.child) return;
    const silentMs = Date.now() - this.lastSign;
    if (silentMs < this.pool.watchdogMs) return;
    const { beaconDir } = this.child;
    this.pool.report({ kind: 'blocked', files: this.files, blockedMs: silentMs, ...readBeacon(beaconDir) });
    this.files = [];
    this.child.process.kill('SIGKILL');
  };

  private onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    clearInterval(this.watchdog);
    if (this.stopping || this.files.length === 0 || !this.child) return;
    // It ended on its own while a test file ran: the learner's code ended it, or it ran out of memory.
    this.pool.report({ kind: 'died', files: this.files, exitCode: code, signal, ...readBeacon(this.child.beaconDir) });
    this.files = [];
  };

  private get process(): ChildProcess {
    if (!this.child) throw new Error('The test process was not started, or has stopped.');
    return this.child.process;
  }
}

/** What the test process left in its beacon folder: the running test, and where it was stuck. */
function readBeacon(dir: string): Pick<Incident, 'test' | 'where' | 'finished'> {
  const read = (name: string): unknown => {
    try {
      return JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
    } catch {
      return undefined;
    }
  };
  const test = read('test.json') as RunningTest | undefined;
  const stall = read('stall.json') as { stack?: string; frames?: Array<{ functionName: string; url: string; line: number }> } | undefined;
  const where = stall?.stack ?? stall?.frames?.map((frame) => `    at ${frame.functionName || '<anonymous>'} (${frame.url}:${frame.line})`).join('\n');
  const finished = readLines(path.join(dir, 'finished.jsonl')) as FinishedTest[];
  return { ...(test?.file ? { test } : {}), ...(where ? { where } : {}), ...(finished.length ? { finished } : {}) };
}

/** One JSON value per line; a line cut short by the process's end is left out. */
function readLines(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => {
    try {
      return line ? [JSON.parse(line) as unknown] : [];
    } catch {
      return [];
    }
  });
}
