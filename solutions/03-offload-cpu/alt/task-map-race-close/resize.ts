// Correct alternative: tasks kept in a Map by id; each resize gets an AbortController of its own, linked to the
// caller's signal and unlinked when it settles; close() waits with a Promise.race loop until the map is empty.
import os from 'node:os';
import { Piscina } from 'piscina';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

export interface ResizerOptions {
  threads?: number;
}

export interface ResizeOptions {
  signal?: AbortSignal;
}

export class ImageResizer {
  readonly #pool: Piscina;
  readonly #threads: number;
  readonly #tasks = new Map<number, Promise<unknown>>();
  #nextId = 0;
  #open = true;

  constructor({ threads = os.availableParallelism() }: ResizerOptions = {}) {
    this.#threads = threads;
    this.#pool = new Piscina({ filename: new URL('../../resize.worker.ts', import.meta.url).href, minThreads: threads, maxThreads: threads });
  }

  async resize(image: RgbaImage, { signal }: ResizeOptions = {}): Promise<RgbaImage> {
    const controller = new AbortController();
    const forward = () => controller.abort(signal?.reason);
    if (signal?.aborted) forward();
    signal?.addEventListener('abort', forward, { once: true });
    try {
      const data = (await this.#start(image, [image.data.buffer as ArrayBuffer], controller.signal)) as Uint8Array;
      return { width: image.width >> 1, height: image.height >> 1, data };
    } finally {
      signal?.removeEventListener('abort', forward);
    }
  }

  async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const width = image.width;
    const outWidth = width >> 1;
    const outHeight = image.height >> 1;
    const out = new Uint8Array(outWidth * outHeight * 4);
    const step = Math.max(1, Math.ceil(outHeight / this.#threads));
    const pieces: Promise<void>[] = [];
    for (let y = 0; y < outHeight; y += step) {
      const rows = Math.min(step, outHeight - y) * 2;
      const stripe = image.data.slice(y * 2 * width * 4, (y * 2 + rows) * width * 4);
      pieces.push(this.#start({ width, height: rows, data: stripe }, [stripe.buffer]).then((pixels) => out.set(pixels as Uint8Array, y * outWidth * 4)));
    }
    await Promise.all(pieces);
    return { width: outWidth, height: outHeight, data: out };
  }

  async close(): Promise<void> {
    this.#open = false;
    while (this.#tasks.size > 0) await Promise.race([...this.#tasks.values()].map((task) => task.catch(() => undefined)));
    await this.#pool.close();
  }

  #start(task: RgbaImage, transferList: ArrayBuffer[], signal?: AbortSignal): Promise<unknown> {
    if (!this.#open) return Promise.reject(new Error('closed: no more resizes'));
    const id = this.#nextId++;
    const promise = this.#pool.run(task, { transferList, signal });
    this.#tasks.set(id, promise);
    promise.then(
      () => this.#tasks.delete(id),
      () => this.#tasks.delete(id),
    );
    return promise;
  }
}
