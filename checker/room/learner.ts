// Whether this learner's checker reports to a workshop room, decided in one place from the command
// line (`--room`, `--name`) or the environment (`KATA_ROOM`, `KATA_NAME`, so a facilitator can set
// them once for a whole room of dev containers). Watch mode and `run` get the result.
import path from 'node:path';
import { UsageError } from '../cli-args.ts';
import { STATE_DIR } from '../paths.ts';
import { RoomClient, type RoomReporter } from './client.ts';
import { normalizeName, parseRoomAddress } from './protocol.ts';

export type { RoomReporter } from './client.ts';

export const ROOM_CLIENT_FILE = path.join(STATE_DIR, 'room.json');

export function learnerRoom(
  options: { room?: string | undefined; name?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): RoomReporter | undefined {
  const room = options.room || env.KATA_ROOM || undefined;
  const name = options.name || env.KATA_NAME || undefined;
  if (!room) {
    if (options.name) throw new UsageError('--name is your name in a workshop room: add --room <the address on the board>.');
    return undefined;
  }
  if (!name) throw new UsageError('To join the workshop room, add your name: --name "<your name>" (or set KATA_NAME).');
  let address;
  try {
    address = parseRoomAddress(room);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  const normalized = normalizeName(name);
  if ('error' in normalized) throw new UsageError(`${normalized.error} (--name "${name}")`);
  return new RoomClient({ address, name: normalized.name, stateFile: ROOM_CLIENT_FILE }).start();
}
