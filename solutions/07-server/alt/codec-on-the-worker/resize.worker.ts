// The worker side of the alternative: decode, downscale and encode, all on this thread. A body that is no
// PAM image comes back as the decoder's message (an error's class does not survive the trip between threads).
import { Piscina } from 'piscina';
import { downscale } from '../../../../exercises/03-offload-cpu/image.ts';
import { ImageFormatError, decodePam, encodePam } from '../../../../exercises/07-server/pam.ts';

/** The encoded answer (moved back), or why the body is not an image. */
export type ResizeOutcome = Uint8Array | string;

export default function resizeBody(body: Uint8Array): ReturnType<typeof Piscina.move> | string {
  let image;
  try {
    image = decodePam(body);
  } catch (error) {
    if (error instanceof ImageFormatError) return error.message;
    throw error;
  }
  // A buffer of its own: encodePam's may be a slice of this thread's shared buffer pool.
  return Piscina.move(new Uint8Array(encodePam(downscale(image))));
}
