// The frames of a stack trace as files and lines, on every OS: `/home/…`, `file:///…` and
// `C:\…` or `file:///C:/…` alike. The leak and worker watches both name the line that made a handle.
import { fileURLToPath } from 'node:url';

export interface StackFrame {
  /** An absolute path of this system. */
  file: string;
  line: number;
  column: number;
}

// The location starts right after `at ` or inside the parentheses, so `node:internal/…` is no file.
const FRAME = /(?:^at |\()((?:file:\/\/\/?)?(?:[A-Za-z]:)?[\\/][^()]+?):(\d+):(\d+)\)?$/;

/** The frames below the message line, innermost first; frames without a file (native, eval) are left out. */
export function stackFrames(stack: string | undefined): StackFrame[] {
  return (stack ?? '').split('\n').slice(1).flatMap((line) => {
    const match = FRAME.exec(line.trim());
    if (!match?.[1]) return [];
    const file = match[1].startsWith('file:') ? fileURLToPath(match[1]) : match[1];
    return [{ file, line: Number(match[2]), column: Number(match[3]) }];
  });
}
