// Installs the git hooks on `npm install`, and never fails an install: in CI, with HUSKY=0, or in a
// copy of the kata that is not a git clone, it simply does nothing.
if (process.env.CI === 'true' || process.env.HUSKY === '0') process.exit(0);
try {
  const { default: husky } = await import('husky');
  const message = husky();
  if (message) console.log(`git hooks not installed: ${message}`);
} catch (error) {
  console.log(`git hooks not installed: ${error instanceof Error ? error.message : String(error)}`);
}
