// The metadata of the other ways to write an exercise, beside its reference solution:
// - variant.json, a known-wrong variant: what it gets wrong, which step must reject it, and a phrase
//   the rejection message must contain (so the message names the mistake);
// - alt.json, a correct alternative: the approach it takes, and the steps it must pass (all of them
//   unless it names some: an alternative that rewrites one function is proven by that function's step).
import { parseJsonFile } from './json-file.ts';

export interface VariantMeta {
  mistake: string;
  step: number;
  messageIncludes: string;
}

export interface AltMeta {
  approach: string;
  /** The steps it must pass; undefined: every step. */
  steps?: number[];
}

export function parseVariantMeta(text: string, source: string): VariantMeta {
  const record = parseRecord(text, source);
  const { mistake, step, messageIncludes } = record;
  if (typeof mistake !== 'string' || !Number.isInteger(step) || typeof messageIncludes !== 'string' || !messageIncludes) {
    throw new Error(`${source}: needs "mistake" (string), "step" (integer) and "messageIncludes" (non-empty string)`);
  }
  return { mistake, step: step as number, messageIncludes };
}

export function parseAltMeta(text: string, source: string): AltMeta {
  const { approach, steps } = parseRecord(text, source);
  const stepsOk = steps === undefined || (Array.isArray(steps) && steps.length > 0 && steps.every((step) => Number.isInteger(step) && (step as number) >= 1));
  if (typeof approach !== 'string' || !approach || !stepsOk) {
    throw new Error(`${source}: needs "approach" (non-empty string) and, optionally, "steps" (a non-empty list of step numbers)`);
  }
  return steps === undefined ? { approach } : { approach, steps: steps as number[] };
}

function parseRecord(text: string, source: string): Record<string, unknown> {
  const data = parseJsonFile(text, source);
  return (typeof data === 'object' && data !== null && !Array.isArray(data) ? data : {}) as Record<string, unknown>;
}
