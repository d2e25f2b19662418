// Known-wrong: both requests start at once, the picture's rejection is silenced with a .catch so Node does not
// complain, and the two are awaited one after the other: a picture that fails is heard of only once the row has arrived.
import type { Profile, ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfile(userId: number, services: ProfileServices): Promise<Profile> {
  const userP = services.fetchUser(userId);
  const imageP = services.fetchImage(userId);
  imageP.catch(() => undefined);
  const user = await userP;
  const image = await imageP;
  return { userId, user, image };
}
