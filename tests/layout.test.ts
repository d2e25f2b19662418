// The checker's layout, as a specification: its folders are grouped by job and imports run one way
// (CONTRIBUTING.md, "The rest of the checker is grouped by job"). A new import that runs back up, or
// closes a cycle, fails here with the import that does it.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../checker/paths.ts';

const CHECKER = path.join(ROOT, 'checker');

/** Every module of the checker (not its tests, fixtures or the room's browser page) and what it imports inside the checker. */
function checkerImports(): Map<string, string[]> {
  const modules = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'page') walk(file);
      } else if (/\.(?:ts|mjs|cjs)$/.test(entry.name) && !/\.(?:test|fixture)\.ts$/.test(entry.name)) {
        // Comments left out: they show imports from elsewhere (`from '../../checker/harness/index.ts'`).
        const source = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
        const targets = [...source.matchAll(/(?:\bfrom\s+|\bimport\s+|\bimport\(\s*|\brequire\(\s*)'(\.\.?\/[^'?]+)/g)]
          .map((match) => path.resolve(path.dirname(file), match[1] ?? ''))
          .filter((target) => target.startsWith(CHECKER + path.sep));
        modules.set(file, targets);
      }
    }
  };
  walk(CHECKER);
  return modules;
}

const modules = checkerImports();
const name = (file: string) => path.relative(CHECKER, file).split(path.sep).join('/');
const folderOf = (file: string) => (name(file).includes('/') ? (name(file).split('/')[0] ?? '.') : '.');

/** "a.ts imports b.ts" for every import from a module in `from` into a module in one of `into`. */
function importsBetween(from: string, into: readonly string[]): string[] {
  return [...modules].flatMap(([file, targets]) =>
    folderOf(file) === from ? targets.filter((target) => into.includes(folderOf(target))).map((target) => `${name(file)} imports ${name(target)}`) : [],
  );
}

describe("the checker's layout", () => {
  it('finds the modules it judges', () => {
    expect(modules.size).toBeGreaterThan(50);
    expect([...modules.keys()].map(name)).toEqual(expect.arrayContaining(['main.ts', 'running/runner.ts', 'grading/grade.ts', 'harness/index.ts']));
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].map(name).join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const target of modules.get(file) ?? []) visit(target, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of modules.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('keeps the harness on its own: exercise tests and worker threads load it without the checker', () => {
    expect(importsBetween('harness', ['.', 'commands', 'watch', 'running', 'grading', 'report', 'room', 'ui', 'formats'])).toEqual([]);
  });

  it('groups the harness by job: its root holds only the entry (index.ts) and where.ts, every other module is in a folder', () => {
    const loose = readdirSync(path.join(CHECKER, 'harness'), { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name);
    expect(loose.sort()).toEqual(['index.ts', 'where.ts']);
  });

  it('grades without running anything: grading imports nothing of running, the commands, watch mode, reports, the room or the screen', () => {
    expect(importsBetween('grading', ['running', 'commands', 'watch', 'report', 'room', 'ui'])).toEqual([]);
  });

  it('runs tests without knowing who asked: running imports nothing of the commands, watch mode, reports, the room or the screen', () => {
    expect(importsBetween('running', ['commands', 'watch', 'report', 'room', 'ui'])).toEqual([]);
  });

  it('reaches the commands and watch mode only from the entry (and watch mode, which runs commands)', () => {
    const callers = [...modules]
      .filter(([, targets]) => targets.some((target) => ['commands', 'watch'].includes(folderOf(target))))
      .map(([file]) => name(file))
      .filter((file) => !['main.ts'].includes(file) && !file.startsWith('commands/') && !file.startsWith('watch/'));
    expect(callers).toEqual([]);
  });
});
