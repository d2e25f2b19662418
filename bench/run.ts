// `npm run bench`: each lesson's point in numbers, measured on this machine (the reference solution
// beside a known-wrong variant), then the kata's own speed against its targets. Prints one table and
// writes it to bench/results.md. About two minutes on two cores, most of it `npm test`.
// `npm run bench -- --skip-npm-test` leaves out the self-test timing (a minute less); `--only WORD`
// measures only the sections whose name has WORD.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable } from 'markdown-table';
import { loadExercises } from '../checker/exercises.ts';
import { checkerOverhead, npmTest, watchDelay, watchSteps } from './kata-speed.ts';
import { lesson01 } from './lessons/01-async-join.ts';
import { lesson02 } from './lessons/02-profile-fetch.ts';
import { lesson03 } from './lessons/03-offload-cpu.ts';
import { lesson04 } from './lessons/04-shared-state.ts';
import { lesson05 } from './lessons/05-channels.ts';
import { lesson06 } from './lessons/06-under-the-hood.ts';
import { roomWatchDelay } from './room-speed.ts';
import { lesson07 } from './lessons/07-server.ts';
import { skipped, type Row } from './measure.ts';
import { MissingSolution } from './solutions.ts';

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.md');

interface Section {
  group: string;
  what: string;
  measure: () => Promise<Row | Row[]>;
}

const sections: Section[] = [
  { group: '01 async join', what: 'join of N waits', measure: lesson01 },
  { group: '02 profile fetch', what: '1000 profiles through a pool of 10', measure: lesson02 },
  { group: '03 offload CPU', what: 'blocked vs offloaded, copy vs transfer, speed-up', measure: lesson03 },
  { group: '04 shared state', what: 'async mutex and Atomics mutex', measure: lesson04 },
  { group: '05 channels', what: 'messages per second', measure: lesson05 },
  { group: '06 under the hood', what: 'memory of tasks and threads, yielding', measure: lesson06 },
  { group: '07 server', what: 'mixed load on the whole server', measure: lesson07 },
  { group: 'the kata itself', what: 'checker overhead', measure: () => checkerOverhead() },
  { group: 'the kata itself', what: 'watch mode delay', measure: () => watchDelay() },
  { group: 'the kata itself', what: 'watch mode, each exercise step by step', measure: () => watchSteps(loadExercises().map((exercise) => exercise.id)) },
  { group: 'the kata itself', what: 'watch mode with a workshop room', measure: () => roomWatchDelay() },
];
if (!process.argv.includes('--skip-npm-test')) sections.push({ group: 'the kata itself', what: 'npm test', measure: npmTest });
// `--only WORD`: just the sections whose name has WORD (`--only watch`, `--only 03`), to retry one quickly.
const only = process.argv[process.argv.indexOf('--only') + 1];
const chosen = process.argv.includes('--only') && only ? sections.filter((s) => `${s.group} ${s.what}`.includes(only)) : sections;

const started = performance.now();
const machine = `${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores available, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}, ${os.platform()} ${os.release()}`;
const load = () => (os.platform() === 'win32' ? 'n/a' : os.loadavg().map((value) => value.toFixed(2)).join(' '));
const loadBefore = load();
process.stdout.write(`concurrency-kata benchmark on ${machine}\nload average before: ${loadBefore}\n\n`);

const rows: Row[] = [];
for (const section of chosen) {
  process.stdout.write(`measuring ${section.group}: ${section.what}…\n`);
  try {
    const measured = await section.measure();
    rows.push(...(Array.isArray(measured) ? measured : [measured]));
  } catch (error) {
    const reason = error instanceof MissingSolution ? error.message : `failed: ${(error as Error).message.split('\n')[0] ?? ''}`;
    rows.push(skipped(section.group, section.what, reason));
  }
}

const seconds = ((performance.now() - started) / 1000).toFixed(0);
const table = markdownTable([
  ['', 'measure', 'reference / measured', 'known-wrong / target', 'the point'],
  ...rows.map((row) => [row.group, row.what, row.reference, row.wrong, row.point].map((cell) => cell.replace(/\|/g, '\\|'))),
]);
const footer = `Machine: ${machine}. Load average before: ${loadBefore}, after: ${load()}. The whole run took ${seconds} s.`;
process.stdout.write(`\n${table}\n\n${footer}\n`);
writeFileSync(
  RESULTS,
  [
    '# concurrency-kata benchmark',
    '',
    `Measured ${new Date().toISOString()} by \`npm run bench\`. The reference solutions beside a known-wrong variant of each lesson, then the kata's own speed against its targets. Timing on a busy machine varies: compare within a row, not across machines.`,
    '',
    table,
    '',
    footer,
    '',
  ].join('\n'),
);
process.stdout.write(`Written to ${path.relative(process.cwd(), RESULTS)}\n`);
// Worker pools and watchers are closed; anything left (a variant's leaked timer) must not hold the run.
process.exit(0);
