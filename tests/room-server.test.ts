// The workshop room as a server on a shared network: it lets in whoever has the code, lets each
// learner write only as themselves, turns away what is malformed, too big or too much, and loses
// nothing across a restart. Everything listens on 127.0.0.1 with an ephemeral port.
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_FILE } from '../checker/room/log-store.ts';
import type { VerdictEvent } from '../checker/room/protocol.ts';
import type { PageView, RoomServer } from '../checker/room/server.ts';
import { eventually, join, expectNothingLeftOpen, openRoom, scratchDir, send } from './support/room.ts';

let counter = 0;
function event(fields: Partial<VerdictEvent> = {}): VerdictEvent {
  counter++;
  return {
    id: `evt${String(counter).padStart(8, '0')}`,
    ageMs: 0,
    exercise: '01-async-join',
    status: 'failed',
    stepsPassed: 0,
    step: 1,
    testsPassed: 1,
    tests: 4,
    failingTest: 'loadBoth is ready after one wait',
    hints: 0,
    solution: null,
    stepSeconds: 5,
    ...fields,
  };
}

async function tokenOf(room: RoomServer, name: string): Promise<string> {
  const answer = await join(room, name);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return String(answer.body.token);
}

function postEvents(room: RoomServer, token: string, body: unknown, headers: Record<string, string> = {}) {
  return send(`${room.localUrl}/api/events`, { body: typeof body === 'string' ? body : (body as object), headers: { authorization: `Bearer ${token}`, ...headers } });
}

const view = async (room: RoomServer) => (await send(`${room.localUrl}/api/view?key=${room.key}`)).body as unknown as PageView;
const cellsOf = async (room: RoomServer, name: string) => (await view(room)).learners.find((learner) => learner.name === name)?.cells ?? {};

expectNothingLeftOpen();

describe('joining and reporting', () => {
  it('a learner joins with the code, posts a verdict, and the room shows it', async () => {
    const room = await openRoom();
    try {
      const token = await tokenOf(room, 'Ada');
      const answer = await postEvents(room, token, { events: [event({ hints: 2, solution: 'early' })] });
      expect(answer.body).toEqual({ accepted: 1, duplicates: 0, rejected: 0 });
      const cell = (await cellsOf(room, 'Ada'))['01-async-join'];
      expect(cell).toMatchObject({ status: 'failed', step: 1, hints: 2, solution: 'early', failingTest: 'loadBoth is ready after one wait' });
    } finally {
      await room.close();
    }
  });
});

