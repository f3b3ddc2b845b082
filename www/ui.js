// DOM helpers, formatting, error display and transfer progress. Everything untrusted (task
// metadata, artifact names, error messages) goes into the page as text, never as HTML.

/** `h('p', {class: 'x', onclick: f}, 'text', child)`: an element. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function bytes(n) {
  if (n === undefined || n === null || Number.isNaN(n)) return '?';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeFmt = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** A `<time>` showing a date, with the exact ISO value as its title. */
export function when(value) {
  if (!value) return h('span', { class: 'muted' }, '—');
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return h('span', {}, String(value));
  return h('time', { datetime: d.toISOString(), title: d.toISOString() }, dateFmt.format(d));
}

export const clock = (d) => timeFmt.format(d);

/** A small pill for a task or run state. */
export function badge(state) {
  return h('span', { class: `badge state-${String(state).replace(/[^a-z-]/g, '')}` }, state);
}

/** A link only for http(s) URLs; anything else is shown as text. */
export function safeLink(url, text) {
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') {
      return h('a', { href: u.href, rel: 'noopener noreferrer', target: '_blank' }, text || url);
    }
  } catch {
    // not a URL
  }
  return h('span', {}, text || String(url));
}

/** A `<dl>` from `[term, value]` pairs (values may be nodes). */
export function facts(pairs, cls = 'facts') {
  return h('dl', { class: cls }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

export function json(value) {
  return JSON.stringify(value, null, 2);
}

// ----------------------------------------------------------------------------------------
// Errors

const STATUS_TEXT = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
  413: 'Payload Too Large', 424: 'Failed Dependency', 429: 'Too Many Requests', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** True for an error that says the credentials themselves were refused. */
export function isCredentialRejection(err) {
  return !!err && (err.statusCode === 401 || err.code === 'AuthenticationFailed');
}

/**
 * The server's message without the summary block Taskcluster appends (its facts are shown
 * apart) and without Markdown code fences.
 */
function mainMessage(err) {
  const m = String((err && err.message) || err || 'Unknown error');
  const cut = m.indexOf('\n\n---\n');
  return (cut > 0 ? m.slice(0, cut) : m)
    .split('\n').filter((line) => !/^\s*```\w*\s*$/.test(line)).join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * The request id (`x-for-request-id`), when the page could read it; otherwise why not: a browser
 * reads only the response headers the deployment exposes through CORS.
 */
function requestIdOf(err) {
  const body = err && typeof err.body === 'object' && err.body ? err.body : {};
  const id = err.requestId || body.requestId || (body.requestInfo && body.requestInfo.requestId);
  if (id) return h('code', { 'data-request-id': id }, id);
  if (err.statusCode) return h('span', { class: 'muted' }, 'not readable by this page: the deployment does not list x-for-request-id in Access-Control-Expose-Headers');
  return isNetwork(err) ? h('span', { class: 'muted' }, 'none: no response came back') : null;
}

const isNetwork = (e) => !e.statusCode && (e.kind === 'network' || e.kind === 'timeout');

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

/** The title line of an error: what failed, or the credential rejection in plain words. */
export function errorTitle(err, what) {
  if (isCredentialRejection(err)) return `Your credentials were rejected: ${mainMessage(err).split('\n')[0]}`;
  const base = what ? `${what} failed` : 'Something failed';
  if (err && err.code === 'InsufficientScopes') return `${base}: your scopes do not allow it`;
  if (err && isNetwork(err)) {
    const host = hostOf(err.url);
    const tries = err.attempts > 1 ? ` after ${err.attempts} attempts` : '';
    const how = err.kind === 'timeout' ? 'no answer in time from' : 'could not reach';
    return `${base}: ${how} ${host || 'the deployment'}${tries}`;
  }
  return base;
}

let onSuccess = () => {};
/** Called after every action that succeeded (the page clears a stale credentials banner). */
export function setSuccessHandler(fn) {
  onSuccess = fn;
}
export function succeeded() {
  onSuccess();
}

let onCredentialRejected = () => {};
/** Called for every 401 shown anywhere (the page also raises a banner). */
export function setCredentialRejectedHandler(fn) {
  onCredentialRejected = fn;
}

/** An error panel: status, code, message, request id and the request, plus the raw body. */
export function errorBox(err, what) {
  const e = err instanceof Error || (err && typeof err === 'object') ? err : new Error(String(err));
  const status = e.statusCode;
  const info = e.requestInfo || (e.body && e.body.requestInfo) || null;
  const rows = [
    ['Status', status ? `${status} ${STATUS_TEXT[status] || ''}`.trim() : h('span', { class: 'muted' }, e.kind ? `no HTTP status (${e.kind})` : 'no HTTP status')],
    ['Code', e.code || e.name || 'Error'],
    ['Message', h('p', { class: 'error-message' }, mainMessage(e))],
    (e.statusCode || isNetwork(e)) && ['Request id', requestIdOf(e)],
    (e.method || e.url) && ['Request', h('code', {}, `${(e.method || '').toUpperCase()} ${e.url || ''}`.trim())],
    info && ['Request info', h('code', {}, `${info.method || '?'} at ${info.time || '?'}`)],
    e.reason && ['Reason', e.reason],
    e.attempts && ['Attempts', String(e.attempts)],
    isNetwork(e) && ['What it means', 'The browser gives no detail: the deployment may be down or unreachable, or it refused the request (CORS).'],
  ];
  const details = e.body !== undefined
    ? h('details', {}, h('summary', {}, 'Response body'), h('pre', {}, typeof e.body === 'string' ? e.body : json(e.body)))
    : null;
  if (isCredentialRejection(e)) onCredentialRejected(e);
  return h('div', { class: 'error', role: 'alert' },
    h('p', { class: 'error-title' }, errorTitle(e, what)),
    facts(rows, 'facts error-facts'),
    details);
}

/** Shows an error in `container` (replacing what it held). */
export function showError(container, err, what) {
  container.hidden = false;
  fill(container, errorBox(err, what));
}

export function clear(container) {
  container.replaceChildren();
  container.hidden = true;
}

/**
 * Runs `fn` with `button` disabled and a busy state; any error is shown in `errors` (and
 * rethrown to nobody: every failure ends up on the page).
 */
export async function busy(button, errors, what, fn) {
  if (errors) clear(errors);
  const buttons = Array.isArray(button) ? button : [button];
  for (const b of buttons) if (b) { b.disabled = true; b.setAttribute('aria-busy', 'true'); }
  try {
    const out = await fn();
    onSuccess();
    return out;
  } catch (err) {
    if (!errors) throw err;
    showError(errors, err, what);
    return undefined;
  } finally {
    for (const b of buttons) if (b) { b.disabled = false; b.removeAttribute('aria-busy'); }
  }
}

// ----------------------------------------------------------------------------------------
// Transfers

let transferCount = 0;

/** A progress panel for one upload or download, added at the top of `container`. */
export function transfer(container, verb, name) {
  const id = `transfer-${++transferCount}`;
  const bar = h('progress', { id, max: 1, value: 0 });
  const amount = h('span', { class: 'transfer-amount', 'aria-live': 'off' }, 'starting…');
  const result = h('div', { class: 'transfer-result' });
  const dismiss = h('button', { type: 'button', class: 'small quiet', hidden: true, 'aria-label': `Dismiss: ${verb} ${name}` }, 'Dismiss');
  const box = h('div', { class: 'transfer', 'data-state': 'running' },
    h('div', { class: 'transfer-head' },
      h('label', { for: id }, `${verb} `, h('code', {}, name)),
      h('span', { class: 'transfer-side' }, amount, dismiss)),
    bar,
    result);
  dismiss.addEventListener('click', () => box.remove());
  container.prepend(box);
  let lastText = 0;
  return {
    box,
    progress(done, total) {
      if (total) {
        bar.max = total;
        bar.value = done;
      } else {
        bar.removeAttribute('value');
      }
      const now = performance.now();
      if (now - lastText > 80 || done === total) {
        lastText = now;
        amount.textContent = total ? `${bytes(done)} of ${bytes(total)}` : bytes(done);
      }
    },
    /** `verified`: true (checked against the service's hashes), 'sent' (given to the service), or false. */
    done(summary, hashes, verified) {
      box.dataset.state = 'done';
      if (bar.max > 1 || bar.value) bar.value = bar.max;
      else { bar.max = 1; bar.value = 1; }
      amount.textContent = summary;
      dismiss.hidden = false;
      if (hashes) result.append(hashList(hashes, verified));
    },
    fail(err, what) {
      box.dataset.state = 'failed';
      amount.textContent = 'failed';
      dismiss.hidden = false;
      result.append(errorBox(err, what));
    },
  };
}

/** The hashes of a transfer, as a list, saying what they were checked against. */
export function hashList(hashes, verified) {
  const entries = Object.entries(hashes || {}).filter(([, v]) => v);
  if (!entries.length) return h('p', { class: 'muted' }, 'No hashes available for this content.');
  const note = verified === true
    ? h('span', { class: 'verified' }, '✓ verified against the object service')
    : verified === 'sent'
      ? h('span', { class: 'verified' }, '✓ computed while uploading and recorded by the object service')
      : h('span', { class: 'muted' }, 'computed while downloading (this storage type records no hashes)');
  return h('div', { class: 'hash-block' },
    h('p', { class: 'hash-note small-text' }, note),
    h('dl', { class: 'hashes' },
      entries.map(([alg, v]) => [h('dt', {}, alg), h('dd', {}, h('code', { 'data-hash': alg }, v))])));
}

/** Offers a Blob to the user as a file download. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename || 'download', hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Reads a streamed download (`{stream, result}` of the package) to the end: `[Blob, result]`.
 * A failure before any data moves settles only `result`, so both are awaited together.
 */
export async function readDownload(stream, result) {
  const reader = stream.getReader();
  const read = (async () => {
    const chunks = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return new Blob(chunks);
      chunks.push(value);
    }
  })();
  try {
    return await Promise.all([read, result]);
  } catch (err) {
    reader.cancel().catch(() => {});
    read.catch(() => {});
    throw err;
  }
}

/** Copies text; falls back to selecting the input so the user can press Ctrl+C. */
export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (input) {
      input.focus();
      input.select();
    }
    return false;
  }
}

/** The last part of an artifact or object name, for a file name. */
export function baseName(name) {
  const parts = String(name).split('/');
  return parts[parts.length - 1] || 'download';
}
