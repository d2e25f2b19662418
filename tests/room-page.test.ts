// The facilitator's page in a real browser (headless Chromium): thirty learners post through the real
// client, and the page shows the right grid, who is stuck, the failure most of them share, names as
// plain text, and a new verdict within a second. A screenshot is kept as a test artifact.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { ExerciseProgress } from '../checker/formats/progress-file.ts';
import type { RoomClient } from '../checker/room/client.ts';
import { eventually, learner, openRoom, progress, verdict } from './support/room.ts';
import { ARTIFACTS, CHROMIUM, NO_CHROMIUM, launchChromium } from './support/room-browser.ts';

const MINUTE = 60_000;
const SCRIPT_NAME = '<script>window.pwned = 1</script>';
const IMG_NAME = '<img src=x onerror="window.pwned = 2">';

interface Plan {
  name: string;
  /** What this learner's checker reports, in order. */
  reports: Array<Parameters<typeof verdict>>;
  hints?: number;
  early?: boolean;
  /** On the failing step since 8 minutes before the room looks (stuck after 5). */
  stuck?: boolean;
}

/** Thirty learners spread over the room, the way a workshop looks forty minutes in. */
function plans(): Plan[] {
  const name = (i: number) => (i === 1 ? SCRIPT_NAME : i === 4 ? IMG_NAME : `Learner ${String(i).padStart(2, '0')}`);
  return Array.from({ length: 30 }, (_, i): Plan => {
    if (i < 10) return { name: name(i), reports: [['01-async-join', { passed: 1, failing: 'loadAll keeps the input order' }]], stuck: i < 3 };
    if (i < 15) return { name: name(i), reports: [['01-async-join', { passed: 1, failing: 'loadAll starts every task at once' }]], hints: 2 };
    if (i < 20)
      return {
        name: name(i),
        reports: [['01-async-join', { passed: 4 }], ['02-profile-fetch', { passed: 0, failing: 'fetches the user and the image at once' }]],
        early: i === 15,
        stuck: i === 16,
      };
    if (i < 25) return { name: name(i), reports: [['01-async-join', { passed: 4 }], ['02-profile-fetch', { passed: 3 }], ['03-offload-cpu', { passed: 2, failing: 'splits the work over every core' }]], hints: 3 };
    if (i < 28) return { name: name(i), reports: [['01-async-join', { passed: 0, error: true }]] };
    return { name: name(i), reports: [] };
  });
}

