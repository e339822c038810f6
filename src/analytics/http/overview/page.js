// Overview page bootstrap: API access (with the optional Bearer key), the key prompt, and the
// card lifecycle (loading -> ready | empty | unavailable). A card whose endpoint is missing or
// fails is rendered "not available" on its own; nothing one card does can break another.
/* global document, window, localStorage, fetch, URLSearchParams, console */
import { CARDS } from './cards.js';
import { destroyCharts, el } from './ui.js';

const KEY_STORAGE = 'llm-finops.api-key';
const RANGES = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
const REFRESH_MS = 60_000;

/** An endpoint that could not be read: HTTP status (0: network) and the server's message. */
class Unavailable extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const REASONS = {
  0: 'the server could not be reached',
  401: 'an API key is required',
  403: 'this API key may not read it',
  404: 'this server does not have the endpoint',
};

function storedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return ''; // storage disabled: ask every time rather than fail
  }
}

let keyRejected = false;

async function getJson(path, params) {
  const query = params ? `?${new URLSearchParams(params)}` : '';
  const key = storedKey();
  const headers = {
    accept: 'application/json',
    ...(key ? { authorization: `Bearer ${key}` } : {}),
  };
  let res;
  try {
    // no-store: the feed answers 304 to a cached ETag, and a page wants the current numbers.
    res = await fetch(`${path}${query}`, { headers, cache: 'no-store' });
  } catch (err) {
    throw new Unavailable(0, String(err?.message ?? err));
  }
  if (res.status === 401) keyRejected = true;
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Unavailable(res.status, body.message ?? res.statusText);
  }
  return res.json();
}

function unavailableNode(err) {
  if (err instanceof Unavailable) {
    const reason =
      REASONS[err.status] ??
      (err.status >= 500 ? 'the server failed to answer' : 'the request was refused');
    return el(
      'div',
      { className: 'unavailable' },
      el('strong', {}, 'Not available'),
      el('span', {}, ` — ${reason}${err.status ? ` (HTTP ${err.status})` : ''}.`),
      err.message && err.status !== 404
        ? el('div', { className: 'muted small' }, err.message)
        : null,
    );
  }
  // A rendering bug, not a server answer: report it where developers look, and keep the page.
  console.error('overview card failed', err);
  return el(
    'div',
    { className: 'unavailable' },
    el('strong', {}, 'Not available'),
    el('span', {}, ' — the data could not be displayed.'),
  );
}

async function renderCard(card, window_) {
  const section = document.getElementById(card.id);
  if (section === null) return;
  const body = section.querySelector('.body');
  const mounts = [];
  const ctx = { ...window_, get: getJson, use: (box) => (mounts.push(box.mount), box.node) };
  section.dataset.state = 'loading';
  let state;
  let node;
  try {
    const result = await card.load(ctx);
    state = result.empty !== undefined ? 'empty' : 'ready';
    node =
      result.empty !== undefined
        ? el('p', { className: 'empty muted' }, result.empty)
        : result.node;
  } catch (err) {
    state = 'unavailable';
    node = unavailableNode(err);
    mounts.length = 0;
  }
  destroyCharts(body);
  body.replaceChildren(node);
  try {
    for (const mount of mounts) mount();
  } catch (err) {
    body.replaceChildren(unavailableNode(err));
    state = 'unavailable';
  }
  section.dataset.state = state;
}

function currentWindow() {
  const span = RANGES[document.getElementById('range').value] ?? RANGES['24h'];
  // `to` is exclusive: the next whole minute includes calls of the current one.
  const to = Math.ceil((Date.now() + 1) / 60_000) * 60_000;
  return {
    from: new Date(to - span).toISOString(),
    to: new Date(to).toISOString(),
    interval: span <= RANGES['24h'] ? '1h' : '1d',
  };
}

let refreshing;

async function refresh() {
  if (refreshing) return refreshing;
  document.body.dataset.loaded = 'false';
  keyRejected = false;
  const window_ = currentWindow();
  refreshing = Promise.all(CARDS.map((card) => renderCard(card, window_))).then(() => {
    document.getElementById('updated').textContent =
      `updated ${new Date().toLocaleTimeString('en-GB')}`;
    if (keyRejected) showKeyForm(storedKey() ? 'The stored key was rejected.' : '');
    document.getElementById('change-key').hidden = storedKey() === '';
    document.body.dataset.loaded = 'true';
  });
  try {
    await refreshing;
  } finally {
    refreshing = undefined;
  }
}

function showKeyForm(message) {
  const form = document.getElementById('key-form');
  form.hidden = false;
  document.getElementById('key-error').textContent = message;
  document.getElementById('api-key').focus();
}

function onKeySubmit(event) {
  event.preventDefault();
  const key = document.getElementById('api-key').value.trim();
  if (key === '') return;
  try {
    localStorage.setItem(KEY_STORAGE, key);
  } catch {
    document.getElementById('key-error').textContent =
      'This browser does not allow storing the key.';
    return;
  }
  document.getElementById('api-key').value = '';
  document.getElementById('key-form').hidden = true;
  void refresh();
}

function start() {
  document.getElementById('key-form').addEventListener('submit', onKeySubmit);
  document.getElementById('refresh').addEventListener('click', () => void refresh());
  document.getElementById('range').addEventListener('change', () => void refresh());
  document.getElementById('change-key').addEventListener('click', () => showKeyForm(''));
  // Keep a wall display current, but do not poll from a hidden tab.
  window.setInterval(() => {
    if (document.visibilityState === 'visible') void refresh();
  }, REFRESH_MS);
  void refresh();
}

start();
