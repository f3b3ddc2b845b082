// The artifact viewer: #artifact/<taskId>/<runId|latest>/<name, URI-encoded>[/L<line>].
// Text and logs are streamed through the package's downloadArtifactStream and shown as they
// arrive (a live log grows while its task runs), with ANSI colours, line numbers, line links,
// follow, pause and search. JSON is shown formatted, images inline; anything can be downloaded
// or given a signed link.
import { $, h, fill, clear, showError, bytes, saveBlob, readDownload, baseName, transfer } from './ui.js';
import * as session from './session.js';
import { showSignedLink } from './links.js';

let current = null; // {key, gen, taskId, runId, name, lines, ...}
let gen = 0;

const IMAGE = /\.(png|jpe?g|gif|webp|svg|avif|bmp|ico)$/i;

function kindOf(name, contentType) {
  const ct = String(contentType || '').toLowerCase();
  if (ct.startsWith('image/') || IMAGE.test(name)) return 'image';
  if (ct.includes('json') || /\.json$/i.test(name)) return 'json';
  return 'text';
}

/** The hash of an artifact in the viewer, optionally at a line. */
export function artifactHash(taskId, runId, name, line) {
  const run = runId === undefined || runId === null ? 'latest' : String(runId);
  return `#artifact/${encodeURIComponent(taskId)}/${run}/${encodeURIComponent(name)}${line ? `/L${line}` : ''}`;
}

/** Parses the parts after `#artifact/` (still URI-encoded). */
export function parseRoute(parts) {
  const [taskId, run, name, line] = parts;
  return {
    taskId: decodeURIComponent(taskId || ''),
    runId: run === 'latest' || !run ? undefined : Number(run),
    name: decodeURIComponent(name || ''),
    line: line && /^L\d+$/.test(line) ? Number(line.slice(1)) : null,
  };
}

// ---------------------------------------------------------------------------------------
// ANSI SGR colours: text becomes [{text, cls}] segments; other escape sequences are dropped.

const ESC = /\x1b\[([0-9;?]*)([A-Za-z])|\x1b[()][A-Za-z0-9]|[\x00-\x08\x0b-\x1f\x7f]/g;

function sgr(style, params) {
  const codes = params === '' ? [0] : params.split(';').map(Number);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c === 0) Object.assign(style, { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false });
    else if (c === 1) style.bold = true;
    else if (c === 2) style.dim = true;
    else if (c === 3) style.italic = true;
    else if (c === 4) style.underline = true;
    else if (c === 22) { style.bold = false; style.dim = false; }
    else if (c === 23) style.italic = false;
    else if (c === 24) style.underline = false;
    else if (c >= 30 && c <= 37) style.fg = c - 30;
    else if (c >= 90 && c <= 97) style.fg = c - 90 + 8;
    else if (c === 39) style.fg = null;
    else if (c >= 40 && c <= 47) style.bg = c - 40;
    else if (c >= 100 && c <= 107) style.bg = c - 100 + 8;
    else if (c === 49) style.bg = null;
    else if (c === 38 || c === 48) {
      // 256-colour (5;n) keeps the 16 basic colours; true colour (2;r;g;b) is dropped.
      const key = c === 38 ? 'fg' : 'bg';
      if (codes[i + 1] === 5) { if (codes[i + 2] < 16) style[key] = codes[i + 2]; i += 2; }
      else if (codes[i + 1] === 2) i += 4;
    }
  }
}

function classOf(style) {
  return [
    style.fg !== null && `fg-${style.fg}`, style.bg !== null && `bg-${style.bg}`,
    style.bold && 'ansi-bold', style.dim && 'ansi-dim', style.italic && 'ansi-italic', style.underline && 'ansi-underline',
  ].filter(Boolean).join(' ');
}

/** One line of text (the style carries over from line to line, as in a terminal). */
function parseAnsi(line, style) {
  const segs = [];
  let last = 0;
  const push = (text) => {
    if (!text) return;
    const cls = classOf(style);
    const prev = segs[segs.length - 1];
    if (prev && prev.cls === cls) prev.text += text;
    else segs.push({ text, cls });
  };
  line.replace(ESC, (m, params, cmd, at) => {
    push(line.slice(last, at));
    last = at + m.length;
    if (cmd === 'm') sgr(style, params);
    return m;
  });
  push(line.slice(last));
  return segs;
}

