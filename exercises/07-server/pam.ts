// The image format of POST /resize: you use it, you do not need to change it.
// PAM (Netpbm's "portable arbitrary map") is the simplest real image format there is: a short text
// header, then the raw RGBA pixels, row after row. Image tools read and write it
// (ImageMagick: `convert photo.jpg -alpha on photo.pam`), and it maps one to one onto RgbaImage.
//
//   P7
//   WIDTH 640
//   HEIGHT 480
//   DEPTH 4
//   MAXVAL 255
//   TUPLTYPE RGB_ALPHA
//   ENDHDR
//   <640 * 480 * 4 bytes of pixels>
import type { RgbaImage } from '../03-offload-cpu/image.ts';

export type { RgbaImage };

export const PAM_CONTENT_TYPE = 'image/x-portable-arbitrarymap';

/** The largest width or height `decodePam` accepts. */
export const MAX_SIDE = 16_384;

/** The header is short; a "header" longer than this is not one. */
const MAX_HEADER_BYTES = 1024;
const END = 'ENDHDR\n';

/** Thrown by `decodePam` for a body that is not an RGBA PAM image; the message says what is wrong. */
export class ImageFormatError extends Error {
  override name = 'ImageFormatError';
}

/**
 * Reads a PAM image. The pixels are copied into a buffer of their own, so the result can be moved
 * to a worker thread (`transferList: [image.data.buffer]`) without taking the request body with it.
 */
export function decodePam(bytes: Uint8Array): RgbaImage {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, MAX_HEADER_BYTES)).toString('latin1');
  if (!head.startsWith('P7\n')) throw new ImageFormatError('not a PAM image: the body must start with the line "P7"');
  const end = head.indexOf(END);
  if (end < 0) throw new ImageFormatError(`no "ENDHDR" line in the first ${MAX_HEADER_BYTES} bytes: the PAM header is cut or missing`);
  const fields = new Map<string, string>();
  for (const line of head.slice(3, end).split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [key = '', ...rest] = trimmed.split(/\s+/);
    fields.set(key, rest.join(' '));
  }
  const width = side(fields, 'WIDTH');
  const height = side(fields, 'HEIGHT');
  if (fields.get('DEPTH') !== '4' || fields.get('MAXVAL') !== '255') {
    throw new ImageFormatError(`only RGBA images with 8 bits a channel are supported (DEPTH 4, MAXVAL 255); this one has DEPTH ${fields.get('DEPTH') ?? '?'}, MAXVAL ${fields.get('MAXVAL') ?? '?'}`);
  }
  const tupleType = fields.get('TUPLTYPE');
  if (tupleType !== undefined && tupleType !== 'RGB_ALPHA') throw new ImageFormatError(`TUPLTYPE ${tupleType} is not supported: use RGB_ALPHA`);
  const offset = end + END.length;
  const expected = width * height * 4;
  const actual = bytes.byteLength - offset;
  if (actual !== expected) {
    throw new ImageFormatError(`the header says ${width}x${height} RGBA, that is ${expected} bytes of pixels, but ${actual} bytes follow it`);
  }
  // A copy into a buffer of its own, never a view: the request body may share its memory with others. (Not
  // `bytes.slice()`: on a Buffer, the request body, slice() is a view, like subarray().)
  return { width, height, data: new Uint8Array(bytes.subarray(offset)) };
}

function side(fields: Map<string, string>, key: 'WIDTH' | 'HEIGHT'): number {
  const text = fields.get(key);
  const value = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || value < 1 || value > MAX_SIDE) {
    throw new ImageFormatError(`${key} must be a whole number from 1 to ${MAX_SIDE}; the header says ${text === undefined ? 'nothing' : `"${text}"`}`);
  }
  return value;
}

/** The PAM file for `image`: its header, then its pixels. */
export function encodePam(image: RgbaImage): Buffer {
  const header = `P7\nWIDTH ${image.width}\nHEIGHT ${image.height}\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\n${END}`;
  return Buffer.concat([Buffer.from(header, 'latin1'), image.data]);
}
