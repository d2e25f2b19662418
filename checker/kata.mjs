#!/usr/bin/env node
// The checker's entry point. Plain JavaScript on purpose: it runs before anything is installed, so it
// can say what to do (wrong Node.js version, no `npm install` yet) instead of failing with a stack trace.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);

if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`concurrency-kata needs Node.js 20.19 or newer; this is ${process.version}. Install a current Node.js LTS and try again.`);
  process.exit(2);
}
if (!existsSync(path.join(root, 'exercises')) || !existsSync(path.join(root, 'package.json'))) {
  console.error(`This does not look like the concurrency-kata folder (${root}). Run the checker from a clone of the kata.`);
  process.exit(2);
}
if (!existsSync(path.join(root, 'node_modules', 'tsx')) || !existsSync(path.join(root, 'node_modules', 'vitest'))) {
  console.error(`The kata's dependencies are not installed. Run this in ${root}:\n\n    npm install\n\nthen start again with: npm start`);
  process.exit(2);
}

// tsx's loader hooks run every later import through a worker thread, which makes importing vitest
// (a few hundred modules) take ~0.8 s instead of ~0.2 s. Commands that run tests import it first,
// unhooked: the TypeScript imports that follow find it already loaded. `list` and `hint` skip it.
const command = process.argv.slice(2).find((arg) => !arg.startsWith('-')) ?? 'help';
if (['verify', 'run', 'watch', 'prove', 'variants', 'manifest'].includes(command)) await import('vitest/node');

const { register } = await import('tsx/esm/api');
register();
await import('./main.ts');
