// `npm run kata -- room` as the facilitator meets it: the options it takes, what it prints (the join
// line for the board, the page with its key), Ctrl-C to close, and the export afterwards.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../checker/cli-args.ts';
import { forwardedAddresses, parseDuration, room } from '../checker/commands/room.ts';
import type { Context } from '../checker/context.ts';
import { ProgressStore } from '../checker/progress.ts';
import { EXERCISES, eventually, learner, progress, scratchDir, verdict } from './support/room.ts';

/** Stands in for the checker's interrupt handling: the room stops when the emitter says SIGINT or SIGTERM. */
const stopOn = (signals: EventEmitter) => () =>
  new Promise<void>((resolve) => {
    signals.once('SIGINT', () => resolve());
    signals.once('SIGTERM', () => resolve());
  });

function facilitator(): { ctx: Context; lines: string[] } {
  const lines: string[] = [];
  const ctx: Context = {
    exercises: EXERCISES,
    store: ProgressStore.load(path.join(scratchDir(), 'progress.json')),
    out: (text) => void lines.push(text),
    err: (text) => void lines.push(text),
    interactive: false,
  };
  return { ctx, lines };
}

describe('the room command', () => {
  it('reads its options from the command line', () => {
    const args = parseCli(['room', '--port', '0', '--host', '127.0.0.1', '--stuck-after', '90s', '--dir', 'x', '--new', '--export', 'out.csv']);
    expect(args).toMatchObject({ command: 'room', port: '0', host: '127.0.0.1', stuckAfter: '90s', dir: 'x', fresh: true, exportFile: 'out.csv' });
    expect(parseCli(['watch', '--room', '10.0.0.2:4321/ABCDEF', '--name', 'Ada'])).toMatchObject({ room: '10.0.0.2:4321/ABCDEF', name: 'Ada' });
    expect([parseDuration('5m'), parseDuration('90s'), parseDuration('2m30s'), parseDuration('10')]).toEqual([300_000, 90_000, 150_000, 600_000]);
    expect(() => parseDuration('soon')).toThrow(/like 5m, 90s or 2m30s/);
  });

  it('in a Codespace, puts the forwarded https address first on the board', () => {
    const env = { CODESPACE_NAME: 'kata-x1', GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN: 'app.github.dev' };
    expect(forwardedAddresses(4321, env)).toEqual(['https://kata-x1-4321.app.github.dev']);
    expect(forwardedAddresses(4321, {})).toEqual([]);
  });

  it('prints the join line for the board and the page, runs until Ctrl-C, and the export has everyone', async () => {
    const { ctx, lines } = facilitator();
    const dir = scratchDir();
    const signals = new EventEmitter();
    const running = room(ctx, { host: '127.0.0.1', port: '0', dir, stuckAfter: '90s' }, stopOn(signals));
    await eventually(() => lines.some((line) => line.includes('?key=')), 'the page address');
    const board = lines.find((line) => line.includes('npm start -- --room')) ?? '';
    expect(board).toMatch(/^ {4}npm start -- --room 127\.0\.0\.1:\d+\/[A-Z2-9]{6} --name "your name"$/);
    expect(lines.join('\n')).toContain('Stuck means the same step failing for 1 min 30 s or more');

    // A learner types exactly what is on the board.
    const address = /--room (\S+)/.exec(board)?.[1] ?? '';
    const ada = learner(address, 'Ada').start();
    ada.report([verdict('01-async-join', { passed: 2, failing: 'fails fast' })], progress());
    await eventually(() => ada.pending === 0 && ada.health === 'up', 'the verdict');
    ada.close();
    await eventually(() => lines.some((line) => line.includes('+ Ada joined (1 in the room)')), 'the join in the terminal');

    signals.emit('SIGINT');
    expect(await running).toBe(0);
    expect(lines.at(-1)).toMatch(/^Room closed\. Everything is in .*room-log\.ndjson/);

    const file = path.join(dir, 'results.csv');
    expect(await room(ctx, { dir, exportFile: file })).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/\r\nAda,01-async-join,failed,2,4,3,/);
    await expect(room(ctx, { dir, exportFile: 'results.txt' })).rejects.toThrow(/\.csv or \.json/);
  });

  it('says what to do when the port is taken or the options are wrong', async () => {
    const { ctx, lines } = facilitator();
    const signals = new EventEmitter();
    const first = room(ctx, { host: '127.0.0.1', port: '0', dir: scratchDir() }, stopOn(signals));
    await eventually(() => lines.some((line) => line.includes('?key=')), 'the first room');
    const port = /127\.0\.0\.1:(\d+)/.exec(lines.find((line) => line.includes('?key=')) ?? '')?.[1] ?? '';
    const second = facilitator();
    expect(await room(second.ctx, { host: '127.0.0.1', port, dir: scratchDir() })).toBe(1);
    expect(second.lines.join('\n')).toContain(`Port ${port} is already in use`);
    signals.emit('SIGTERM');
    expect(await first).toBe(0);
    await expect(room(ctx, { port: 'http' })).rejects.toThrow(/--port takes a number/);
    await expect(room(ctx, { stuckAfter: 'later' })).rejects.toThrow(/--stuck-after takes a time/);
  });
});
