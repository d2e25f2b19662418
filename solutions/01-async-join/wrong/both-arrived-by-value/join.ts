// Known-wrong: a hand-written loadBoth that tells "both have arrived" by both variables holding a value:
// a task that resolves with undefined never counts as arrived, so loadBoth never resolves.
import type { Task } from '../../join.ts';
export * from '../../join.ts';

export function loadBoth<A, B>(user: Task<A>, image: Task<B>): Promise<[A, B]> {
  return new Promise<[A, B]>((resolve, reject) => {
    let userData: A | undefined;
    let imageData: B | undefined;
    const done = () => {
      if (userData !== undefined && imageData !== undefined) resolve([userData, imageData]);
    };
    user().then((value) => {
      userData = value;
      done();
    }, reject);
    image().then((value) => {
      imageData = value;
      done();
    }, reject);
  });
}
