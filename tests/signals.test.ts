// Interrupted, the checker leaves nothing behind: Ctrl-C, SIGTERM and SIGHUP all end it with exit code
// 130 and end every test process it started, even one stuck in a learner's endless loop; watch mode
// also quits when the `npm start` that started it is stopped. Real processes on a copy of the kata.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../checker/paths.ts';
import { cleanEnv, scratchStateDir } from './support/cli.ts';
import { copyKata, type KataCopy } from './support/kata-copy.ts';

const LINUX = process.platform === 'linux';

/** A copy whose exercise 01 never gives the event loop back in its step 1. */
function loopingCopy(): KataCopy {
  const copy = copyKata(['01-async-join']);
  const solution = readFileSync(path.join(ROOT, 'solutions', '01-async-join', 'join.ts'), 'utf8');
  writeFileSync(copy.file('exercises/01-async-join/join.ts'), solution.replace('const [userData, imageData] = await Promise.all', 'for (;;);\n  const [userData, imageData] = await Promise.all'));
  return copy;
}

/** The pids of every process whose command line mentions the copy (the checker and its test processes). */
function processesOf(copy: KataCopy): number[] {
  if (!LINUX) return [];
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(copy.root) && !line.includes(' ps '))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(100);
  }
  return condition();
}

describe.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('%s to `kata run` while a test loops forever', (signal) => {
  it('exits 130 at once and leaves no test process behind', { skip: !LINUX }, async () => {
    const copy = loopingCopy();
    const child = spawn(process.execPath, [copy.file('checker/kata.mjs'), 'run', '1'], {
      cwd: copy.root,
      env: { ...cleanEnv(), KATA_STATE_DIR: scratchStateDir(), KATA_WATCHDOG_MS: '60000' },
      stdio: 'ignore',
    });
    const exited = exitOf(child);
    // Wait until the test process is spinning in the loop.
    expect(await until(() => processesOf(copy).length >= 2, 20_000)).toBe(true);
    await sleep(300);
    child.kill(signal);
    const start = Date.now();
    expect(await exited).toBe(130);
    expect(Date.now() - start).toBeLessThan(3_000);
    expect(await until(() => processesOf(copy).length === 0, 3_000), 'no process of the copy is left').toBe(true);
  });
});

describe('watch mode', () => {
  it('quits when the `npm start` that started it is stopped, ending its test processes', { skip: !LINUX }, async () => {
    const copy = loopingCopy();
    // A terminal of its own (script gives it one), as a learner's `npm start` has.
    const child = spawn('script', ['-qfec', 'npm start', '/dev/null'], {
      cwd: copy.root,
      env: { ...cleanEnv(), KATA_STATE_DIR: scratchStateDir(), KATA_WATCHDOG_MS: '60000' },
      stdio: 'ignore',
    });
    try {
      expect(await until(() => processesOf(copy).some((pid) => command(pid).includes('forks.js')), 30_000), 'a test process started').toBe(true);
      const npm = execFileSync('pgrep', ['-f', '-P', String(child.pid), 'npm'], { encoding: 'utf8' }).trim().split('\n')[0];
      process.kill(Number(npm), 'SIGTERM');
      expect(await until(() => processesOf(copy).length === 0, 5_000), 'the checker and its test processes are gone').toBe(true);
    } finally {
      child.kill('SIGKILL');
      for (const pid of processesOf(copy)) process.kill(pid, 'SIGKILL');
    }
  });
});

function command(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

describe.each(['SIGINT', 'SIGTERM'] as const)('%s to `kata room`', (signal) => {
  it('closes the room, says where everything is kept, and exits 0', async () => {
    const dir = scratchStateDir();
    const child = spawn(process.execPath, [path.join(ROOT, 'checker', 'kata.mjs'), 'room', '--host', '127.0.0.1', '--port', '0', '--dir', dir], {
      cwd: ROOT,
      env: { ...cleanEnv(), KATA_STATE_DIR: scratchStateDir(), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exited = exitOf(child);
    try {
      expect(await until(() => out.includes('?key='), 20_000), 'the room opened').toBe(true);
      child.kill(signal);
      expect(await exited).toBe(0);
      expect(out).toMatch(/Room closed\. Everything is in .*room-log\.ndjson/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
