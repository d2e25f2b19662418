// A vitest pool for watch mode that keeps the next test process booted. Vitest starts a fresh child
// process for every run (isolation: a learner's leaked timer or worker cannot leak into the next
// run), and booting one (Node.js, tsx, vitest's runtime) is most of the delay between a save and
// the verdict. This pool boots the next process as soon as a run ends, while the learner reads
// the verdict, and hands it out on the next save: same isolation, a fraction of the wait.
// It is vitest's own `forks` worker (same entry point, options and messages) plus the spare.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { PoolOptions, PoolRunnerInitializer, PoolWorker, WorkerRequest } from 'vitest/node';

/** As vitest's forks pool: a child that ignores SIGTERM this long is killed. */
const SIGKILL_AFTER_MS = 500;

export interface WarmForks extends PoolRunnerInitializer {
  /** Ends the spare process (watch mode is closing). */
  dispose(): void;
}

export function warmForks(): WarmForks {
  let spare: { key: string; child: ChildProcess } | undefined;
  let disposed = false;

  const discard = () => {
    spare?.child.kill();
    spare = undefined;
  };
  // Never leave a booted spare behind, however this process ends.
  process.once('exit', discard);

  const pool: Pick<SparePool, 'take' | 'prepare'> = {
    take(options) {
      const key = keyOf(options);
      const ready = spare && spare.key === key && spare.child.exitCode === null && spare.child.connected ? spare.child : undefined;
      if (!ready) {
        discard();
        return spawnWorker(options);
      }
      spare = undefined;
      setRef(ready, true);
      return ready;
    },
    prepare(options) {
      if (disposed) return;
      discard();
      const child = spawnWorker(options);
      setRef(child, false);
      child.once('exit', () => {
        if (spare?.child === child) spare = undefined;
      });
      spare = { key: keyOf(options), child };
    },
  };

  return {
    name: 'kata-warm-forks',
    createPoolWorker: (options) => new WarmForkWorker(options, pool),
    dispose() {
      disposed = true;
      discard();
      process.off('exit', discard);
    },
  };
}

interface SparePool {
  /** A booted process for these options, or a new one. */
  take(options: PoolOptions): ChildProcess;
  /** Boots the process the next run will take. */
  prepare(options: PoolOptions): void;
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

function spawnWorker(options: PoolOptions): ChildProcess {
  return fork(path.resolve(options.distPath, 'workers/forks.js'), [], {
    env: options.env,
    execArgv: options.execArgv,
    stdio: 'pipe',
    serialization: 'advanced',
  });
}

class WarmForkWorker implements PoolWorker {
  // The worker side of vitest sets itself up by this name: it is a forks worker.
  readonly name = 'forks';
  readonly cacheFs = true;
  private child: ChildProcess | undefined;
  private readonly stdout: NodeJS.WritableStream;
  private readonly stderr: NodeJS.WritableStream;

  constructor(
    private readonly options: PoolOptions,
    private readonly pool: Pick<SparePool, 'take' | 'prepare'>,
  ) {
    this.stdout = options.project.vitest.logger.outputStream;
    this.stderr = options.project.vitest.logger.errorStream;
  }

  on(event: string, callback: (arg: unknown) => void): void {
    this.process.on(event, callback);
  }

  off(event: string, callback: (arg: unknown) => void): void {
    this.process.off(event, callback);
  }

  send(message: WorkerRequest): void {
    this.process.send(message);
  }

  start(): Promise<void> {
    this.child ??= this.pool.take(this.options);
    this.child.stdout?.pipe(this.stdout);
    this.child.stderr?.pipe(this.stderr);
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    const child = this.process;
    const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
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

  private get process(): ChildProcess {
    if (!this.child) throw new Error('The test process was not started, or has stopped.');
    return this.child;
  }
}
