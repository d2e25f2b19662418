// Known-wrong variants: each one is graded like a learner's file, and must be rejected by the step its
// variant.json names, with a message that names the mistake. `npm test` and `kata variants` use this.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Exercise } from './exercises.ts';
import { parseVariantMeta, type VariantMeta } from './formats/variant-meta.ts';
import type { ExerciseReport } from './grade.ts';
import { variantsDir } from './paths.ts';
import { runExercises } from './runner.ts';
import type { Target } from './target.ts';

export interface Variant extends VariantMeta {
  exercise: Exercise;
  name: string;
}

export interface VariantVerdict {
  exercise: string;
  variant: string;
  mistake: string;
  step: number;
  rejected: boolean;
  /** Why it counts as rejected, or why not. */
  reason: string;
}

export function loadVariants(exercises: readonly Exercise[]): Variant[] {
  return exercises.flatMap((exercise) => {
    const dir = variantsDir(exercise.id);
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => {
        const metaPath = path.join(dir, entry.name, 'variant.json');
        const meta = parseVariantMeta(readFileSync(metaPath, 'utf8'), metaPath);
        return { ...meta, exercise, name: entry.name };
      });
  });
}

export function variantTarget(variant: Variant): Target {
  return { kind: 'variant', exercise: variant.exercise.id, variant: variant.name };
}

export async function checkVariants(variants: readonly Variant[]): Promise<VariantVerdict[]> {
  // Each variant runs only the step that must reject it: the other steps prove nothing about it.
  const results = await runExercises(
    variants.map((variant) => ({
      target: variantTarget(variant),
      exercises: [variant.exercise],
      testNamePattern: new RegExp(`^step ${variant.step}:`),
    })),
  );
  return variants.map((variant, i) => judge(variant, results[i]?.[0]));
}

export function judge(variant: Variant, report: ExerciseReport | undefined): VariantVerdict {
  const base = { exercise: variant.exercise.id, variant: variant.name, mistake: variant.mistake, step: variant.step };
  if (!report) return { ...base, rejected: false, reason: 'it was not graded' };
  if (report.status === 'error') return { ...base, rejected: false, reason: `it could not be loaded: ${report.error ?? ''}` };
  const failing = report.tests.filter((test) => test.step === variant.step && test.status === 'failed');
  if (failing.length === 0) return { ...base, rejected: false, reason: `step ${variant.step} passed: nothing caught the mistake` };
  const naming = failing.find((test) => test.message.includes(variant.messageIncludes));
  if (!naming) {
    return {
      ...base,
      rejected: false,
      reason: `step ${variant.step} failed, but no message says "${variant.messageIncludes}"; it said: ${failing[0]?.message.split('\n')[0] ?? ''}`,
    };
  }
  return { ...base, rejected: true, reason: `"${naming.name}": ${naming.message.split('\n')[0] ?? ''}` };
}
