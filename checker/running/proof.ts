// The kata's proof of itself, exercise by exercise, graded like a learner's file:
// - the stub fails every test (nothing passes without the learner's work);
// - the reference solution passes every test;
// - each known-wrong variant is rejected by the step its variant.json names, with a message that
//   names the mistake;
// - each correct alternative passes every step its alt.json names (every step by default).
// `npm test` and `kata prove` use this: the tests must catch every wrong answer and accept every right
// one, however it is written. All of an exercise's targets run in one test process, one after another.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Exercise } from '../exercises.ts';
import { parseAltMeta, parseVariantMeta, type AltMeta, type VariantMeta } from '../formats/variant-meta.ts';
import { countsForStep, type ExerciseReport } from '../grading/grade.ts';
import { alternativesDir, variantsDir } from '../paths.ts';
import { runExercises, type RunRequest } from './runner.ts';
import type { Target } from './target.ts';

export interface Variant extends VariantMeta {
  exercise: Exercise;
  name: string;
}

export interface Alternative extends AltMeta {
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

export interface AltVerdict {
  exercise: string;
  alt: string;
  approach: string;
  steps: number[];
  accepted: boolean;
  /** Which steps passed, or the first failure. */
  reason: string;
}

export interface TargetVerdict {
  /** passed: the stub failed every test / the solution passed every test. */
  proven: boolean;
  /** Why not: the tests that passed against the stub, or that did not pass against the solution. */
  problems: string[];
}

export interface ExerciseProof {
  exercise: string;
  /** Absent only in a part of the proof (`--part`) that another part's process proves it in. */
  stub?: TargetVerdict;
  solution?: TargetVerdict;
  variants: VariantVerdict[];
  alternatives: AltVerdict[];
}

/**
 * One of `count` parts of the proof (`kata prove --part index/count`, index from 1): each part takes
 * every `count`-th target of every exercise, so parts run at once in separate processes cost about
 * the same, whatever the exercises weigh.
 */
export interface ProofPart {
  index: number;
  count: number;
}

export type ProofTarget =
  | { kind: 'solution'; exercise: Exercise }
  | { kind: 'stub'; exercise: Exercise }
  | { kind: 'alt'; exercise: Exercise; alt: Alternative }
  | { kind: 'variant'; exercise: Exercise; variant: Variant };

/** Every target of an exercise, the solution first: a variant that leaves something running cannot slow down the proof that matters most. */
function targetsOf(exercise: Exercise): ProofTarget[] {
  return [
    { kind: 'solution', exercise },
    { kind: 'stub', exercise },
    ...loadAlternatives([exercise]).map((alt) => ({ kind: 'alt', exercise, alt }) as const),
    ...loadVariants([exercise]).map((variant) => ({ kind: 'variant', exercise, variant }) as const),
  ];
}

/** The targets one part proves: every `count`-th target of each exercise, in the order it proves them. */
export function proofTargets(exercises: readonly Exercise[], part: ProofPart): ProofTarget[] {
  // Each part starts at another exercise: parts run at once do not all time the same exercise at the same moment.
  const start = Math.floor(((part.index - 1) * exercises.length) / part.count);
  const order = [...exercises.slice(start), ...exercises.slice(0, start)];
  return order.flatMap((exercise) => targetsOf(exercise).filter((_, i) => i % part.count === part.index - 1));
}

function requestFor(target: ProofTarget): RunRequest {
  switch (target.kind) {
    case 'solution':
      return { target: { kind: 'solutions' }, exercises: [target.exercise] };
    case 'stub':
      return { target: { kind: 'exercises' }, exercises: [target.exercise] };
    case 'alt':
      return { target: altTarget(target.alt), exercises: [target.exercise], steps: altSteps(target.alt) };
    case 'variant':
      return { target: variantTarget(target.variant), exercises: [target.exercise], steps: [target.variant.step], bailOn: target.variant.messageIncludes };
  }
}

/** Everything the kata claims about these exercises (or one part of it), proven in one run: one test process per exercise. */
export async function proveExercises(exercises: readonly Exercise[], part: ProofPart = { index: 1, count: 1 }): Promise<ExerciseProof[]> {
  const targets = proofTargets(exercises, part);
  const results = await runExercises(targets.map(requestFor), { sharedProcess: true });
  const judged = targets.map((target, i) => ({ target, report: results[i]?.[0] }));
  return exercises.map((exercise) => {
    const mine = judged.filter(({ target }) => target.exercise === exercise);
    const proof: ExerciseProof = { exercise: exercise.id, variants: [], alternatives: [] };
    for (const { target, report } of mine) {
      if (target.kind === 'solution') proof.solution = judgeSolution(report);
      else if (target.kind === 'stub') proof.stub = judgeStub(report);
      else if (target.kind === 'alt') proof.alternatives.push(judgeAlternative(target.alt, report));
      else proof.variants.push(judge(target.variant, report));
    }
    return proof;
  });
}

function judgeSolution(report: ExerciseReport | undefined): TargetVerdict {
  if (!report) return { proven: false, problems: ['it was not graded'] };
  if (report.status === 'error') return { proven: false, problems: [`it could not be loaded: ${report.error ?? ''}`] };
  const problems = report.tests.filter((test) => !countsForStep(test)).map((test) => `${test.status}: ${test.name}: ${test.message}`);
  const outside = report.tests.filter((test) => test.step === null).map((test) => `outside any step: ${test.name}`);
  return { proven: report.status === 'passed' && problems.length === 0 && outside.length === 0, problems: [...problems, ...outside] };
}

function judgeStub(report: ExerciseReport | undefined): TargetVerdict {
  if (!report) return { proven: false, problems: ['it was not graded'] };
  if (report.status === 'error') return { proven: false, problems: [`it could not be loaded: ${report.error ?? ''}`] };
  const passing = report.tests.filter((test) => test.status !== 'failed').map((test) => `${test.status} against the stub: ${test.name}`);
  return { proven: report.points === 0 && passing.length === 0, problems: passing };
}

export function loadVariants(exercises: readonly Exercise[]): Variant[] {
  return exercises.flatMap((exercise) =>
    folders(variantsDir(exercise.id)).map((dir) => {
      const metaPath = path.join(dir, 'variant.json');
      return { ...parseVariantMeta(readFileSync(metaPath, 'utf8'), metaPath), exercise, name: path.basename(dir) };
    }),
  );
}

export function loadAlternatives(exercises: readonly Exercise[]): Alternative[] {
  return exercises.flatMap((exercise) =>
    folders(alternativesDir(exercise.id)).map((dir) => {
      const metaPath = path.join(dir, 'alt.json');
      return { ...parseAltMeta(readFileSync(metaPath, 'utf8'), metaPath), exercise, name: path.basename(dir) };
    }),
  );
}

function folders(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(dir, entry.name));
}

