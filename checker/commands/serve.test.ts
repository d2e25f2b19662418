// `serve` end to end, as a learner runs it: the reference server starts on 127.0.0.1, answers curl-like
// requests, and SIGTERM shuts it down gracefully, leaving nothing running (the process exits 0 by itself).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { request } from '../harness/http/http-client.ts';
import { ROOT } from '../paths.ts';

describe('serve', () => {
  it('serves exercise 07 on 127.0.0.1, prints curl lines, and shuts down on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'checker', 'kata.mjs'), 'serve', '07', '--solutions'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!/Ctrl-C/.test(output) && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
      const url = /Serving \S+ \(solutions\) at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      expect(url, output).toBeDefined();
      expect(output).toContain(`curl -i ${url ?? ''}/profile/7`);
      const health = await request(`${url ?? ''}/health`);
      expect(health).toMatchObject({ kind: 'answer', status: 200 });
      child.kill('SIGTERM');
      expect(await exited, output).toBe(0);
      expect(output).toMatch(/SIGTERM: shutting down[\s\S]*Closed\./);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