// ---------------------------------------------------------------------------------------
// The text view

function renderText(el, segs, query) {
  const q = query.toLowerCase();
  fill(el, segs.map(({ text, cls }) => {
    if (!q) return cls ? h('span', { class: cls }, text) : text;
    const out = [];
    const lower = text.toLowerCase();
    let i = 0;
    for (let j = lower.indexOf(q); j >= 0; j = lower.indexOf(q, i)) {
      if (j > i) out.push(text.slice(i, j));
      out.push(h('mark', {}, text.slice(j, j + q.length)));
      i = j + q.length;
    }
    if (i < text.length) out.push(text.slice(i));
    return cls ? h('span', { class: cls }, out) : out;
  }));
}

function lineMatches(v, n) {
  const q = v.query.toLowerCase();
  return !!q && v.lines[n - 1].plain.toLowerCase().includes(q);
}

function lineRow(v, n) {
  const { segs } = v.lines[n - 1];
  const text = h('span', { class: 'lt' });
  renderText(text, segs, lineMatches(v, n) ? v.query : '');
  return h('div', { class: 'log-line', id: `L${n}`, 'data-line': String(n) },
    h('a', { class: 'ln', href: artifactHash(v.taskId, v.runId, v.name, n), 'aria-label': `Line ${n}` }, String(n)),
    text);
}

/** Adds lines to the view, or holds them while paused. */
function showLines(v) {
  if (v.paused) {
    const held = v.lines.length - v.shown;
    v.els.held.textContent = held ? `${held} new line${held === 1 ? '' : 's'} held while paused` : '';
    return;
  }
  if (v.shown === v.lines.length) return;
  const frag = document.createDocumentFragment();
  for (let n = v.shown + 1; n <= v.lines.length; n++) frag.append(lineRow(v, n));
  v.shown = v.lines.length;
  v.els.log.append(frag);
  v.els.held.textContent = '';
  if (v.query) countMatches(v);
  if (v.target && v.target <= v.shown && !v.targetShown) goToLine(v, v.target);
  else if (v.follow) v.els.log.scrollTop = v.els.log.scrollHeight;
}

function goToLine(v, n) {
  const row = v.els.log.querySelector(`#L${n}`);
  if (!row) return;
  v.targetShown = true;
  for (const r of v.els.log.querySelectorAll('.log-line.target')) r.classList.remove('target');
  row.classList.add('target');
  setFollow(v, false);
  v.els.log.scrollTop = row.offsetTop - v.els.log.clientHeight / 3;
}

function setFollow(v, on) {
  v.follow = on;
  v.els.follow.setAttribute('aria-pressed', String(on));
  if (on) v.els.log.scrollTop = v.els.log.scrollHeight;
}

function setPaused(v, on) {
  v.paused = on;
  v.els.pause.setAttribute('aria-pressed', String(on));
  v.els.pause.textContent = on ? 'Resume' : 'Pause';
  showLines(v);
}

function countMatches(v) {
  const rows = v.els.log.querySelectorAll('.log-line.match');
  v.els.matches.textContent = v.query ? `${rows.length} matching line${rows.length === 1 ? '' : 's'}` : '';
  v.els.matches.dataset.count = String(rows.length);
}

function search(v, query) {
  v.query = query;
  for (const row of v.els.log.children) {
    const n = Number(row.dataset.line);
    const match = lineMatches(v, n);
    if (match || row.classList.contains('match')) renderText(row.querySelector('.lt'), v.lines[n - 1].segs, match ? query : '');
    row.classList.toggle('match', match);
  }
  countMatches(v);
}

function nextMatch(v, dir) {
  const rows = [...v.els.log.querySelectorAll('.log-line.match')];
  if (!rows.length) return;
  const at = rows.findIndex((r) => r.classList.contains('current'));
  for (const r of rows) r.classList.remove('current');
  const next = rows[(at + dir + rows.length) % rows.length];
  next.classList.add('current');
  setFollow(v, false);
  v.els.log.scrollTop = next.offsetTop - v.els.log.clientHeight / 3;
  v.els.matches.textContent = `match ${rows.indexOf(next) + 1} of ${rows.length}`;
}

