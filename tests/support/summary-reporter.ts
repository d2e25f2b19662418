// Ends `npm test` with one plain line, 'N passed, N failed', that any CI log reader understands.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    // An exercise's own tests run by hand (`--project kata`, the line a failure prints to replay a case) are not the self-test.
    if (modules.length > 0 && modules.every((module) => module.project.name === 'kata')) return;
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (module.errors().length > 0) failed++;
    }
    process.stdout.write(`\nself-test: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
