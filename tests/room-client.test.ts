// The learner's side of the room, the real client against a real room on 127.0.0.1: it never holds
// up or breaks the learner's loop, says one quiet line when the room is down (not one per save),
// keeps what it could not send and sends it when the room is back, and batches a burst.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RoomClient } from '../checker/room/client.ts';
import { learnerRoom } from '../checker/room/learner.ts';
import { parseRoomAddress } from '../checker/room/protocol.ts';
import { SECRET, addressOf, eventually, learner, expectNothingLeftOpen, openRoom, progress, scratchDir, verdict } from './support/room.ts';

const failing = (step = 1) => verdict('01-async-join', { passed: step - 1, failing: `step ${step} test` });
const cellOf = (room: { view(): { learners: Array<{ name: string; cells: Record<string, { verdicts: number; step: number | null }> }> } }, name: string) =>
  room.view().learners.find((entry) => entry.name === name)?.cells['01-async-join'];

expectNothingLeftOpen();

describe('with the room up', () => {
  it('report() returns at once; the verdict reaches the room in the background, and nothing of the code does', async () => {
    const room = await openRoom();
    const ada = learner(room, 'Ada').start();
    try {
      await ada.idle();
      expect(ada.takeNotice()).toBe(`Joined the workshop room at 127.0.0.1:${room.port} as Ada.`);
      // Synchronous, and back before the room has even heard of the verdict: it never waits for the network.
      const line = ada.report([failing(2)], progress({ '01-async-join': { hints: { '2': 1 } } }));
      expect(line).toBeUndefined();
      expect(cellOf(room, 'Ada')).toBeUndefined();
      await ada.idle();
      expect(cellOf(room, 'Ada')).toMatchObject({ step: 2, verdicts: 1 });
      expect(readFileSync(room.logFile, 'utf8')).not.toContain(SECRET.slice(0, 12));
    } finally {
      ada.close();
      await room.close();
    }
  });

  it('a burst of verdicts goes out in a few batched posts, the latest state last', async () => {
    const room = await openRoom();
    const burst = learner(room, 'Burst').start();
    try {
      await burst.idle();
      const before = burst.requests;
      for (let i = 0; i < 300; i++) burst.report([failing((i % 4) + 1)], progress());
      await burst.idle();
      expect(burst.requests - before).toBeLessThanOrEqual(8);
      expect(burst.pending).toBe(0);
      // The first verdict was already on its way; of the 299 queued behind it the buffer kept the newest 200.
      expect(cellOf(room, 'Burst')).toMatchObject({ verdicts: 201, step: 4 });
      expect(burst.droppedEvents).toBe(100);
    } finally {
      burst.close();
      await room.close();
    }
  });

  it('a join whose answer was lost on the way is tried again, and the name stays the learner’s', async () => {
    const room = await openRoom();
    let lost = 0;
    // The room gets the join, the answer never arrives (a timeout, the Wi-Fi): as on a bad day.
    const flaky: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.endsWith('/api/join') && lost++ === 0) throw new Error('the answer was lost');
      return response;
    };
    const unlucky = learner(room, 'Unlucky', { fetch: flaky }).start();
    try {
      unlucky.report([failing(1)], progress());
      await eventually(() => unlucky.health === 'up' && unlucky.pending === 0, 'the retried join');
      expect(lost).toBe(2);
      expect(room.view().learners.map((entry) => entry.name)).toEqual(['Unlucky']);
      expect(cellOf(room, 'Unlucky')).toMatchObject({ verdicts: 1 });
    } finally {
      unlucky.close();
      await room.close();
    }
  });

  it('a room that says "too many" is left alone for as long as it asks, not retried at once', async () => {
    const room = await openRoom();
    const limited: typeof fetch = async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.endsWith('/api/events')) return new Response('{}', { status: 429, headers: { 'retry-after': '60' } });
      return fetch(input, init);
    };
    const eager = learner(room, 'Eager', { fetch: limited }).start();
    try {
      eager.report([failing(1)], progress());
      await eventually(() => eager.requests === 2, 'the join and the limited post');
      const lines = Array.from({ length: 5 }, () => eager.report([failing(1)], progress()));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(eager.requests).toBe(2);
      expect(eager.pending).toBe(6);
      // Busy is not down: the learner is not told the room is gone.
      expect(eager.health).toBe('up');
      expect([...lines, eager.takeNotice()].join(' ')).not.toMatch(/not answering/);
    } finally {
      eager.close();
      await room.close();
    }
  });

  it('measures the time on the current step itself, and starts it again on the next step', async () => {
    const room = await openRoom();
    let now = 1_000_000;
    const clocked = learner(room, 'Clock', { now: () => now }).start();
    try {
      clocked.report([failing(1)], progress());
      now += 7 * 60_000;
      clocked.report([failing(1)], progress());
      await clocked.idle();
      expect(room.state.history.map((entry) => entry.event.stepSeconds)).toEqual([0, 420]);
      now += 1000;
      clocked.report([failing(2)], progress());
      await clocked.idle();
      expect(room.state.history.at(-1)?.event.stepSeconds).toBe(0);
    } finally {
      clocked.close();
      await room.close();
    }
  });

  it('never throws into the learner’s loop, whatever goes wrong inside', () => {
    const client = learner('127.0.0.1:9/ABCDEF', 'Nobody');
    const broken = { entry: () => { throw new Error('boom'); } };
    expect(() => client.report([failing()], broken)).not.toThrow();
    client.close();
  });
});

