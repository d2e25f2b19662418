// The workshop room's logic without a network: what a learner's checker sends (and never sends), how
// the room reads an address and a name, who counts as stuck, which failure most learners share, and
// an export a spreadsheet cannot be tricked by.
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../checker/room/log-store.ts';
import { normalizeName, parseRoomAddress, type VerdictEvent } from '../checker/room/protocol.ts';
import { csvCell, toCsv, toJson } from '../checker/room/room-export.ts';
import { RoomState } from '../checker/room/room-state.ts';
import { verdictFields } from '../checker/room/verdict-event.ts';
import { ROOM_EXERCISES, SECRET, verdict } from './support/room.ts';

const MINUTE = 60_000;

describe('what a verdict event says', () => {
  it('names the step, the counts and the failing test, and nothing of the learner’s code or messages', () => {
    const fields = verdictFields(verdict('01-async-join', { passed: 1, failing: 'loadAll keeps the input order' }), {
      hints: { '1': 2, '2': 1 },
      solutionRevealed: 'early',
    });
    expect(fields).toEqual({
      exercise: '01-async-join',
      status: 'failed',
      stepsPassed: 1,
      step: 2,
      testsPassed: 3,
      tests: 4,
      failingTest: 'loadAll keeps the input order',
      hints: 3,
      solution: 'early',
    });
    expect(JSON.stringify(fields)).not.toContain('SECRET');
  });

  it('a passed exercise has no step and no failing test; a file that does not load has no test name', () => {
    expect(verdictFields(verdict('02-profile-fetch', { passed: 3 }), { hints: {} })).toMatchObject({ status: 'passed', step: null, stepsPassed: 3, failingTest: null });
    const broken = verdictFields(verdict('01-async-join', { passed: 0, error: true }), { hints: {} });
    expect(broken).toMatchObject({ status: 'error', step: 1, stepsPassed: 0, failingTest: null });
    expect(JSON.stringify(broken)).not.toContain(SECRET.slice(0, 10));
  });
});

