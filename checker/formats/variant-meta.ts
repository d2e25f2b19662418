// variant.json: what a known-wrong variant gets wrong, which step must reject it, and a phrase the
// rejection message must contain (so the message names the mistake).
import { parseJsonFile } from './json-file.ts';

export interface VariantMeta {
  mistake: string;
  step: number;
  messageIncludes: string;
}

export function parseVariantMeta(text: string, source: string): VariantMeta {
  const data = parseJsonFile(text, source);
  const record = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const { mistake, step, messageIncludes } = record;
  if (typeof mistake !== 'string' || !Number.isInteger(step) || typeof messageIncludes !== 'string' || !messageIncludes) {
    throw new Error(`${source}: needs "mistake" (string), "step" (integer) and "messageIncludes" (non-empty string)`);
  }
  return { mistake, step: step as number, messageIncludes };
}
