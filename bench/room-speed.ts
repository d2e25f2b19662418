// The workshop room must not slow the learner down. Watch mode's save-to-verdict time, measured the
// way kata-speed.ts measures it (a real watch session on a copy of the kata), with the verdicts
// handed to a room client where the watch loop hands them: no room, a room that answers (the real
// `kata room`, in a process of its own as on the facilitator's laptop), a room that is down
// (connection refused) and one that takes the connection and never answers (each post times out).
// The four take turns save by save in one warm session, so load on the machine hits them alike.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../checker/paths.ts';
import { RoomClient } from '../checker/room/client.ts';
import { parseRoomAddress } from '../checker/room/protocol.ts';
import type { ExerciseReport } from '../checker/grading/grade.ts';
import { timeWatchSaves } from './kata-speed.ts';
import { median, ms, type Row } from './measure.ts';

const MODES = ['no room', 'room up', 'room down (refused)', 'room silent (times out)'] as const;
type Mode = (typeof MODES)[number];

/** `rounds` saves per mode (passing and failing in turn). */
export async function roomWatchDelay(rounds = 8): Promise<Row[]> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'kata-bench-room-'));
  const room = spawn(process.execPath, [path.join(ROOT, 'checker', 'kata.mjs'), 'room', '--host', '127.0.0.1', '--port', '0', '--dir', scratch], {
    cwd: ROOT,
    env: { ...process.env, KATA_STATE_DIR: scratch, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => void sockets.add(socket));
  const clients: RoomClient[] = [];
  try {
    const board = await new Promise<string>((resolve, reject) => {
      let output = '';
      room.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const found = /--room (\S+) --name/.exec(output)?.[1];
        if (found) resolve(found);
      });
      room.once('exit', () => reject(new Error(`the room did not start:\n${output}`)));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const refused = await closedPort();
    const client = (address: string, name: string) => {
      const made = new RoomClient({ address: parseRoomAddress(address), name, stateFile: path.join(scratch, `${name}.json`) }).start();
      clients.push(made);
      return made;
    };
    const byMode: Record<Mode, RoomClient | undefined> = {
      'no room': undefined,
      'room up': client(board, 'bench-up'),
      'room down (refused)': client(`127.0.0.1:${refused}/ABCDEF`, 'bench-down'),
      'room silent (times out)': client(`127.0.0.1:${(silent.address() as net.AddressInfo).port}/ABCDEF`, 'bench-silent'),
    };
    const modeOf = (save: number): Mode => MODES[Math.floor(save / 2) % MODES.length] ?? 'no room';
    const progress = { entry: () => ({ done: false, hints: {} }) };
    const lines: Partial<Record<Mode, string[]>> = {};
    /** How long the hand-off itself held the watch loop, per verdict. */
    const handOff: Partial<Record<Mode, number[]>> = {};
    const { delays } = await timeWatchSaves(rounds * MODES.length, {
      onVerdicts: (reports, save) => {
        if (save < 0) return;
        const mode = modeOf(save);
        const before = performance.now();
        const line = byMode[mode]?.report(reports as unknown as ExerciseReport[], progress);
        (handOff[mode] ??= []).push(performance.now() - before);
        if (line) (lines[mode] ??= []).push(line);
      },
    });
    const up = byMode['room up'];
    await up?.idle();
    const plain = delays.filter((delay) => modeOf(delay.save) === 'no room').map((delay) => delay.ms);
    const baseline = median(plain);
    // How much the same code varies save to save on this machine right now: a difference within it is noise.
    const noise = (Math.max(...plain) - Math.min(...plain)) / 2;
    return MODES.map((mode): Row => {
      const mine = delays.filter((delay) => modeOf(delay.save) === mode).map((delay) => delay.ms);
      const typical = median(mine);
      const said = (lines[mode] ?? []).filter((line) => !line.startsWith('Joined'));
      const extra =
        mode === 'room up'
          ? `; ${up?.pending === 0 ? 'every verdict delivered' : `${up?.pending} verdicts undelivered`}`
          : mode === 'no room'
            ? ''
            : `; the learner saw ${said.length} room line${said.length === 1 ? '' : 's'} in ${mine.length} saves`;
      return {
        group: 'the kata itself',
        what: `watch mode, a save to its verdict, ${mode} (median of ${mine.length} saves, the four cases taking turns)`,
        reference: `${ms(typical)} (slowest ${ms(Math.max(...mine))}${mode === 'no room' ? '' : `; report() held the loop ${ms(Math.max(...(handOff[mode] ?? [0])))} at most`})${extra}`,
        wrong: mode === 'no room' ? 'the baseline' : `target: the baseline (${ms(baseline)})`,
        point:
          mode === 'no room'
            ? `saves vary by ±${ms(noise)} here`
            : typical - baseline <= Math.max(noise, 20)
              ? `unchanged (${typical >= baseline ? '+' : '-'}${ms(Math.abs(typical - baseline))}, within ±${ms(noise)})`
              : `slower by ${ms(typical - baseline)}`,
      };
    });
  } finally {
    for (const made of clients) made.close();
    for (const socket of sockets) socket.destroy();
    silent.close();
    room.kill('SIGTERM');
  }
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