it('shows thirty learners, who is stuck and the common failures, as plain text, live within a second', async (ctx) => {
  if (!CHROMIUM) return ctx.skip(NO_CHROMIUM);
  const room = await openRoom();
  const clients: RoomClient[] = [];
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    const browsing = launchChromium();
    let clock = Date.now() - 8 * MINUTE;
    const all = plans().map((plan) => {
      const client = learner(room, plan.name, { now: () => clock });
      clients.push(client);
      return { plan, client };
    });
    const entry = (plan: Plan) =>
      progress(
        Object.fromEntries(
          plan.reports.map(([id]): [string, Partial<ExerciseProgress>] => [id, { hints: plan.hints ? { '1': plan.hints } : {}, ...(plan.early ? { solutionRevealed: 'early' } : {}) }]),
        ),
      );
    // The stuck ones reached their failing step eight minutes ago; everyone reports now.
    for (const { plan, client } of all) if (plan.stuck) client.report([verdict(...(plan.reports.at(-1) ?? ['01-async-join', { passed: 0 }]))], entry(plan));
    clock += 8 * MINUTE;
    for (const { plan, client } of all) {
      client.start();
      for (const report of plan.reports) client.report([verdict(...report)], entry(plan));
    }
    await eventually(() => clients.every((client) => client.pending === 0 && client.health === 'up'), 'every verdict to reach the room', 20_000).catch((error: Error) => {
      throw new Error(`${error.message}: ${clients.map((client) => `${client.health}/${client.pending}`).join(' ')}`);
    });

    browser = await browsing;
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
    await page.goto(room.pageUrl);
    await page.waitForSelector('[data-testid=learner-count]');
    expect(await page.textContent('[data-testid=learner-count]')).toBe('30 learners');
    // The key leaves the address bar (a projector shows it) but the page keeps working with it.
    expect(page.url()).not.toContain(room.key);

    // Read in the page in one go (this file is type-checked without the DOM's types, hence a string).
    const grid = await page.evaluate<Array<{ name: string; stuck: boolean; cells: string[] }>>(`[...document.querySelectorAll('#grid tbody tr')].map((row) => ({
      name: row.querySelector('th .name')?.textContent ?? '',
      stuck: row.classList.contains('stuck'),
      cells: [...row.querySelectorAll('td.cell')].map((cell) => cell.dataset.state + ':' + cell.dataset.stepsPassed),
    }))`);
    const expected = plans();
    const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
    expect(grid.map((row) => row.name)).toEqual(expected.map((plan) => plan.name).sort(collator.compare));
    const rowOf = (i: number) => grid.find((row) => row.name === expected[i]?.name)?.cells.slice(0, 3);
    expect(rowOf(0)).toEqual(['failing:1', 'not-started:0', 'not-started:0']);
    expect(rowOf(15)).toEqual(['passed:4', 'failing:0', 'not-started:0']);
    expect(rowOf(20)).toEqual(['passed:4', 'passed:3', 'failing:2']);
    expect(rowOf(25)).toEqual(['error:0', 'not-started:0', 'not-started:0']);
    expect(rowOf(29)).toEqual(['not-started:0', 'not-started:0', 'not-started:0']);
    const stuckNames = [0, 1, 2, 16].map((i) => expected[i]?.name ?? '');
    expect(grid.filter((row) => row.stuck).map((row) => row.name)).toEqual([...stuckNames].sort(collator.compare));

    const stuck = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-testid=stuck] li')].map((item) => item.dataset.learner)`);
    expect(new Set(stuck)).toEqual(new Set(stuckNames));
    const common = await page.locator('[data-testid=common] li').allTextContents();
    expect(common[0]).toBe('01 step 2 (join many, keep input order): “loadAll keeps the input order” · 10 of 15 on this step');
    expect(common).toContain('02 step 1 (one profile, two requests at once): “fetches the user and the image at once” · 5 of 5 on this step');
    expect(common).toContain('01 step 1 (join two waits): the file does not load or run · 3 of 3 on this step');
    expect(await page.getAttribute(`#grid tr[data-learner="Learner 15"] td[data-exercise="02-profile-fetch"] .badge.early`, 'title')).toBe('solution seen before passing');
    expect(await page.textContent(`#grid tr[data-learner="Learner 10"] td[data-exercise="01-async-join"] .badge.hints`)).toBe('2 hints');

    // Names are text: the markup in them is shown, never run or parsed.
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    expect(await page.$$('#grid script, #grid img, #stuck script, #stuck img')).toHaveLength(0);
    expect(await page.textContent('[data-testid=stuck]')).toContain(SCRIPT_NAME);

    mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = path.join(ARTIFACTS, 'room-page.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(existsSync(screenshot)).toBe(true);

    // Live: a learner passes, another moves on from being stuck; the page follows within a second.
    const started = performance.now();
    all[10]?.client.report([verdict('01-async-join', { passed: 4 })], progress());
    all[0]?.client.report([verdict('01-async-join', { passed: 2, failing: 'fails fast on the first error' })], progress());
    await page.locator('#grid tr[data-learner="Learner 10"] td[data-exercise="01-async-join"][data-state=passed]').waitFor({ timeout: 5000 });
    await eventually(async () => (await page.locator('[data-testid=stuck] li').count()) === 3, 'the stuck list to shrink', 5000);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await page.textContent('[data-testid=common] li')).toContain('9 of 13 on this step');

    // The export link carries the key, and the page's download is the room's CSV.
    const csv = String(await page.evaluate(`fetch(document.getElementById('export-csv').href).then((response) => response.text())`));
    expect(csv.split('\r\n')[0]).toMatch(/^learner,exercise,status/);
    expect(csv).toContain(`\r\n${SCRIPT_NAME},01-async-join,failed,`);
    expect(problems).toEqual([]);
  } finally {
    for (const client of clients) client.close();
    await browser?.close();
    await room.close();
  }
});
