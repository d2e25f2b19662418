// Lesson 02: a thousand requests through a pool of ten. The limit keeps the database at ten
// queries at once and costs time; no limit is fast here and floods a real database.
import { InFlightCounter, SimulatedIo } from '../../checker/harness/index.ts';
import { ms, timeMs, type Row } from '../measure.ts';
import { loadSolution } from '../solutions.ts';

interface Services {
  fetchUser(userId: number, signal?: AbortSignal): Promise<{ id: number; name: string }>;
  fetchImage(userId: number, signal?: AbortSignal): Promise<Uint8Array>;
}

interface Profiles {
  getProfiles(userIds: readonly number[], services: Services, maxQueries: number): Promise<unknown[]>;
}

const USERS = 1000;
const POOL = 10;
/** Short, so the limited run (USERS / POOL queries in a row) takes about half a second. */
const LATENCY = 5;

export async function lesson02(): Promise<Row[]> {
  const reference = await loadSolution<Profiles>('02-profile-fetch/profile.ts', ['getProfiles']);
  const wrong = await loadSolution<Profiles>('02-profile-fetch/wrong/no-limit/profile.ts', ['getProfiles']);
  const run = async (profiles: Profiles) => {
    const io = new SimulatedIo(LATENCY);
    const queries = new InFlightCounter();
    const services: Services = {
      fetchUser: (id, signal) => queries.track(() => io.call(`user ${id}`, { value: { id, name: `user ${id}` }, ...(signal ? { signal } : {}) })),
      fetchImage: (id, signal) => io.call(`image ${id}`, { value: new Uint8Array(4), ...(signal ? { signal } : {}) }),
    };
    const ids = Array.from({ length: USERS }, (_, i) => i);
    const elapsed = await timeMs(() => profiles.getProfiles(ids, services, POOL));
    return `${ms(elapsed)}, peak ${queries.peak} queries`;
  };
  return [
    {
      group: '02 profile fetch',
      what: `${USERS} profiles, database pool of ${POOL}, ${LATENCY} ms a query (reference vs no limit)`,
      reference: await run(reference),
      wrong: await run(wrong),
      point: `the limit holds the database at ${POOL} queries; without it all ${USERS} hit it at once`,
    },
  ];
}
