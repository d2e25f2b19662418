// hints.md: progressive hints per graded step. `## Step N` opens the hints of step N, and every
// `### ` heading inside it is one hint, from a nudge to nearly the answer. Text before the first
// step (the title) is not a hint. Hints follow the step a learner is stuck on, so they are kept
// apart: `hints[0]` are step 1's, in the order they are shown.
export type StepHints = string[][];

const STEP_HEADING = /^## (.*)$/gm;

export function parseHints(markdown: string, source = 'hints.md'): StepHints {
  const problem = (what: string): never => {
    throw new Error(`${source}: ${what} (see CONTRIBUTING.md, "hints.md")`);
  };
  const headings = [...markdown.matchAll(STEP_HEADING)];
  const steps: StepHints = [];
  headings.forEach((heading, i) => {
    const match = /^Step (\d+)\s*$/.exec(heading[1] ?? '');
    if (!match) return problem(`"## ${heading[1] ?? ''}" is not a step heading: write "## Step N"`);
    const step = Number(match[1]);
    if (step !== steps.length + 1) problem(`"## Step ${step}" comes where step ${steps.length + 1} was expected`);
    const start = (heading.index ?? 0) + heading[0].length;
    const end = headings[i + 1]?.index ?? markdown.length;
    const hints = markdown
      .slice(start, end)
      .split(/^### .*$/m)
      .slice(1)
      .map((hint) => hint.trim())
      .filter((hint) => hint.length > 0);
    if (hints.length === 0) problem(`step ${step} has no hints: each one is a "### Hint N" section`);
    steps.push(hints);
  });
  return steps;
}
