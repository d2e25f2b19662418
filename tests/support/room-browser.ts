// Headless Chromium for the room's page tests: Debian's `chromium` package (or KATA_CHROMIUM), driven by
// playwright-core with that executable (its own browser downloads do not work on a closed network).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = [process.env.KATA_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file) => file && existsSync(file));

export const NO_CHROMIUM =
  'No Chromium found (looked for KATA_CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser). On Debian or Ubuntu: `sudo apt-get install -y chromium`; elsewhere set KATA_CHROMIUM to a Chrome or Chromium executable.';

/** Where screenshots go: KATA_ARTIFACTS_DIR, else a folder in the OS temp dir. */
export const ARTIFACTS = process.env.KATA_ARTIFACTS_DIR ?? path.join(os.tmpdir(), 'concurrency-kata-artifacts');

/** A fresh profile each time, removed on close; the flags keep Chromium off the network it is not on. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'kata-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    // Without the background-networking flags Chromium phones home, and a closed network refuses it.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
