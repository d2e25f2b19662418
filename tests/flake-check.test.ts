// The kata's own flake check: it counts expected outcomes, keeps CPU hogs running only while it
// runs, says where the first bad run's output is, and refuses arguments it does not know.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../checker/paths.ts';
import { FlakeUsageError, HOG_MARK, flakeCheck, parseFlakeArgs } from '../tools/flake-check.ts';
import { scratchStateDir } from './support/cli.ts';

const node = process.execPath;

async function check(args: string[]) {
  const lines: string[] = [];
  const code = await flakeCheck(parseFlakeArgs(args), (line) => lines.push(line));
  return { code, lines };
}

describe('flake-check', () => {
  it('passes when every run gives the expected outcome, and says so', async () => {
    const { code, lines } = await check(['-n', '3', '--', node, '-e', 'process.exit(0)']);
    expect(code).toBe(0);
    expect(lines.filter((line) => /^run \d: exit 0 in \d+ ms \(ok\)$/.test(line))).toHaveLength(3);
    expect(lines.at(-1)).toBe('with 0 CPU hogs: 3 passed, 0 failed');
  });

  it('expects failure with --expect-fail, and shows the first unexpected run, with its log', async () => {
    const log = path.join(scratchStateDir(), 'runs.log');
    const flaky = 'const fs = require("fs"); const f = process.argv[1]; const n = fs.existsSync(f) ? 1 : 0; fs.writeFileSync(f, "x"); console.log("run number", n); process.exit(n === 0 ? 1 : 0)';
    const marker = path.join(scratchStateDir(), 'marker');
    const { code, lines } = await check(['-n', '2', '--expect-fail', '--log', log, '--', node, '-e', flaky, marker]);
    expect(code).toBe(1);
    expect(lines).toContain('with 0 CPU hogs: 1 passed, 1 failed');
    expect(lines.join('\n')).toMatch(/--- output of run 2 \(the first unexpected one\)[\s\S]*run number 1/);
    expect(readFileSync(log, 'utf8')).toMatch(/=== run 1\nrun number 0\n=== run 2\nrun number 1/);
  });

  it.runIf(process.platform === 'linux')('keeps the CPU hogs running while the runs go, and none after', async () => {
    // A pattern that does not match itself: the probe below carries it in its own command line.
    const mine = `${HOG_MARK.slice(0, -1)}[${HOG_MARK.slice(-1)}] ${process.pid} `;
    const count = () => spawnSync('pgrep', ['-fc', mine], { encoding: 'utf8' }).stdout.trim();
    // The run counts the hogs while it runs (pgrep does not count itself).
    const probe = `process.exit(Number(require('child_process').spawnSync('pgrep', ['-fc', ${JSON.stringify(mine)}], { encoding: 'utf8' }).stdout.trim()) === 2 ? 0 : 1)`;
    const { code, lines } = await check(['-n', '1', '-j', '2', '--', node, '-e', probe]);
    expect(lines.at(-1)).toBe('with 2 CPU hogs: 1 passed, 0 failed');
    expect(code).toBe(0);
    expect(count(), 'hog processes left running').toBe('0');
  });

  it('refuses arguments it does not know, and a missing command, with exit 2', () => {
    expect(() => parseFlakeArgs(['-n', 'ten', '--', 'x'])).toThrow(FlakeUsageError);
    expect(() => parseFlakeArgs(['-n', '3'])).toThrow(/no command given after --/);
    expect(parseFlakeArgs(['-j', 'cores', '--', 'x']).hogs).toBeGreaterThanOrEqual(1);
    const cli = spawnSync(node, ['--import', 'tsx', path.join(ROOT, 'tools', 'flake-check.ts'), '--bogus'], { cwd: ROOT, encoding: 'utf8' });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain('flake-check: unknown argument "--bogus"');
    expect(cli.stderr).toContain('npm run flake --');
  });
});