export function variantTarget(variant: Variant): Target {
  return { kind: 'variant', exercise: variant.exercise.id, variant: variant.name };
}

export function altTarget(alt: Alternative): Target {
  return { kind: 'alt', exercise: alt.exercise.id, alt: alt.name };
}

/** The steps an alternative must pass. */
export function altSteps(alt: Alternative): number[] {
  return alt.steps ?? alt.exercise.steps.map((_, i) => i + 1);
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

export function judgeAlternative(alt: Alternative, report: ExerciseReport | undefined): AltVerdict {
  const steps = altSteps(alt);
  const base = { exercise: alt.exercise.id, alt: alt.name, approach: alt.approach, steps };
  if (!report) return { ...base, accepted: false, reason: 'it was not graded' };
  if (report.status === 'error') return { ...base, accepted: false, reason: `it could not be loaded: ${report.error ?? ''}` };
  const failing = report.steps.filter((step) => steps.includes(step.step) && step.status !== 'passed');
  if (failing.length === 0) return { ...base, accepted: true, reason: `step${steps.length > 1 ? 's' : ''} ${steps.join(', ')} passed` };
  const firstStep = failing[0]?.step;
  const test = report.tests.find((candidate) => candidate.step === firstStep && candidate.status !== 'passed');
  const said = test ? `"${test.name}": ${test.message.split('\n')[0] ?? test.status}` : 'no test of it ran';
  return { ...base, accepted: false, reason: `step ${firstStep ?? '?'} did not pass: ${said}` };
}
