// Draws watch mode's screen from the app state: the header with the progress bar, the verdict (its
// steps always; its message as far as it fits), a panel (hints, solution, list, check-all table) and
// the keys. The screen always fits the terminal: what does not fit is cut (the message, with a note)
// or paged (the panel: space and b), so the header and the steps never scroll away.
import { stripVTControlCharacters } from 'node:util';
import wrapAnsi from 'wrap-ansi';
import type { Context } from '../context.ts';
import { HINT_MAX_WIDTH } from '../commands/hint.ts';
import { progressRows } from '../commands/list.ts';
import { c } from '../ui/colors.ts';
import { progressBar } from '../ui/progress-bar.ts';
import { renderTable } from '../ui/table.ts';
import { verdictParts } from '../ui/verdict.ts';
import type { AppState } from './app-state.ts';

export interface Screen {
  text: string;
  /** How many panel lines one page shows (what space and b move by). */
  panelPage: number;
}

export interface Size {
  width: number;
  height: number;
}

export function renderScreen(state: AppState, ctx: Pick<Context, 'exercises' | 'store'>, manual: boolean, size: Size = { width: 80, height: 45 }): Screen {
  const { width } = size;
  const wrap = (text: string) => wrapAnsi(text, width, { hard: true, trim: false }).split('\n');
  const rule = c.dim('─'.repeat(Math.min(width, 100)));
  const top = [...wrap(`${c.bold('concurrency-kata')}   Progress: ${progressBar(state.done, ctx.exercises.length, 20)} exercises done`), rule];
  let head: string[];
  let body: string[];
  if (!state.current) {
    head = wrap(c.green('Every exercise passes. Press c to check them all again, l to list, q to quit.'));
    body = [];
  } else if (state.report) {
    const parts = verdictParts(state.current, state.report);
    head = parts.head.flatMap(wrap);
    body = parts.body.flatMap(wrap);
  } else {
    head = wrap(c.bold(`${state.current.id} · ${state.current.title}`));
    body = [c.dim('Running the tests…')];
  }
  const panelText = renderPanel(state, ctx, width);
  const panel = panelText === undefined ? undefined : wrap(panelText);
  const bottom = [rule];
  if (state.notice) bottom.push(...wrap(state.notice.startsWith('Passed') ? c.green(state.notice) : c.yellow(state.notice)));

  // Rows left for the message and the panel, once the header, the steps and the keys are placed.
  const keysRows = 2;
  const free = Math.max(2, size.height - top.length - head.length - bottom.length - keysRows);
  let panelPage = 0;
  let middle: string[];
  if (panel) {
    // The message keeps a few rows (the learner still sees why it fails), and every row the panel
    // does not need; the panel gets the rest.
    const messageRows = Math.min(body.length, Math.max(3, Math.floor(free * 0.3), free - 2 - panel.length));
    panelPage = Math.max(1, free - messageRows - 2);
    if (state.panelAtNewestHint) {
      // A hint was just revealed: start at its heading, so the learner reads it from its first line.
      const heading = panel.map(stripVTControlCharacters).findLastIndex((line) => /, hint \d+ of \d+$/.test(line));
      state.panelScroll = heading === -1 ? 0 : heading;
      state.panelAtNewestHint = false;
    }
    state.panelScroll = Math.min(Math.max(0, state.panelScroll), Math.max(0, panel.length - panelPage));
    const shown = panel.slice(state.panelScroll, state.panelScroll + panelPage);
    const pager = panel.length > panelPage
      ? c.dim(`── lines ${state.panelScroll + 1}-${state.panelScroll + shown.length} of ${panel.length} · space: next page · b: back ──`)
      : rule;
    middle = [...cut(body, messageRows), pager, ...shown];
  } else {
    middle = cut(body, free);
  }
  const keys = keyLine(state, manual, panel !== undefined && panel.length > panelPage);
  return { text: [...top, ...head, ...middle, ...bottom, ...wrap(keys)].join('\n'), panelPage };
}

/** At most `rows` lines; the last says how many more there are, and where to read them all. */
function cut(lines: readonly string[], rows: number): string[] {
  if (lines.length <= rows) return [...lines];
  const kept = lines.slice(0, Math.max(0, rows - 1));
  return [...kept, c.dim(`    … ${lines.length - kept.length} more lines (all of it: \`npm run kata -- run\`)`)];
}

function keyLine(state: AppState, manual: boolean, paged: boolean): string {
  if (state.confirm) return c.yellow(state.confirm.question);
  const status = state.running ? c.cyan('running…') : manual ? c.dim('press Enter to rerun') : c.dim('watching for changes');
  const page = paged ? ` · ${c.bold('space')}/${c.bold('b')} page` : '';
  return `${c.bold('h')} hint · ${c.bold('n')} next · ${c.bold('l')} list · ${c.bold('s')} solution · ${c.bold('r')} reset · ${c.bold('c')} check all · ${c.bold('Enter')} rerun${page} · ${c.bold('q')} quit   ${status}`;
}

function renderPanel(state: AppState, ctx: Pick<Context, 'exercises' | 'store'>, width: number): string | undefined {
  switch (state.panel.kind) {
    case 'none':
      return undefined;
    case 'text':
      // Hints reflowed to the terminal (up to the width they are written at), so they do not wrap raggedly.
      return state.panel.render ? state.panel.render(Math.min(width, HINT_MAX_WIDTH)) : state.panel.text;
    case 'list':
      return renderTable(progressRows(ctx));
  }
}
