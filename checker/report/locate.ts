// Where in the learner's file a failure is about, when the stack does not say (most teaching
// failures are thrown by the test, not inside the learner's code): the exported function the
// failing test or its message names, e.g. "loadBoth took 200 ms" points at `export async function loadBoth`.

const DECLARATION = /^export\s+(?:default\s+)?(?:async\s+)?(?:function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)/gm;

/** The 1-based line of the first exported declaration named in `texts` (searched in order), if any. */
export function locateNamedExport(source: string, texts: readonly string[]): number | undefined {
  const declarations = [...source.matchAll(DECLARATION)].map((match) => ({
    name: match[1] ?? '',
    line: source.slice(0, match.index).split('\n').length,
  }));
  for (const text of texts) {
    const named = declarations
      .map((declaration) => ({ ...declaration, at: wordIndex(text, declaration.name) }))
      .filter((declaration) => declaration.at >= 0)
      .sort((a, b) => a.at - b.at)[0];
    if (named) return named.line;
  }
  return undefined;
}

function wordIndex(text: string, word: string): number {
  const escaped = word.replace(/[$]/g, '\\$');
  return text.search(new RegExp(`(?<![\\w$])${escaped}(?![\\w$])`));
}
