// Known-wrong: the queries go through node:stream's Readable.map with { concurrency: maxQueries }.
// It keeps the input order by holding finished results until the earlier ones are done, and stops
// starting queries while it holds them: behind one slow query, connections sit idle.
import { Readable } from 'node:stream';
import { type Profile, type ProfileServices, type UserRow } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfiles(userIds: readonly number[], services: ProfileServices, maxQueries: number): Promise<Profile[]> {
  const images = userIds.map((userId) => services.fetchImage(userId));
  const users = Readable.from(userIds).map((userId: number) => services.fetchUser(userId), { concurrency: maxQueries });
  const [rows, pictures] = await Promise.all([users.toArray() as Promise<UserRow[]>, Promise.all(images)]);
  return userIds.map((userId, i) => ({ userId, user: rows[i]!, image: pictures[i]! }));
}
