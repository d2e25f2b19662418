// Tells watch mode when the learner saved: one callback per save, soon after its last write. Our own
// watcher (node's fs.watch on each exercise folder) rather than vitest's: vitest waits a fixed 100 ms
// after a change before it reruns, a third of the time a failing step's verdict may take. A save is
// one to three writes within a millisecond or two (truncate and write, or write a temporary file and
// rename it), so a short pause is enough to see it whole.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** How long a folder must be quiet after a change before the save counts as done. */
export const SETTLE_MS = 15;

/** Files whose change can change a verdict: code and data, not an editor's swap or backup files. */
const RELEVANT = /\.(?:[cm]?[jt]s|json)$/;

export interface SaveWatch {
  close(): void;
}

/**
 * Calls `onSave(dir, files)` once the folder `dir` has been quiet for SETTLE_MS after changes to
 * `files` (absolute paths). A folder that cannot be watched is skipped: `onError` hears why.
 */
export function watchSaves(dirs: readonly string[], onSave: (dir: string, files: string[]) => void, onError: (error: unknown) => void = () => undefined): SaveWatch {
  const watchers: FSWatcher[] = [];
  const pending = new Map<string, { files: Set<string>; timer: NodeJS.Timeout }>();
  for (const dir of dirs) {
    try {
      const watcher = watch(dir, (_event, name) => {
        // No name (some platforms, sometimes): something changed, so it counts as a save.
        if (name && !RELEVANT.test(name)) return;
        const earlier = pending.get(dir);
        if (earlier) clearTimeout(earlier.timer);
        const files = earlier?.files ?? new Set<string>();
        if (name) files.add(path.join(dir, name));
        const timer = setTimeout(() => {
          pending.delete(dir);
          onSave(dir, [...files]);
        }, SETTLE_MS);
        pending.set(dir, { files, timer });
      });
      watcher.on('error', onError);
      watchers.push(watcher);
    } catch (error) {
      onError(error);
    }
  }
  return {
    close() {
      for (const watcher of watchers) watcher.close();
      for (const { timer } of pending.values()) clearTimeout(timer);
      pending.clear();
    },
  };
}
