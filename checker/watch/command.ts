// `npm start`: the watch loop. It owns the terminal (raw mode, redraws) and turns keys into effects
// from the app state; vitest's watcher reruns the tests on save. Without a terminal it prints the
// progress table and exits 0, so CI logs and pipes never hang on it.
import path from 'node:path';
import readline from 'node:readline';
import type { Context } from '../context.ts';
import { nextHint } from '../commands/hint.ts';
import { list } from '../commands/list.ts';
import { exercisesToRecheck } from '../commands/verify.ts';
import type { RoomReporter } from '../room/learner.ts';
import { renderSolution, resetExercise } from '../exercise-files.ts';
import { AppState, type Effect } from './app-state.ts';
import { renderScreen } from './screen.ts';
import { WatchSession } from './session.ts';
import { interruptedBy, pushInterruptHandler, type InterruptSignal } from '../running/interrupts.ts';

/**
 * Whether our parent still exists. On Linux and macOS an orphan gets a new ppid at once; on Windows it
 * keeps the old one, so ask the system too (signal 0 only asks).
 */
function isAlive(pid: number): boolean {
  if (pid <= 1 || process.ppid !== pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function watchCommand(ctx: Context, options: { manual: boolean; room?: RoomReporter | undefined }): Promise<number> {
  if (!ctx.interactive) {
    ctx.out('No interactive terminal: here is your progress. Without one: `npm run kata -- run 1` tests exercise 01 once, `npm run kata -- hint 1` gives its next hint, `npm run kata -- verify` grades everything.\n');
    return list(ctx);
  }
  const code = await new WatchLoop(ctx, options.manual, options.room).start();
  // Whatever vitest still holds open (its file watcher, if closing took too long) must not keep a
  // checker alive that nobody looks at any more.
  setTimeout(() => process.exit(code), 500).unref();
  return code;
}

class WatchLoop {
  private readonly state: AppState;
  private session: WatchSession | undefined;
  private finished: ((code: number) => void) | undefined;
  private closing = false;
  private releaseInterrupts: (() => void) | undefined;
  private parentWatch: NodeJS.Timeout | undefined;
  /** The process that started us (npm, a shell): when it is gone, so is the terminal we draw in. */
  private readonly parent = process.ppid;

  constructor(
    private readonly ctx: Context,
    private readonly manual: boolean,
    private readonly room?: RoomReporter, // the workshop room, if joined
  ) {
    this.state = new AppState(ctx);
  }

  async start(): Promise<number> {
    this.takeStoreWarnings();
    this.enterTerminal();
    this.draw();
    const done = new Promise<number>((resolve) => (this.finished = resolve));
    let session: WatchSession | undefined;
    try {
      const starting = WatchSession.start(
        this.ctx.exercises,
        {
          onRunStart: () => {
            this.state.running = true;
            this.draw();
          },
          onRunEnd: (reports) => {
            this.state.onResults(reports);
            // Hand the verdicts to the workshop room (sent in the background); a quiet line when there is news.
            const roomLine = this.room?.report(reports, this.ctx.store);
            if (roomLine) this.state.notice = this.state.notice ? `${this.state.notice}  ${roomLine}` : roomLine;
            // Results can move the focus (a rebuilt progress file): reruns on save follow it.
            if (this.state.current) this.session?.setFocus(this.state.current);
            this.draw();
          },
        },
        this.manual,
      );
      // A quit while vitest is still starting (Ctrl-C at once): the session that arrives later is closed
      // at once, and the quit does not wait for it.
      void starting.then((started) => (this.closing ? started.close() : undefined)).catch(() => undefined);
      session = await Promise.race([starting, done.then(() => undefined)]);
    } catch (error) {
      this.leaveTerminal();
      throw error;
    }
    if (!session || this.closing) return done;
    this.session = session;
    // A damaged progress file: the exercise in front of the learner and those whose "done" the file
    // lost (and only their tests can tell), once, then the list, so "done" is true again.
    const recheck = exercisesToRecheck(this.ctx);
    if (recheck.length > 0) {
      this.state.checkingAll = true;
      this.state.running = true;
    }
    const first: Effect = { kind: 'run', exercises: this.ctx.exercises.filter((exercise) => exercise === this.state.current || recheck.includes(exercise)) };
    if (this.state.current) this.session.setFocus(this.state.current);
    this.perform(first);
    return done;
  }

  private perform(effect: Effect): void {
    switch (effect.kind) {
      case 'none':
        break;
      case 'quit':
        void this.quit(0);
        return;
      case 'run':
        if (this.state.current) this.session?.setFocus(this.state.current);
        this.state.running = true;
        this.session?.run(effect.exercises).catch((error: unknown) => this.showError(error));
        break;
      case 'hint':
        if (this.state.current) {
          const step = this.state.stuckOn;
          const render = nextHint(this.ctx, this.state.current, step);
          this.state.panel = { kind: 'text', text: render(Infinity), render, ...(step !== undefined ? { hintsFor: step } : {}) };
          this.state.panelAtNewestHint = true;
        }
        break;
      case 'solution':
        if (this.state.current) {
          try {
            const text = renderSolution(this.state.current);
            this.ctx.store.recordSolutionShown(this.state.current.id);
            this.state.panel = { kind: 'text', text };
            this.state.panelScroll = 0;
          } catch (error) {
            this.showError(error);
          }
        }
        break;
      case 'reset':
        if (this.state.current) {
          try {
            const backup = resetExercise(this.state.current);
            this.state.notice = `Reset. Your previous version is in ${path.relative(process.cwd(), backup)}`;
            if (this.manual) this.perform({ kind: 'run', exercises: [this.state.current] });
          } catch (error) {
            this.showError(error);
          }
        }
        break;
    }
    this.draw();
  }

  private onKeypress = (text: string | undefined, key: readline.Key | undefined): void => {
    // Raw mode turns Ctrl-C into a key, not a SIGINT: it ends watch mode as the signal would.
    if (key?.ctrl && key.name === 'c') {
      void this.quit(interruptedBy('SIGINT'));
      return;
    }
    const name = key?.name ?? text ?? '';
    this.perform(this.state.onKey(name));
  };

  private showError(error: unknown): void {
    this.state.running = false;
    this.state.notice = `Something went wrong: ${error instanceof Error ? error.message : String(error)}`;
    this.draw();
  }

  /** The progress store's warnings (a folder it cannot write) go in the notice line, once. */
  private takeStoreWarnings(): void {
    const warnings = this.ctx.store.takeWarnings();
    if (warnings.length > 0) this.state.notice = warnings.join(' ');
  }

  private draw(): void {
    if (this.closing) return;
    this.takeStoreWarnings();
    const size = { width: process.stdout.columns || 80, height: process.stdout.rows || 45 };
    const screen = renderScreen(this.state, this.ctx, this.manual, size);
    this.state.panelPage = screen.panelPage;
    process.stdout.write(`\x1b[2J\x1b[3J\x1b[H${screen.text}`);
  }

  private enterTerminal(): void {
    readline.emitKeypressEvents(process.stdin);
    process.stdin.setRawMode(true);
    process.stdin.on('keypress', this.onKeypress);
    process.stdin.resume();
    process.stdout.write('\x1b[?25l'); // hide the cursor while we own the screen
    this.releaseInterrupts = pushInterruptHandler(this.onSignal);
    process.stdout.on('resize', this.onResize);
    // Closing the terminal or stopping `npm start` can end our parent without telling us: when it is
    // gone, nobody reads this screen any more, so quit instead of drawing into someone's shell.
    this.parentWatch = setInterval(() => {
      // As a closed terminal: its hang-up (SIGHUP) is what usually ends the parent.
      if (!isAlive(this.parent)) void this.quit(interruptedBy('SIGHUP'));
    }, 1000);
    this.parentWatch.unref();
  }

  private leaveTerminal(): void {
    process.stdin.off('keypress', this.onKeypress);
    this.releaseInterrupts?.();
    clearInterval(this.parentWatch);
    process.stdout.off('resize', this.onResize);
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdin.pause();
    process.stdout.write('\x1b[?25h');
  }

  private onSignal = (signal: InterruptSignal): void => void this.quit(interruptedBy(signal));
  private onResize = (): void => this.draw();

  private async quit(code: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.leaveTerminal();
    // A test process may be stuck in the learner's endless loop: end them all now, not after a goodbye.
    this.session?.killTestProcesses();
    process.stdout.write(`\nProgress saved (${this.state.done}/${this.ctx.exercises.length} exercises done). Run \`npm start\` to continue.\n`);
    // Progress is written on every change, so nothing is lost if closing vitest takes a while.
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 3000).unref());
    await Promise.race([this.session?.close(), timeout]);
    this.finished?.(code);
  }
}