describe('with the room down', () => {
  it('says one quiet line for the whole outage, keeps the verdicts, and sends them when the room is back', async () => {
    const dir = scratchDir();
    const first = await openRoom({ dir });
    const { port, code } = first;
    await first.close();
    const bob = learner(addressOf({ port, code }), 'Bob').start();
    try {
      const lines: Array<string | undefined> = [];
      for (let step = 1; step <= 4; step++) {
        await bob.idle();
        lines.push(bob.report([failing(step)], progress()));
      }
      expect(lines.filter(Boolean)).toEqual([`The workshop room at 127.0.0.1:${port} is not answering; your verdicts are kept and sent when it is back.`]);
      expect(bob.health).toBe('down');
      expect(bob.pending).toBe(4);

      const again = await openRoom({ dir, port });
      try {
        await eventually(() => bob.pending === 0, 'the kept verdicts to be sent');
        expect(cellOf(again, 'Bob')).toMatchObject({ verdicts: 4, step: 4 });
        expect(bob.report([failing(4)], progress())).toMatch(/^Joined the workshop room .* is back: your kept verdicts were sent\.$/);
      } finally {
        await again.close();
      }
    } finally {
      bob.close();
    }
  });

  it('a room that takes the connection and never answers costs the learner nothing but a timeout in the background', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const client = learner(`127.0.0.1:${port}/ABCDEF`, 'Carol', { timeoutMs: 150 }).start();
    try {
      for (let i = 0; i < 5; i++) expect(client.report([failing()], progress())).toBeUndefined();
      await eventually(() => sockets.size === 1, 'the join to reach the silent room');
      // Five saves went by while the first request still waits for its answer.
      expect(client.health).toBe('joining');
      await client.idle();
      expect(client.takeNotice()).toMatch(/is not answering/);
      // One request at a time, however many saves: the silent room never piles up connections.
      expect(sockets.size).toBe(1);
    } finally {
      client.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('keeps unsent verdicts across a restart of the checker and sends them on the next start, under the same name', async () => {
    const dir = scratchDir();
    const room = await openRoom({ dir });
    const stateFile = path.join(scratchDir('kata-learner-'), 'room.json');
    const address = addressOf(room);
    const first = learner(address, 'Dana', { stateFile }).start();
    await first.idle();
    first.close();
    await room.close();

    const offline = learner(address, 'Dana', { stateFile }).start();
    offline.report([failing(1)], progress());
    offline.report([failing(2)], progress());
    await offline.idle();
    offline.close();
    expect(Object.values((JSON.parse(readFileSync(stateFile, 'utf8')) as { pending: Record<string, unknown[]> }).pending)[0]).toHaveLength(2);

    const back = await openRoom({ dir, port: room.port });
    const next = learner(address, 'Dana', { stateFile }).start();
    try {
      await eventually(() => next.pending === 0 && next.health === 'up', 'the kept verdicts');
      expect(next.takeNotice()).toMatch(/^Back in the workshop room/);
      expect(back.view().learners.map((entry) => entry.name)).toEqual(['Dana']);
      expect(cellOf(back, 'Dana')).toMatchObject({ verdicts: 2, step: 2 });
    } finally {
      next.close();
      await back.close();
    }
  });
});

describe('when the room says no', () => {
  it('a wrong code: one line, then silence (no request on later saves)', async () => {
    const room = await openRoom();
    const client = learner(`127.0.0.1:${room.port}/ZZZZZZ`, 'Eve').start();
    try {
      await client.idle();
      expect(client.report([failing()], progress())).toMatch(/does not take the join code ZZZZZZ: check the address on the board/);
      const requests = client.requests;
      for (let i = 0; i < 3; i++) expect(client.report([failing()], progress())).toBeUndefined();
      await client.idle();
      expect(client.requests).toBe(requests);
      expect(client.health).toBe('refused');
    } finally {
      client.close();
      await room.close();
    }
  });

  it('a name already taken by another laptop: one line saying what to do', async () => {
    const room = await openRoom();
    const first = learner(room, 'Frank').start();
    const second = learner(room, 'frank').start();
    try {
      await Promise.all([first.idle(), second.idle()]);
      expect(second.takeNotice()).toBe(`The name "frank" is taken in the workshop room at 127.0.0.1:${room.port}: start again with another --name. Nothing is sent to it.`);
    } finally {
      first.close();
      second.close();
      await room.close();
    }
  });
});

describe('joining from the command line or the environment', () => {
  it('takes --room and --name, or KATA_ROOM and KATA_NAME; without either it is off', () => {
    expect(learnerRoom({}, {})).toBeUndefined();
    const fromEnv = learnerRoom({}, { KATA_ROOM: '127.0.0.1:9/ABCDEF', KATA_NAME: 'Gus' });
    expect(fromEnv).toBeInstanceOf(RoomClient);
    (fromEnv as RoomClient).close();
    expect(() => learnerRoom({ room: '127.0.0.1:9/ABCDEF' }, {})).toThrow(/add your name: --name/);
    expect(() => learnerRoom({ name: 'Gus' }, {})).toThrow(/add --room/);
    expect(() => learnerRoom({ room: '127.0.0.1:9', name: 'Gus' }, {})).toThrow(/must end with the room's join code/);
    expect(() => learnerRoom({ room: '127.0.0.1:9/ABCDEF', name: 'a\u0007b' }, {})).toThrow(/control or invisible/);
    expect(parseRoomAddress('127.0.0.1:9/ABCDEF').code).toBe('ABCDEF');
  });
});