// ---------------------------------------------------------------------------------------

function setState(v, state, note) {
  $('#viewer').dataset.state = state;
  fill(v.els.status, note);
}

/** Opens an artifact (or, if it is already open, goes to the line). */
export function open({ taskId, runId, name, line }) {
  const key = `${taskId}/${runId}/${name}`;
  if (current && current.key === key) {
    current.target = line;
    current.targetShown = false;
    if (line) goToLine(current, line);
    return;
  }
  close();
  const my = ++gen;
  const box = $('#viewer');
  box.dataset.taskId = taskId;
  box.dataset.artifact = name;
  fill($('#h-viewer'), h('code', {}, name));
  fill($('#viewer-sub'), 'of task ', h('a', { href: `#task/${encodeURIComponent(taskId)}` }, h('code', {}, taskId)), runId === undefined ? ', latest run' : `, run ${runId}`);
  const errors = $('#viewer-errors');
  clear(errors);
  clear($('#viewer-link'));
  fill($('#viewer-transfers'));
  const v = current = {
    key, gen: my, taskId, runId, name, target: line, targetShown: false,
    lines: [], shown: 0, follow: !line, paused: false, query: '', style: {}, rest: '',
    els: { status: $('#viewer-status'), bar: $('#viewer-progress'), body: $('#viewer-body') },
  };
  sgr(v.style, '0');
  v.els.bar.removeAttribute('value');
  setState(v, 'loading', 'Starting…');
  fill(v.els.body);
  $('#viewer-tools').hidden = true;

  let queue;
  try {
    queue = session.client('Queue');
  } catch (err) {
    setState(v, 'failed', 'Not connected');
    showError(errors, err, `Viewing ${name}`);
    return;
  }
  const hint = hints.get(key);
  const kind = kindOf(name, hint);
  v.kind = kind;
  box.dataset.kind = kind;
  const onProgress = (done, total) => {
    if (my !== gen) return;
    if (total) { v.els.bar.max = total; v.els.bar.value = done; } else v.els.bar.removeAttribute('value');
    v.received = done;
    v.els.amount.textContent = `${bytes(done)}${total ? ` of ${bytes(total)}` : ''}${kind === 'text' ? ` · ${v.lines.length} lines` : ''}`;
  };
  v.els.amount = $('#viewer-amount');
  v.els.amount.textContent = '';
  let stream;
  let result;
  try {
    ({ stream, result } = session.pkg().downloadArtifactStream({ taskId, runId, name, queue, onProgress }));
  } catch (err) {
    setState(v, 'failed', 'Failed');
    showError(errors, err, `Viewing ${name}`);
    return;
  }
  v.cancel = () => stream.cancel().catch(() => {});
  const fail = (err) => {
    if (my !== gen) return;
    setState(v, 'failed', 'Failed');
    showLines(v);
    showError(errors, err, `Viewing ${name}`);
  };
  if (kind === 'text') streamText(v, stream, result).catch(fail);
  else wholeFile(v, stream, result).catch(fail);
}

async function streamText(v, stream, result) {
  const els = v.els;
  const log = h('div', { class: 'log', id: 'log-lines', role: 'log', 'aria-label': `Lines of ${v.name}`, tabindex: '0' });
  els.log = log;
  els.follow = $('#log-follow');
  els.pause = $('#log-pause');
  els.matches = $('#log-matches');
  els.held = $('#log-held');
  $('#log-search').value = '';
  els.matches.textContent = '';
  els.held.textContent = '';
  setFollow(v, v.follow);
  setPaused(v, false);
  $('#viewer-tools').hidden = false;
  fill(els.body, log);
  log.addEventListener('wheel', () => { if (v.follow && log.scrollTop + log.clientHeight < log.scrollHeight - 40) setFollow(v, false); }, { passive: true });
  setState(v, 'streaming', h('span', { class: 'live' }, 'Streaming'));

  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let flush = null;
  const schedule = () => {
    if (!flush) flush = requestAnimationFrame(() => { flush = null; if (v.gen === gen) showLines(v); });
  };
  const add = (text) => {
    const plain = text.replace(ESC, '');
    v.lines.push({ segs: parseAnsi(text, v.style), plain });
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (v.gen !== gen) return;
    if (done) break;
    const parts = (v.rest + value).split('\n');
    v.rest = parts.pop();
    for (const p of parts) add(p.endsWith('\r') ? p.slice(0, -1) : p);
    schedule();
  }
  if (v.rest) add(v.rest);
  v.rest = '';
  const { contentType } = await result;
  if (v.gen !== gen) return;
  if (flush) cancelAnimationFrame(flush);
  flush = null;
  showLines(v);
  v.els.bar.max = 1;
  v.els.bar.value = 1;
  v.els.amount.textContent = `${bytes(v.received || 0)} · ${v.lines.length} lines · ${contentType || 'unknown type'}`;
  setState(v, 'complete', 'Complete');
}

