// The room's memory: one append-only file of JSON lines in the folder the facilitator chose on the
// command line. A record is written before the request that caused it is answered, so whatever a
// learner was told is recorded survives a restart (or a crash) of the facilitator's laptop. This is
// the only module of the room that touches the disk, and no path in it comes from a request.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { VerdictEvent } from './protocol.ts';

export const LOG_FILE = 'room-log.ndjson';

export type LogRecord =
  /** The first line: the room's join code and the facilitator's key, so a restart keeps both. */
  | { type: 'room'; version: 1; code: string; key: string; createdAt: number }
  | { type: 'join'; learner: number; name: string; tokenHash: string; at: number }
  | { type: 'verdict'; learner: number; at: number; event: VerdictEvent };

export interface OpenedLog {
  log: RoomLog;
  records: LogRecord[];
  /** Lines that could not be read (a torn last line after a crash, a hand edit): skipped, counted. */
  unreadable: number;
  /** Where an earlier room's log was moved by `fresh`. */
  setAside?: string;
}

export class RoomLog {
  private constructor(
    readonly file: string,
    private fd: number | undefined,
  ) {}

  /** Opens (or creates) the log in `dir`; `fresh` sets an existing one aside first (never deletes it). */
  static open(dir: string, options: { fresh?: boolean } = {}): OpenedLog {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, LOG_FILE);
    let setAside: string | undefined;
    if (options.fresh && existsSync(file)) {
      setAside = path.join(dir, `room-log.${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`);
      renameSync(file, setAside);
    }
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const records: LogRecord[] = [];
    let unreadable = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const record = parseRecord(line);
      if (record) records.push(record);
      else unreadable++;
    }
    const fd = openSync(file, 'a');
    // A torn last line must not swallow the next record.
    if (text !== '' && !text.endsWith('\n')) writeSync(fd, '\n');
    return { log: new RoomLog(file, fd), records, unreadable, ...(setAside ? { setAside } : {}) };
  }

  /** Appends one record. Synchronous on purpose: the answer to a request waits until it is written. */
  append(record: LogRecord): void {
    if (this.fd === undefined) throw new Error('The room log is closed.');
    // JSON.stringify escapes every newline inside strings: one record is always one line.
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Reads every record of a log without opening it for writing (the export of a stopped room). */
export function readLog(dir: string): LogRecord[] {
  const file = path.join(dir, LOG_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map(parseRecord)
    .filter((record): record is LogRecord => record !== undefined);
}

function parseRecord(line: string): LogRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'room':
      return typeof value.code === 'string' && typeof value.key === 'string' && typeof value.createdAt === 'number'
        ? (value as LogRecord)
        : undefined;
    case 'join':
      return typeof value.learner === 'number' && typeof value.name === 'string' && typeof value.tokenHash === 'string' && typeof value.at === 'number'
        ? (value as LogRecord)
        : undefined;
    case 'verdict':
      return typeof value.learner === 'number' && typeof value.at === 'number' && isRecord(value.event) && typeof value.event.exercise === 'string'
        ? (value as LogRecord)
        : undefined;
    default:
      return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
