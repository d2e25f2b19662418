import { loadExercises } from './checker/exercises.ts';
import { loadAlternatives, loadVariants, altTarget, altSteps, variantTarget } from './checker/proof.ts';
import { runExercises } from './checker/runner.ts';
const ids = process.argv.slice(2);
const exercises = loadExercises().filter((e) => ids.length === 0 || ids.some((id) => e.id.startsWith(id)));
const variants = loadVariants(exercises);
const alternatives = loadAlternatives(exercises);
const requests = [
  ...exercises.flatMap((exercise) => [
    { target: { kind: 'solutions' } as const, exercises: [exercise], label: `${exercise.id} solution` },
    { target: { kind: 'exercises' } as const, exercises: [exercise], label: `${exercise.id} stub` },
  ]),
  ...alternatives.map((alt) => ({ target: altTarget(alt), exercises: [alt.exercise], steps: altSteps(alt), label: `${alt.exercise.id} alt/${alt.name}` })),
  ...variants.map((variant) => ({ target: variantTarget(variant), exercises: [variant.exercise], steps: [variant.step], bailOn: variant.messageIncludes, label: `${variant.exercise.id} wrong/${variant.name}` })),
];
const t0 = performance.now();
const results = await runExercises(requests, { sharedProcess: true });
console.log('total', Math.round(performance.now() - t0));
const rows = requests.map((r, i) => {
  const tests = results[i]?.[0]?.tests ?? [];
  const sum = tests.reduce((s, t) => s + t.durationMs, 0);
  const top = [...tests].sort((a, b) => b.durationMs - a.durationMs).slice(0, 3).map((t) => `${Math.round(t.durationMs)} ${t.step}:${t.name.slice(0, 60)}`);
  return { label: r.label, sum: Math.round(sum), top };
});
rows.sort((a, b) => b.sum - a.sum);
for (const row of rows) console.log(String(row.sum).padStart(6), row.label, '\n        ', row.top.join('\n         '));