async function wholeFile(v, stream, result) {
  const [blob, { contentType }] = await readDownload(stream, result);
  if (v.gen !== gen) return;
  const els = v.els;
  els.bar.max = 1;
  els.bar.value = 1;
  els.amount.textContent = `${bytes(blob.size)} · ${contentType || 'unknown type'}`;
  if (v.kind === 'image') {
    v.url = URL.createObjectURL(blob.slice(0, blob.size, contentType || 'image/png'));
    const img = h('img', { class: 'viewer-image', id: 'viewer-image', alt: `Image artifact ${v.name}`, src: v.url });
    fill(els.body, img);
  } else {
    const text = await blob.text();
    let shown;
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch (err) {
      fill(els.body, h('p', { class: 'hint' }, `Not valid JSON (${err.message}); shown as text.`), h('pre', { class: 'code', id: 'viewer-json' }, text));
      setState(v, 'complete', 'Complete');
      return;
    }
    fill(els.body, h('pre', { class: 'code', id: 'viewer-json', tabindex: '0' }, shown));
  }
  setState(v, 'complete', 'Complete');
}

/** Stops the current download (leaving the viewer). */
export function close() {
  if (!current) return;
  gen++;
  if (current.cancel) current.cancel();
  if (current.url) URL.revokeObjectURL(current.url);
  current = null;
}

// Content types from artifact listings, so that the viewer knows the kind before the bytes.
const hints = new Map();
export function hint(taskId, runId, name, contentType) {
  hints.set(`${taskId}/${runId}/${name}`, contentType);
}

async function download(button) {
  const v = current;
  if (!v) return;
  const t = transfer($('#viewer-transfers'), 'Downloading', v.name);
  button.disabled = true;
  try {
    const { stream, result } = session.pkg().downloadArtifactStream({
      taskId: v.taskId, runId: v.runId, name: v.name, queue: session.client('Queue'), onProgress: t.progress,
    });
    const [data, { contentType, hashes }] = await readDownload(stream, result);
    saveBlob(data.slice(0, data.size, contentType), baseName(v.name));
    t.done(`${bytes(data.size)} · saved as ${baseName(v.name)}`, hashes, false);
    t.box.dataset.artifact = v.name;
  } catch (err) {
    t.fail(err, `Downloading ${v.name}`);
  } finally {
    button.disabled = false;
  }
}

export function init() {
  $('#log-follow').addEventListener('click', () => current && setFollow(current, !current.follow));
  $('#log-pause').addEventListener('click', () => current && setPaused(current, !current.paused));
  let timer = null;
  $('#log-search').addEventListener('input', (ev) => {
    clearTimeout(timer);
    const q = ev.currentTarget.value;
    timer = setTimeout(() => current && search(current, q), 120);
  });
  $('#log-search').addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || !current) return;
    ev.preventDefault();
    clearTimeout(timer);
    if (current.query !== ev.currentTarget.value) search(current, ev.currentTarget.value);
    nextMatch(current, ev.shiftKey ? -1 : 1);
  });
  $('#log-next').addEventListener('click', () => current && nextMatch(current, 1));
  $('#log-prev').addEventListener('click', () => current && nextMatch(current, -1));
  $('#viewer-download').addEventListener('click', (ev) => download(ev.currentTarget));
  $('#viewer-signed').addEventListener('click', () => current && showSignedLink($('#viewer-link'), current.taskId, current.runId, current.name));
}
