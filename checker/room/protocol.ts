// What a learner's checker and the workshop room say to each other, written down once: the shapes,
// their JSON schemas (the server validates every body against them, and the tests validate what the
// client sends), the limits, and how a room address and a learner's name are read. Never code,
// never file contents: a verdict event is a handful of counts and the name of one kata test.

/** The limits every body is checked against (schemas below, body caps in the server). */
export const LIMITS = {
  nameLength: 40,
  testNameLength: 200,
  eventsPerPost: 50,
  joinBodyBytes: 1024,
  eventsBodyBytes: 64 * 1024,
} as const;

/** One graded run of one exercise, as the room sees it. */
export interface VerdictEvent {
  /** Random, chosen by the client: a retried post is recorded once. */
  id: string;
  /** How long the event waited in the client's buffer (the room may have been down): the room dates it from this, free of clock skew. */
  ageMs: number;
  exercise: string;
  status: 'passed' | 'failed' | 'error';
  /** Steps passed in order before the first one that did not. */
  stepsPassed: number;
  /** The first step that did not pass; null when the exercise passed. */
  step: number | null;
  testsPassed: number;
  tests: number;
  /** The name of the first failing test of that step (a kata test's title, never its message). */
  failingTest: string | null;
  /** Hints shown for this exercise, every step together. */
  hints: number;
  /** Whether the reference solution was shown, and whether before passing. */
  solution: 'early' | 'after-pass' | null;
  /** How long this learner has been on `step` (0 once passed). */
  stepSeconds: number;
}

export interface JoinRequest {
  code: string;
  name: string;
  /**
   * The learner's secret for this name, random and chosen by their checker: it registers a new name,
   * and proves an earlier join under a taken one (continuing, not taking over someone else's name).
   */
  token?: string;
}

export interface JoinResponse {
  token: string;
  name: string;
  /** True when the name was already in the room and the token proved it is the same learner. */
  rejoined: boolean;
}

export interface EventsRequest {
  events: VerdictEvent[];
}

export interface EventsResponse {
  accepted: number;
  duplicates: number;
  /** Events the room cannot place (an exercise it does not have, a step past the last). */
  rejected: number;
}

const TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';
export const JOIN_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const CODE_PATTERN = `^[${JOIN_CODE_ALPHABET}]{6}$`;
const count = (maximum: number) => ({ type: 'integer', minimum: 0, maximum }) as const;

export const joinRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'name'],
  properties: {
    code: { type: 'string', maxLength: 16 },
    // Checked again after normalising (normalizeName): this bound only keeps the work small.
    name: { type: 'string', minLength: 1, maxLength: 4 * LIMITS.nameLength },
    token: { type: 'string', pattern: TOKEN_PATTERN },
  },
} as const;

export const verdictEventSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'ageMs', 'exercise', 'status', 'stepsPassed', 'step', 'testsPassed', 'tests', 'failingTest', 'hints', 'solution', 'stepSeconds'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,32}$' },
    ageMs: count(7 * 24 * 3600 * 1000),
    exercise: { type: 'string', pattern: '^[0-9]{2}-[a-z0-9-]{1,60}$' },
    status: { enum: ['passed', 'failed', 'error'] },
    stepsPassed: count(100),
    step: { anyOf: [{ type: 'integer', minimum: 1, maximum: 100 }, { type: 'null' }] },
    testsPassed: count(10_000),
    tests: count(10_000),
    failingTest: { anyOf: [{ type: 'string', maxLength: LIMITS.testNameLength }, { type: 'null' }] },
    hints: count(10_000),
    solution: { enum: ['early', 'after-pass', null] },
    stepSeconds: count(30 * 24 * 3600),
  },
} as const;

export const eventsRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['events'],
  properties: { events: { type: 'array', minItems: 1, maxItems: LIMITS.eventsPerPost, items: verdictEventSchema } },
} as const;

export const viewQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: { key: { type: 'string', maxLength: 64 } },
} as const;

export function isJoinCode(text: string): boolean {
  return new RegExp(CODE_PATTERN).test(text);
}

// Control characters, direction overrides and invisible spaces: a name must look like what it is, on
// the page, in the export and in the facilitator's terminal. (Joiners stay: some scripts need them.)
const INVISIBLE = /[\p{Cc}\p{Zl}\p{Zp}\u200B\u200E\u200F\u061C\u202A-\u202E\u2060-\u2069\uFEFF\uFFF9-\uFFFB]/u;

/** A learner's name as the room keeps it, or why it cannot be one. */
export function normalizeName(raw: string): { name: string } | { error: string } {
  const name = raw.normalize('NFC').trim().replace(/\s+/gu, ' ');
  if (name === '') return { error: 'A name cannot be empty.' };
  if (INVISIBLE.test(name)) return { error: 'A name cannot contain control or invisible characters.' };
  if ([...name].length > LIMITS.nameLength) return { error: `A name has at most ${LIMITS.nameLength} characters.` };
  return { name };
}

/** Names that differ only in case or spacing are the same learner. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

export interface RoomAddress {
  /** Where the room's API lives: `http://192.168.1.20:4321` (a path prefix is kept, for a proxy). */
  base: string;
  code: string;
  /** How to show it to a learner: `192.168.1.20:4321`. */
  display: string;
}

/**
 * Reads the address on the board: `192.168.1.20:4321/K7QF2M`, with or without `http://`, or an
 * `https://` one (a forwarded port). The last path segment is the join code. Throws a sentence a
 * learner can act on.
 */
export function parseRoomAddress(text: string): RoomAddress {
  const trimmed = text.trim();
  const example = 'like 192.168.1.20:4321/K7QF2M (the facilitator writes it on the board)';
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`);
  } catch {
    throw new Error(`"${text}" is not a room address: write it ${example}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`A room address starts with http:// or https://, ${example}.`);
  if (url.username || url.password || url.search || url.hash) throw new Error(`"${text}" is not a room address: write it ${example}.`);
  const segments = url.pathname.split('/').filter(Boolean);
  const code = (segments.pop() ?? '').toUpperCase().replace(/-/g, '');
  if (!isJoinCode(code)) throw new Error(`The room address must end with the room's join code, ${example}.`);
  const prefix = segments.length ? `/${segments.join('/')}` : '';
  const base = `${url.origin}${prefix}`;
  return { base, code, display: `${url.protocol === 'https:' ? 'https://' : ''}${url.host}${prefix}` };
}