describe('it defends itself', () => {
  let room: RoomServer;
  beforeAll(async () => {
    room = await openRoom({ limits: { postsPer10s: 20 } });
  });
  afterAll(async () => room.close());

  it('a wrong join code gets nobody in', async () => {
    const answer = await send(`${room.localUrl}/api/join`, { body: { code: 'ZZZZZZ', name: 'Mallory' } });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatch(/not this room's join code/);
    expect((await view(room)).learners.map((learner) => learner.name)).not.toContain('Mallory');
  });

  it('nobody writes as somebody else: a forged token is refused, a taken name needs its own token', async () => {
    const token = await tokenOf(room, 'Grace');
    expect((await postEvents(room, 'A'.repeat(43), { events: [event()] })).status).toBe(401);
    expect((await postEvents(room, 'not a token at all', { events: [event()] })).status).toBe(401);
    expect((await send(`${room.localUrl}/api/events`, { body: { events: [event()] } })).status).toBe(401);
    // Joining as "grace" (any case) without Grace's token does not hand out her token.
    const taken = await join(room, 'grace');
    expect(taken.status).toBe(409);
    expect(taken.body.token).toBeUndefined();
    expect((await join(room, 'Grace', 'B'.repeat(43))).status).toBe(409);
    // Nor can her token be taken along to a new name.
    expect((await join(room, 'Not Grace', token)).status).toBe(409);
    // With her own token, Grace continues as herself.
    const again = await join(room, 'Grace', token);
    expect(again.body).toEqual({ token, name: 'Grace', rejoined: true });
    expect(await cellsOf(room, 'Grace')).toEqual({});
  });

  it('turns away malformed bodies, whatever is wrong with them, and records none of them', async () => {
    const token = await tokenOf(room, 'Linus');
    const bad: Array<[string, string | object]> = [
      ['not JSON', '{"events": [ {'],
      ['an extra field', { events: [{ ...event(), code: 'console.log(1)' }] }],
      ['a string for a number', { events: [{ ...event(), hints: '3' }] }],
      ['a status that does not exist', { events: [{ ...event(), status: 'pwned' }] }],
      ['an exercise id with a path in it', { events: [event({ exercise: '../../etc/passwd' })] }],
      ['too many events in one post', { events: Array.from({ length: 51 }, () => event()) }],
      ['no events', { events: [] }],
      ['a prototype-poisoning key', '{"events":[],"__proto__":{"admin":true}}'],
    ];
    for (const [what, body] of bad) {
      const answer = await postEvents(room, token, body);
      expect(answer.status, what).toBe(400);
    }
    expect((await send(`${room.localUrl}/api/join`, { body: { code: room.code, name: 'x', admin: true } })).status).toBe(400);
    // Well-formed but impossible for this room: an exercise it does not have, a step past the last.
    const odd = await postEvents(room, token, { events: [event({ exercise: '99-nope' }), event({ step: 9, stepsPassed: 8 })] });
    expect(odd.body).toEqual({ accepted: 0, duplicates: 0, rejected: 2 });
    expect(await cellsOf(room, 'Linus')).toEqual({});
  });

  it('caps the size of a body before reading it', async () => {
    const token = await tokenOf(room, 'Barbara');
    const huge = { events: [event({ failingTest: 'x'.repeat(200) })], padding: 'y'.repeat(100 * 1024) };
    expect((await postEvents(room, token, huge)).status).toBe(413);
    const bigJoin = await send(`${room.localUrl}/api/join`, { body: { code: room.code, name: 'n'.repeat(2000) } });
    expect(bigJoin.status).toBe(413);
    // A name within the cap but past the limit gets a sentence, not a learner.
    expect((await send(`${room.localUrl}/api/join`, { body: { code: room.code, name: 'n'.repeat(41) } })).body.error).toMatch(/at most 40 characters/);
  });

  it('keeps a name like <script> as text in every answer, and the page can run no inline script', async () => {
    const name = '<script>alert("pwned")</script>';
    const token = await tokenOf(room, name);
    await postEvents(room, token, { events: [event()] });
    expect((await view(room)).learners.map((learner) => learner.name)).toContain(name);
    const csv = await send(`${room.localUrl}/export.csv?key=${room.key}`);
    expect(String(csv.body.text)).toContain(`"<script>alert(""pwned"")</script>"`);
    const page = await fetch(`${room.localUrl}/`);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(page.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
    expect(await page.text()).not.toContain('pwned');
  });

  it('rate-limits a flood from one learner without losing what it acknowledged or slowing anyone else', async () => {
    const flooder = await tokenOf(room, 'Flood');
    const calm = await tokenOf(room, 'Calm');
    const flood = Array.from({ length: 60 }, () => postEvents(room, flooder, { events: [event()] }));
    const others = Array.from({ length: 5 }, (_, i) => postEvents(room, calm, { events: [event({ stepSeconds: i })] }));
    const [floodAnswers, otherAnswers] = await Promise.all([Promise.all(flood), Promise.all(others)]);
    const accepted = floodAnswers.filter((answer) => answer.status === 200).length;
    expect(accepted).toBe(20);
    expect(floodAnswers.filter((answer) => answer.status === 429)).toHaveLength(40);
    expect(floodAnswers.find((answer) => answer.status === 429)?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(otherAnswers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    // Every acknowledged verdict is in the room (and in its log), and the room still answers.
    const learners = (await view(room)).learners;
    expect(learners.find((learner) => learner.name === 'Flood')?.cells['01-async-join']?.verdicts).toBe(accepted);
    expect(learners.find((learner) => learner.name === 'Calm')?.cells['01-async-join']?.verdicts).toBe(5);
    const logged = readFileSync(room.logFile, 'utf8').split('\n').filter((line) => line.includes('"type":"verdict"'));
    expect(logged).toHaveLength(room.state.history.length);
  });

  it('shows the page to anyone but the room only with the facilitator’s key', async () => {
    expect((await send(`${room.localUrl}/`)).status).toBe(200);
    expect((await send(`${room.localUrl}/api/view?key=wrong`)).status).toBe(403);
    expect((await send(`${room.localUrl}/api/view`)).status).toBe(400);
    expect((await send(`${room.localUrl}/export.csv?key=wrong`)).status).toBe(403);
    expect((await send(`${room.localUrl}/export.json?key=${room.key}`)).status).toBe(200);
  });

  it('lets nothing a request says reach the file system or a shell', async () => {
    const token = await tokenOf(room, '../../../../tmp/$(touch pwned)');
    await postEvents(room, token, { events: [event({ failingTest: '`rm -rf /` ; ../../x' })] });
    expect(readdirSync(path.dirname(room.logFile))).toEqual([LOG_FILE]);
    // And by construction: no module of the room starts a process, and only the log store writes.
    const dir = fileURLToPath(new URL('../checker/room/', import.meta.url));
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
      const source = readFileSync(path.join(dir, file), 'utf8');
      expect(source, file).not.toMatch(/['"](node:)?child_process['"]|\beval\(|new Function\(/);
      if (!['log-store.ts', 'client.ts', 'server.ts'].includes(file)) expect(source, file).not.toMatch(/from 'node:fs'/);
    }
    // The server reads only its own page files; the client writes only its own state file.
    expect(readFileSync(path.join(dir, 'server.ts'), 'utf8')).not.toMatch(/writeFile|appendFile|writeSync/);
  });
});

it('stops a guessing game at the join code', async () => {
  const room = await openRoom({ limits: { joinsPerMinute: 25 } });
  try {
    const guesses = await Promise.all(Array.from({ length: 40 }, () => send(`${room.localUrl}/api/join`, { body: { code: 'AAAAAA', name: 'Guess' } })));
    expect(guesses.filter((answer) => answer.status === 403)).toHaveLength(25);
    expect(guesses.filter((answer) => answer.status === 429)).toHaveLength(15);
    expect((await send(`${room.localUrl}/api/view?key=${room.key}`)).status).toBe(200);
  } finally {
    await room.close();
  }
});

describe('a restart of the facilitator’s laptop', () => {
  it('loses nothing: the same code and key, every learner and verdict, and a learner continues under the same name', async () => {
    const dir = scratchDir();
    const first = await openRoom({ dir });
    const token = await tokenOf(first, 'Ada');
    await postEvents(first, token, { events: [event({ step: 2, stepsPassed: 1 })] });
    const seen = await view(first);
    await first.close();
    // A crash mid-write leaves half a line: it is skipped, and the next record starts on a line of its own.
    appendFileSync(path.join(dir, LOG_FILE), '{"type":"verdict","learner":1,"at":');

    const second = await openRoom({ dir });
    try {
      expect(second.unreadable).toBe(1);
      expect([second.code, second.key]).toEqual([first.code, first.key]);
      const again = await view(second);
      expect(again.learners).toEqual(seen.learners);
      const rejoined = await join(second, 'Ada', token);
      expect(rejoined.body).toMatchObject({ rejoined: true, name: 'Ada' });
      await postEvents(second, token, { events: [event({ status: 'passed', step: null, stepsPassed: 4, failingTest: null })] });
      expect((await cellsOf(second, 'Ada'))['01-async-join']).toMatchObject({ status: 'passed', verdicts: 2 });
    } finally {
      await second.close();
    }
    const third = await openRoom({ dir });
    try {
      expect(third.unreadable).toBe(1);
      expect((await cellsOf(third, 'Ada'))['01-async-join']?.status).toBe('passed');
    } finally {
      await third.close();
    }
  });

  it('records a retried post once', async () => {
    const room = await openRoom();
    try {
      const token = await tokenOf(room, 'Retry');
      const same = event();
      expect((await postEvents(room, token, { events: [same] })).body).toMatchObject({ accepted: 1 });
      expect((await postEvents(room, token, { events: [same] })).body).toMatchObject({ accepted: 0, duplicates: 1 });
      expect(room.state.history).toHaveLength(1);
    } finally {
      await room.close();
    }
  });
});

describe('the live stream', () => {
  it('sends the room at once and every change within a second, as server-sent events', async () => {
    const room = await openRoom();
    const controller = new AbortController();
    try {
      const response = await fetch(`${room.localUrl}/api/stream?key=${room.key}`, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
      expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = response.body?.getReader();
      if (!reader) throw new Error('no stream');
      const views: PageView[] = [];
      let buffered = '';
      const pump = (async () => {
        for (;;) {
          const chunk = (await reader.read()) as { value?: Uint8Array; done: boolean };
          if (chunk.done || !chunk.value) return;
          buffered += Buffer.from(chunk.value).toString('utf8');
          for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
            const data = buffered.slice(0, end).split('\n').find((line) => line.startsWith('data: '));
            buffered = buffered.slice(end + 2);
            if (data) views.push(JSON.parse(data.slice(6)) as PageView);
          }
        }
      })().catch(() => undefined);
      await eventually(() => views.length === 1, 'the first view');
      expect(views[0]?.learners).toEqual([]);
      const token = await tokenOf(room, 'Live');
      const started = performance.now();
      await postEvents(room, token, { events: [event()] });
      await eventually(() => views.some((seen) => seen.learners[0]?.cells['01-async-join'] !== undefined), 'the verdict on the stream', 1000);
      expect(performance.now() - started).toBeLessThan(1000);
      controller.abort();
      await pump;
    } finally {
      await room.close();
    }
  });
});
