// The image library of this exercise: you use it, you do not need to change it.
// A raw RGBA image, and one real, CPU-heavy operation on it: a 2x box-filter downscale in linear light.
import { reportWork } from '../../checker/harness/threads/work-log.ts';

export interface RgbaImage {
  width: number;
  height: number;
  /** 4 bytes per pixel (red, green, blue, alpha), row after row: width * height * 4 bytes. */
  data: Uint8Array;
}

/** Every `downscale` call reports itself under this label (see the end of this file). */
export const DOWNSCALE_LABEL = 'downscale';

/**
 * Halves the width and the height: each output pixel is the average of a 2x2 block of input pixels.
 * The average is taken in linear light, as a careful resizer does (averaging the raw sRGB numbers
 * darkens fine detail), so every pixel costs a few table look-ups and three `Math.pow`s: a 3-megapixel
 * image takes a fifth of a second of pure CPU. An odd last row or column is dropped.
 *
 * Output row `y` depends on input rows `2y` and `2y + 1` only: cut the input between two such
 * pairs and each piece can be downscaled on its own.
 */
export function downscale(image: RgbaImage): RgbaImage {
  const { width, height, data } = image;
  if (data.length !== width * height * 4) {
    throw new RangeError(`downscale: ${width}x${height} needs ${width * height * 4} bytes, got ${data.length}`);
  }
  const outWidth = Math.floor(width / 2);
  const outHeight = Math.floor(height / 2);
  const out = new Uint8Array(outWidth * outHeight * 4);
  const done = reportWork(DOWNSCALE_LABEL, { rows: height, width });
  const row = width * 4;
  for (let y = 0; y < outHeight; y++) {
    let top = 2 * y * row;
    let o = y * outWidth * 4;
    for (let x = 0; x < outWidth; x++, top += 8, o += 4) {
      const bottom = top + row;
      out[o] = blockToSrgb(data, top, bottom);
      out[o + 1] = blockToSrgb(data, top + 1, bottom + 1);
      out[o + 2] = blockToSrgb(data, top + 2, bottom + 2);
      // Alpha is already linear: a plain, rounded average.
      out[o + 3] = (data[top + 3]! + data[top + 7]! + data[bottom + 3]! + data[bottom + 7]! + 2) >> 2;
    }
  }
  done();
  // The tests learn whether this result leaves its thread by transfer (moved) or stays (copied).
  done.followTransfer(out.buffer);
  return { width: outWidth, height: outHeight, data: out };
}

/** sRGB byte -> linear light (0..1), for all 256 values. */
const TO_LINEAR = Float64Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

/** One channel of a 2x2 block (top-left at `top`, bottom-left at `bottom`), averaged in linear light. */
function blockToSrgb(data: Uint8Array, top: number, bottom: number): number {
  const sum = TO_LINEAR[data[top]!]! + TO_LINEAR[data[top + 4]!]! + TO_LINEAR[data[bottom]!]! + TO_LINEAR[data[bottom + 4]!]!;
  return toSrgb(sum / 4);
}

/** Linear light (0..1) -> sRGB byte. */
function toSrgb(linear: number): number {
  const c = linear <= 0.0031308 ? 12.92 * linear : 1.055 * Math.pow(linear, 1 / 2.4) - 0.055;
  return Math.round(Math.min(1, Math.max(0, c)) * 255);
}

/**
 * A test picture, the same for the same arguments: smooth gradients, a disc, and fine noise
 * (the noise makes every block different, so no shortcut can skip the work).
 */
export function createTestImage(width: number, height: number, seed = 1): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  let x32 = (seed * 0x9e3779b1) >>> 0 || 1;
  const cx = width * 0.6;
  const cy = height * 0.4;
  const r2 = (Math.min(width, height) * 0.3) ** 2;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 4) {
      x32 ^= x32 << 13;
      x32 >>>= 0;
      x32 ^= x32 >>> 17;
      x32 ^= x32 << 5;
      x32 >>>= 0;
      const noise = (x32 & 0x1f) - 16;
      const inDisc = (x - cx) ** 2 + (y - cy) ** 2 < r2;
      data[i] = clampByte((x * 255) / width + noise);
      data[i + 1] = clampByte((y * 255) / height + noise);
      data[i + 2] = inDisc ? clampByte(220 + noise) : clampByte(60 + ((x32 >>> 8) & 0x3f));
      data[i + 3] = inDisc ? 255 : 200 + ((x32 >>> 16) & 0x37);
    }
  }
  return { width, height, data };
}

function clampByte(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}

/** A copy with its own buffer (moving the copy leaves the original intact). */
export function copyImage(image: RgbaImage): RgbaImage {
  return { width: image.width, height: image.height, data: image.data.slice() };
}

export function sameImage(a: RgbaImage, b: RgbaImage): boolean {
  return a.width === b.width && a.height === b.height && Buffer.compare(a.data, b.data) === 0;
}

export function describeImage(image: Pick<RgbaImage, 'width' | 'height'>): string {
  const pixels = image.width * image.height;
  return `${image.width}x${image.height} (${(pixels / 1e6).toFixed(1)} MP, ${((pixels * 4) / 1e6).toFixed(1)} MB)`;
}

// About `reportWork`: every downscale, in whichever thread it runs, announces its start and end on
// a BroadcastChannel (like a tracing span), with the CPU time its thread spent meanwhile. The checker
// listens, and so sees which thread did the work, when, and at what cost: evidence that a busy machine
// cannot fake. Afterwards it watches the result's buffer for a moment (at most a quarter of a second)
// and says whether it was transferred away from its thread or is still there. It costs three tiny
// messages, two small reads from /proc and a few timer ticks.
