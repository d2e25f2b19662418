// The facilitator's page: renders the room's view and follows it live over server-sent events.
// Every name and test title reaches the page through textContent (never innerHTML), under a CSP that
// allows no inline script: a name like `<script>` is only ever text.
/* global document, window, location, history, sessionStorage, fetch, EventSource, URLSearchParams */

const KEY_STORE = 'kata-room-key';

/** The facilitator's key: from the link once, then kept for reloads but out of the address bar (a projector shows it). */
function readKey() {
  const params = new URLSearchParams(location.search);
  const fromLink = params.get('key');
  if (fromLink) {
    sessionStorage.setItem(KEY_STORE, fromLink);
    params.delete('key');
    const rest = params.toString();
    history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}`);
    return fromLink;
  }
  return sessionStorage.getItem(KEY_STORE) ?? '';
}

/** An element with attributes and children; strings become text nodes. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return node;
}

const byId = (id) => document.getElementById(id);
const shortId = (id) => id.replace(/^(\d{2})-.*/, '$1');
const minutes = (ms) => Math.max(0, Math.floor(ms / 60_000));
/** `45 s` under a minute, `7 min` after. */
const duration = (ms) => (ms < 60_000 ? `${Math.max(0, Math.round(ms / 1000))} s` : `${minutes(ms)} min`);

let latest;
let receivedAt = 0;
/** The room's clock now: its `now` when the view came, plus the time since. */
const roomNow = () => (latest ? latest.now + (Date.now() - receivedAt) : Date.now());

function render(view) {
  latest = view;
  receivedAt = Date.now();
  const titles = new Map(view.exercises.map((exercise) => [exercise.id, exercise]));
  const stepTitle = (exercise, step) => titles.get(exercise)?.steps[step - 1] ?? '';

  byId('join-line').replaceChildren(
    'Join: ',
    ...view.join.addresses.flatMap((address, i) => [i > 0 ? ' or ' : '', el('code', {}, `npm start -- --room ${address}/${view.join.code} --name "your name"`)]),
  );
  byId('stuck-rule').textContent = `(the same step failing for ${duration(view.stuckAfterMs)} or more)`;

  const done = (id) => view.learners.filter((learner) => learner.cells[id]?.status === 'passed').length;
  byId('summary').replaceChildren(
    el('span', { 'data-testid': 'learner-count' }, `${view.learners.length} learner${view.learners.length === 1 ? '' : 's'}`),
    ...view.exercises.map((exercise) => el('span', { title: exercise.title }, `${shortId(exercise.id)} passed by ${done(exercise.id)}`)),
    el('span', {}, `${view.stuck.length} stuck`),
  );

  byId('stuck').replaceChildren(
    ...view.stuck.map((stuck) =>
      el(
        'li',
        { 'data-learner': stuck.name },
        el('strong', { class: 'name' }, stuck.name),
        ` · ${shortId(stuck.exercise)} step ${stuck.step} (${stepTitle(stuck.exercise, stuck.step)}) · `,
        el('span', { class: 'since', 'data-since': stuck.since }, duration(roomNow() - stuck.since)),
        stuck.failingTest ? [' · failing ', el('span', { class: 'test' }, `“${stuck.failingTest}”`)] : ' · the file does not load',
      ),
    ),
  );
  byId('stuck-none').hidden = view.stuck.length > 0;

  byId('common').replaceChildren(
    ...view.common.slice(0, 8).map((common) =>
      el(
        'li',
        { 'data-exercise': common.exercise, 'data-step': common.step, 'data-count': common.count },
        el('strong', {}, `${shortId(common.exercise)} step ${common.step}`),
        ` (${stepTitle(common.exercise, common.step)}): `,
        common.test === null ? 'the file does not load or run' : el('span', { class: 'test' }, `“${common.test}”`),
        ' · ',
        el('span', { class: 'count' }, `${common.count} of ${common.onStep} on this step`),
      ),
    ),
  );
  byId('common-none').hidden = view.common.length > 0;

  renderGrid(view, stepTitle);
  byId('status').textContent = `live · updated ${new Date().toLocaleTimeString()}`;
  byId('status').dataset.state = 'live';
}

function renderGrid(view, stepTitle) {
  const head = el(
    'tr',
    {},
    el('th', { scope: 'col' }, 'Learner'),
    ...view.exercises.map((exercise) => el('th', { scope: 'col', title: exercise.title }, `${shortId(exercise.id)} ${exercise.title}`)),
    el('th', { scope: 'col' }, 'Last verdict'),
  );
  const rows = view.learners.map((learner) =>
    el(
      'tr',
      { 'data-learner': learner.name, class: learner.stuck ? 'stuck' : undefined },
      el('th', { scope: 'row' }, el('span', { class: 'name', title: learner.name }, learner.name), learner.stuck ? el('span', { class: 'badge stuck' }, 'stuck') : undefined),
      ...view.exercises.map((exercise) => cell(learner, exercise, stepTitle)),
      el('td', { class: 'ago' }, learner.lastAt === null ? 'none yet' : `${minutes(roomNow() - learner.lastAt)} min ago`),
    ),
  );
  byId('grid').replaceChildren(el('thead', {}, head), el('tbody', {}, rows));
}

function cell(learner, exercise, stepTitle) {
  const result = learner.cells[exercise.id];
  const state = !result ? 'not-started' : result.status === 'passed' ? 'passed' : result.status === 'error' ? 'error' : 'failing';
  const boxes = exercise.steps.map((title, i) => {
    const step = i + 1;
    const kind = !result ? 'todo' : step <= result.stepsPassed ? 'passed' : step === result.step ? (result.status === 'error' ? 'error' : 'failing') : 'todo';
    return el('span', { class: `step ${kind}`, title: `step ${step}: ${title}` });
  });
  const detail = !result
    ? 'not started'
    : result.status === 'passed'
      ? `passed, ${result.steps} of ${result.steps} steps`
      : result.status === 'error'
        ? 'the file does not load or run'
        : `step ${result.step} (${stepTitle(exercise.id, result.step)}) failing: ${result.failingTest ?? ''}; ${result.testsPassed} of ${result.tests} tests pass`;
  return el(
    'td',
    {
      class: `cell ${state}${learner.current === exercise.id ? ' current' : ''}`,
      'data-exercise': exercise.id,
      'data-state': state,
      'data-steps-passed': result ? result.stepsPassed : 0,
      'data-hints': result ? result.hints : 0,
      title: detail,
    },
    el('span', { class: 'steps' }, boxes),
    result ? el('span', { class: 'fraction' }, `${result.stepsPassed}/${result.steps}`) : undefined,
    result && result.hints > 0 ? el('span', { class: 'badge hints', title: `${result.hints} hints shown` }, `${result.hints} hint${result.hints === 1 ? '' : 's'}`) : undefined,
    result?.solution === 'early' ? el('span', { class: 'badge early', title: 'solution seen before passing' }, 'solution early') : undefined,
  );
}

function problem(text) {
  const node = byId('problem');
  node.textContent = text;
  node.hidden = !text;
}

async function start() {
  const key = readKey();
  const withKey = (path) => `${path}?key=${encodeURIComponent(key)}`;
  byId('export-csv').href = withKey('/export.csv');
  byId('export-json').href = withKey('/export.json');
  // One plain request first: a wrong or missing key gets a sentence, not a stream that keeps retrying.
  const first = await fetch(withKey('/api/view')).catch(() => undefined);
  if (!first || !first.ok) {
    const reason = first ? ((await first.json().catch(() => ({}))).error ?? `the room answered ${first.status}`) : 'the room is not answering';
    problem(`${reason}`);
    byId('status').textContent = 'not connected';
    byId('status').dataset.state = 'down';
    return;
  }
  render(await first.json());
  const stream = new EventSource(withKey('/api/stream'));
  stream.addEventListener('view', (message) => {
    problem('');
    render(JSON.parse(message.data));
  });
  stream.addEventListener('error', () => {
    byId('status').textContent = 'reconnecting…';
    byId('status').dataset.state = 'down';
  });
  // Minutes keep counting between verdicts.
  window.setInterval(() => {
    if (latest) render({ ...latest, now: roomNow() });
  }, 15_000);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void start());
else void start();
