// `doctor`: checks what the kata needs on this machine and says how to fix each problem.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, watch } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Context } from '../context.ts';
import { parseProgress } from '../formats/progress-file.ts';
import { EXERCISES_DIR, PROGRESS_FILE, ROOT } from '../paths.ts';
import { c } from '../ui/colors.ts';

type Level = 'ok' | 'warn' | 'fail';
interface Check {
  name: string;
  level: Level;
  detail: string;
  fix?: string;
}

export function runChecks(): Check[] {
  return [checkNode(), checkCores(), checkDependencies(), checkHooks(), checkProgress(), checkWatching(), checkTerminal()];
}

export function doctor(ctx: Context): number {
  const checks = runChecks();
  const icon: Record<Level, string> = { ok: c.green('✓'), warn: c.yellow('!'), fail: c.red('✗') };
  for (const check of checks) {
    ctx.out(`${icon[check.level]} ${check.name}: ${check.detail}`);
    if (check.fix && check.level !== 'ok') ctx.out(c.dim(`    fix: ${check.fix}`));
  }
  const failed = checks.filter((check) => check.level === 'fail').length;
  ctx.out(failed ? c.red(`\n${failed} problem(s) to fix.`) : c.green('\nReady: run `npm start`.'));
  return failed ? 1 : 0;
}

function checkNode(): Check {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = major > 20 || (major === 20 && minor >= 19);
  return {
    name: 'Node.js',
    level: ok ? 'ok' : 'fail',
    detail: process.version,
    fix: 'install Node.js 20.19 or newer (an LTS release from nodejs.org, or `nvm install --lts`)',
  };
}

function checkCores(): Check {
  const cores = os.availableParallelism();
  return {
    name: 'CPU cores',
    level: cores >= 2 ? 'ok' : 'warn',
    detail: `${cores} available to Node.js`,
    fix: 'with one core, the speed-up step of exercise 03 is skipped (it cannot be measured); everything else works',
  };
}

function checkDependencies(): Check {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  const missing = names.filter((name) => !existsSync(path.join(ROOT, 'node_modules', name, 'package.json')));
  return {
    name: 'dependencies',
    level: missing.length ? 'fail' : 'ok',
    detail: missing.length ? `missing: ${missing.join(', ')}` : `${names.length} installed`,
    fix: 'run `npm install` in the kata folder',
  };
}

function checkHooks(): Check {
  if (!existsSync(path.join(ROOT, '.git'))) {
    return { name: 'git hooks', level: 'ok', detail: 'not a git clone: no hooks needed' };
  }
  let hooksPath = '';
  try {
    hooksPath = execFileSync('git', ['config', 'core.hooksPath'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // Unset: git exits 1.
  }
  const ok = hooksPath === '.husky/_';
  return {
    name: 'git hooks',
    level: ok ? 'ok' : 'warn',
    detail: ok ? 'pre-commit runs lint and typecheck' : `not installed (core.hooksPath is "${hooksPath}")`,
    fix: 'run `npm install` (husky installs them); they only matter if you commit',
  };
}

function checkProgress(): Check {
  if (!existsSync(PROGRESS_FILE)) return { name: 'progress', level: 'ok', detail: 'none yet (starts on first run)' };
  const ok = parseProgress(readFileSync(PROGRESS_FILE, 'utf8'))?.lost.length === 0;
  return {
    name: 'progress',
    level: ok ? 'ok' : 'warn',
    detail: ok ? path.relative(ROOT, PROGRESS_FILE) : 'damaged',
    fix: 'nothing to do: the next command sets it aside, keeps what it can read and reruns only the tests it must',
  };
}

function checkWatching(): Check {
  try {
    watch(EXERCISES_DIR).close();
    return { name: 'file watching', level: 'ok', detail: 'available' };
  } catch (error) {
    return {
      name: 'file watching',
      level: 'warn',
      detail: `not available (${(error as Error).message})`,
      fix: 'use `npm start -- --manual` and press Enter to rerun the tests',
    };
  }
}

function checkTerminal(): Check {
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  return {
    name: 'terminal',
    level: 'ok',
    detail: tty ? 'interactive' : 'none (npm start prints your progress and exits; use `npm run kata -- verify` to grade)',
  };
}