describe('reading what the learner types', () => {
  it('takes the address on the board with or without http://, https for a forwarded port, and the code last', () => {
    expect(parseRoomAddress('192.168.1.20:4321/K7QF2M')).toEqual({ base: 'http://192.168.1.20:4321', code: 'K7QF2M', display: '192.168.1.20:4321' });
    expect(parseRoomAddress('http://192.168.1.20:4321/k7qf2m/')).toMatchObject({ base: 'http://192.168.1.20:4321', code: 'K7QF2M' });
    expect(parseRoomAddress('https://room-4321.example.dev/K7Q-F2M')).toMatchObject({ base: 'https://room-4321.example.dev', code: 'K7QF2M' });
    expect(() => parseRoomAddress('192.168.1.20:4321')).toThrow(/must end with the room's join code/);
    expect(() => parseRoomAddress('ftp://host/K7QF2M')).toThrow(/http:\/\/ or https:\/\//);
    expect(() => parseRoomAddress('http://u:p@host/K7QF2M')).toThrow(/not a room address/);
  });

  it('keeps a name as written but tidied; refuses control and invisible characters and long names', () => {
    expect(normalizeName('  Ada   Lovelace ')).toEqual({ name: 'Ada Lovelace' });
    expect(normalizeName('<script>alert(1)</script>')).toEqual({ name: '<script>alert(1)</script>' });
    expect(normalizeName('Zoë 李')).toEqual({ name: 'Zoë 李' });
    expect(normalizeName('evil\u001b[2J')).toHaveProperty('error');
    expect(normalizeName('admin\u202Egnp.exe')).toHaveProperty('error');
    expect(normalizeName('x'.repeat(41))).toHaveProperty('error');
    expect(normalizeName('   ')).toHaveProperty('error');
  });
});

/** A room with learners joined at t=0 and verdicts given as [learner, at, event fields]. */
function roomWith(verdicts: Array<[number, number, Partial<VerdictEvent>]>, stuckAfterMs = 5 * MINUTE): RoomState {
  const state = new RoomState(ROOM_EXERCISES, stuckAfterMs);
  const records: LogRecord[] = [{ type: 'room', version: 1, code: 'ABCDEF', key: 'k', createdAt: 0 }];
  const learners = new Set(verdicts.map(([learner]) => learner));
  for (const learner of [...learners].sort()) records.push({ type: 'join', learner, name: `learner ${learner}`, tokenHash: `h${learner}`, at: 0 });
  verdicts.forEach(([learner, at, fields], i) => {
    const event: VerdictEvent = {
      id: `event-${String(i).padStart(4, '0')}`,
      ageMs: 0,
      exercise: '01-async-join',
      status: 'failed',
      stepsPassed: 0,
      step: 1,
      testsPassed: 0,
      tests: 4,
      failingTest: 'the first test',
      hints: 0,
      solution: null,
      stepSeconds: 0,
      ...fields,
    };
    records.push({ type: 'verdict', learner, at, event });
  });
  for (const record of records) state.apply(record);
  return state;
}

describe('who is stuck', () => {
  it('is whoever has failed the same step for longer than the limit, counted from when they reached it', () => {
    const state = roomWith([
      [1, 0, { stepSeconds: 0 }],
      [1, 6 * MINUTE, { stepSeconds: 360 }], // on step 1 for six minutes: stuck
      [2, 6 * MINUTE, { stepSeconds: 60 }], // one minute: not yet
      [3, 6 * MINUTE, { status: 'passed', step: null, stepsPassed: 4, failingTest: null }],
    ]);
    const view = state.view(6 * MINUTE);
    expect(view.stuck.map((stuck) => stuck.name)).toEqual(['learner 1']);
    expect(view.stuck[0]).toMatchObject({ exercise: '01-async-join', step: 1, since: 0, failingTest: 'the first test' });
    expect(view.learners.map((learner) => learner.stuck)).toEqual([true, false, false]);
    // Learner 2 crosses the line four minutes later, with no verdict in between: the room knows when.
    expect(state.nextStuckAt(6 * MINUTE)).toBe(10 * MINUTE);
    expect(state.view(10 * MINUTE).stuck.map((stuck) => stuck.name)).toEqual(['learner 1', 'learner 2']);
  });

  it('moving on to the next step, or passing, ends it', () => {
    const state = roomWith([
      [1, 10 * MINUTE, { stepSeconds: 600 }],
      [1, 11 * MINUTE, { step: 2, stepsPassed: 1, stepSeconds: 0 }],
    ]);
    expect(state.view(12 * MINUTE).stuck).toEqual([]);
    expect(state.view(16 * MINUTE).stuck).toHaveLength(1);
  });
});

describe('the most common failure per step', () => {
  it('is the failing test most learners on that step share, with how many, so it can be explained once', () => {
    const view = roomWith([
      [1, 1, { step: 2, stepsPassed: 1, failingTest: 'keeps the input order' }],
      [2, 1, { step: 2, stepsPassed: 1, failingTest: 'keeps the input order' }],
      [3, 1, { step: 2, stepsPassed: 1, failingTest: 'starts every task at once' }],
      [4, 1, { step: 1, stepsPassed: 0, failingTest: 'loadBoth is ready after one wait' }],
      [5, 1, { exercise: '02-profile-fetch', status: 'error', step: 1, failingTest: null }],
    ]).view(2);
    expect(view.common).toEqual([
      { exercise: '01-async-join', step: 2, test: 'keeps the input order', count: 2, onStep: 3 },
      { exercise: '01-async-join', step: 1, test: 'loadBoth is ready after one wait', count: 1, onStep: 1 },
      { exercise: '02-profile-fetch', step: 1, test: null, count: 1, onStep: 1 },
    ]);
  });

  it('counts each learner once per exercise, by their latest verdict, whatever order the posts came in', () => {
    const state = roomWith([
      [1, 50_000, { step: 2, stepsPassed: 1, failingTest: 'later' }],
      [1, 30_000, { step: 1, failingTest: 'earlier, delivered late' }],
    ]);
    const view = state.view(60_000);
    expect(view.common).toEqual([{ exercise: '01-async-join', step: 2, test: 'later', count: 1, onStep: 1 }]);
    expect(view.learners[0]?.cells['01-async-join']?.verdicts).toBe(2);
    expect(state.history).toHaveLength(2);
  });
});

describe('the export', () => {
  it('has one row per learner and exercise, with hints, early solutions and who is stuck', () => {
    const state = roomWith([
      [1, 6 * MINUTE, { stepSeconds: 360, hints: 2, solution: 'early' }],
      [2, 1, { exercise: '02-profile-fetch', status: 'passed', step: null, stepsPassed: 3, failingTest: null }],
    ]);
    const csv = toCsv(state.view(6 * MINUTE)).split('\r\n');
    expect(csv[0]).toBe('learner,exercise,status,steps passed,steps,failing step,tests passed,tests,failing test,hints,solution,minutes on step,stuck,verdicts,last verdict');
    expect(csv[1]).toMatch(/^learner 1,01-async-join,failed,0,4,1,0,4,the first test,2,early,6,yes,1,/);
    expect(csv[2]).toMatch(/^learner 2,02-profile-fetch,passed,3,3,,0,4,,0,,,,1,/);
    const json = JSON.parse(toJson(state, state.view(6 * MINUTE))) as { rows: unknown[]; verdicts: Array<Record<string, unknown>> };
    expect(json.rows).toHaveLength(2);
    expect(json.verdicts[0]).toMatchObject({ learner: 'learner 1', exercise: '01-async-join', hints: 2 });
    expect(JSON.stringify(json)).not.toMatch(/tokenHash|"h1"/);
  });

  it('defuses spreadsheet formulas and quotes what needs quoting', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("\"'+1\"");
    expect(csvCell('@SUM(A1)')).toBe("\"'@SUM(A1)\"");
    expect(csvCell('Ada, the first')).toBe('"Ada, the first"');
    expect(csvCell('<script>')).toBe('<script>');
    expect(csvCell(3)).toBe('3');
  });
});
