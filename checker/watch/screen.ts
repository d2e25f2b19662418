// Draws watch mode's screen from the app state: header with the progress bar, the verdict, a panel
// (hints, solution, list, check-all table), and the keys.
import type { Context } from '../context.ts';
import { progressRows } from '../commands/list.ts';
import { c } from '../ui/colors.ts';
import { progressBar } from '../ui/progress-bar.ts';
import { renderTable } from '../ui/table.ts';
import { renderVerdict } from '../ui/verdict.ts';
import type { AppState } from './app-state.ts';

export function renderScreen(state: AppState, ctx: Pick<Context, 'exercises' | 'store'>, manual: boolean, width = 80): string {
  const rule = c.dim('─'.repeat(Math.min(width, 100)));
  const lines: string[] = [];
  lines.push(`${c.bold('concurrency-kata')}   Progress: ${progressBar(state.done, ctx.exercises.length, 20)} exercises done`, rule);
  if (!state.current) {
    lines.push(c.green('Every exercise passes. Press c to check them all again, l to list, q to quit.'));
  } else if (state.report) {
    lines.push(renderVerdict(state.current, state.report));
  } else {
    lines.push(`${c.bold(`${state.current.id} · ${state.current.title}`)}`, c.dim('Running the tests…'));
  }
  const panel = renderPanel(state, ctx);
  if (panel) lines.push(rule, panel);
  lines.push(rule);
  if (state.notice) lines.push(state.notice.startsWith('Passed') ? c.green(state.notice) : c.yellow(state.notice));
  if (state.confirm) {
    lines.push(c.yellow(state.confirm.question));
  } else {
    const status = state.running ? c.cyan('running…') : manual ? c.dim('press Enter to rerun') : c.dim('watching for changes');
    lines.push(`${c.bold('h')} hint · ${c.bold('n')} next · ${c.bold('l')} list · ${c.bold('s')} solution · ${c.bold('r')} reset · ${c.bold('c')} check all · ${c.bold('Enter')} rerun · ${c.bold('q')} quit   ${status}`);
  }
  return lines.join('\n');
}

function renderPanel(state: AppState, ctx: Pick<Context, 'exercises' | 'store'>): string | undefined {
  switch (state.panel.kind) {
    case 'none':
      return undefined;
    case 'text':
      return state.panel.text;
    case 'list':
      return renderTable(progressRows(ctx));
  }
}
