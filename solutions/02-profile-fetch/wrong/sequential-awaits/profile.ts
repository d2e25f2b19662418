// Known-wrong: the image is requested only once the user row has arrived.
import type { Profile, ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfile(userId: number, services: ProfileServices): Promise<Profile> {
  const user = await services.fetchUser(userId);
  const image = await services.fetchImage(userId);
  return { userId, user, image };
}
