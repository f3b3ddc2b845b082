// The dashboard: loads the package from /pkg/, connects (from this tab's session, or the
// deployment named by an optional config.json), and routes between the views by URL hash.
import { $, h, fill, busy, clear, showError, errorBox, clock, setCredentialRejectedHandler, setSuccessHandler } from './ui.js';
import * as session from './session.js';
import * as tasks from './tasks.js';
import * as objects from './objects.js';
import * as secrets from './secrets.js';
import * as viewer from './viewer.js';
import * as namespaces from './namespaces.js';
import * as hooks from './hooks.js';
import * as auth from './auth.js';

const views = ['connect', 'tasks', 'artifact', 'new-task', 'objects', 'secrets', 'index', 'hooks', 'auth'];
let localConfig = null;

// ---------------------------------------------------------------------------------------
// Nothing fails silently: anything unexpected ends up in the banner.

const banner = $('#banner');
function raise(node, kind = 'error') {
  banner.hidden = false;
  banner.dataset.kind = kind;
  fill(banner, node, h('button', { type: 'button', class: 'small quiet banner-close', onclick: () => clear(banner) }, 'Dismiss'));
}
window.addEventListener('unhandledrejection', (ev) => raise(errorBox(ev.reason, 'A background operation')));
window.addEventListener('error', (ev) => raise(errorBox(ev.error || ev.message, 'The page')));

setCredentialRejectedHandler((err) => {
  raise(h('div', {},
    h('p', { class: 'error-title' }, `Your credentials were rejected: ${String(err.message).split('\n')[0]}`),
    h('p', {}, 'They may have expired or been revoked. ', h('a', { href: '#connect' }, 'Connect again'), '.')), 'credentials');
});
// The credentials banner belongs to the failure that raised it: the next success clears it.
setSuccessHandler(() => {
  if (banner.dataset.kind === 'credentials') clear(banner);
});

// ---------------------------------------------------------------------------------------
// Routing: #connect, #tasks, #task/<taskId>, #group/<taskGroupId>,
// #artifact/<taskId>/<runId|latest>/<name>[/L<line>], #new-task, #objects, #secrets,
// #index[/<namespace>], #hooks[/<hookGroupId>[/<hookId>]], #auth[/role|client/<id>]

function route() {
  const raw = location.hash.replace(/^#/, '');
  if (raw.startsWith('artifact/')) {
    for (const v of views) $(`#view-${v}`).hidden = v !== 'artifact';
    for (const a of document.querySelectorAll('.tabs a')) {
      if (a.dataset.view === 'tasks') a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    viewer.open(viewer.parseRoute(raw.split('/').slice(1)));
    return;
  }
  viewer.close();
  const hash = decodeURIComponent(raw);
  const [head, ...rest] = hash.split('/');
  const arg = rest.join('/');
  let view = views.includes(head) ? head : null;
  if (head === 'task' || head === 'group') view = 'tasks';
  if (!view) view = session.connection() ? 'tasks' : 'connect';
  for (const v of views) $(`#view-${v}`).hidden = v !== view;
  for (const a of document.querySelectorAll('.tabs a')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (head === 'task' && arg) tasks.openTask(arg);
  else if (head === 'group' && arg) tasks.openGroup(arg);
  if (view === 'secrets') secrets.show();
  if (view === 'index') namespaces.show(arg);
  if (view === 'hooks') hooks.show(arg);
  if (view === 'auth') auth.show(arg);
  if (view === 'new-task') tasks.showCreate();
}
window.addEventListener('hashchange', () => {
  route();
  // Line links stay where they are; other navigation moves the focus to the new view.
  if (!/^#artifact\/.*\/L\d+$/.test(location.hash)) $('#main').focus({ preventScroll: true });
});

// ---------------------------------------------------------------------------------------
// Connection view

const form = $('#connect-form');
const connectErrors = $('#connect-errors');

function fillForm(c) {
  form.rootUrl.value = (c && c.rootUrl) || '';
  form.clientId.value = (c && c.credentials && c.credentials.clientId) || '';
  form.accessToken.value = (c && c.credentials && c.credentials.accessToken) || '';
  form.certificate.value = (c && c.credentials && c.credentials.certificate) || '';
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  busy($('#connect-btn'), connectErrors, 'Connecting', async () => {
    await session.connect({
      rootUrl: form.rootUrl.value,
      credentials: { clientId: form.clientId.value, accessToken: form.accessToken.value, certificate: form.certificate.value },
      source: 'form',
    });
    afterConnect();
  });
});

$('#anon-btn').addEventListener('click', () => {
  busy($('#anon-btn'), connectErrors, 'Connecting anonymously', async () => {
    await session.connect({ rootUrl: form.rootUrl.value, credentials: null, source: 'anonymous' });
    afterConnect();
  });
});

$('#local-btn').addEventListener('click', () => {
  busy($('#local-btn'), connectErrors, 'Connecting to the local deployment', async () => {
    fillForm(configConnection());
    await session.connect(configConnection());
    afterConnect();
  });
});

$('#disconnect-btn').addEventListener('click', () => {
  session.disconnect();
  fillForm(configConnection());
  clear(connectErrors);
});

function afterConnect() {
  // Clear the token from the form once it is in use; it lives in session storage only.
  form.accessToken.value = '';
  form.certificate.value = '';
  clear(banner);
  if (!location.hash || location.hash === '#connect') location.hash = '#tasks';
}

$('#scopes-refresh').addEventListener('click', () => {
  busy($('#scopes-refresh'), $('#scopes-errors'), 'Reading the current scopes', () => session.refreshScopes());
});

$('#temp-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  busy($('#temp-btn'), $('#temp-errors'), 'Minting temporary credentials', async () => {
    const scopes = $('#temp-scopes').value.split('\n').map((s) => s.trim()).filter(Boolean);
    await session.mintTemporary({ scopes, lifetime: $('#temp-lifetime').value, name: $('#temp-name').value.trim() });
  });
});

function describeConnection(c) {
  if (!c) return { text: 'Not connected', kind: 'off' };
  const host = new URL(c.rootUrl).host;
  if (!c.credentials) return { text: `anonymous · ${host}`, kind: 'anon' };
  const cert = session.certificateOf(c.credentials);
  if (cert) return { text: `${c.credentials.clientId} · temporary until ${clock(new Date(cert.expiry))} · ${host}`, kind: 'temp' };
  return { text: `${c.credentials.clientId} · ${host}`, kind: 'perm' };
}

function renderConnection(c) {
  const d = describeConnection(c);
  const who = $('#who');
  who.dataset.kind = d.kind;
  $('.who-text', who).textContent = d.text;
  $('#disconnect-btn').hidden = !c;

  const status = $('#connect-status');
  if (c) clear(connectErrors);
  if (!c) {
    fill(status);
    fill($('#scopes'), h('p', { class: 'muted' }, 'Not connected.'));
  } else {
    const cert = session.certificateOf(c.credentials);
    const info = c.info && !c.info.error ? c.info : null;
    const rows = [
      ['Root URL', h('code', {}, c.rootUrl)],
      ['Client', c.credentials ? h('code', {}, c.credentials.clientId) : 'anonymous (no credentials)'],
      c.credentials && ['Kind', cert ? 'temporary' : (info ? info.type : 'permanent')],
      cert && ['Valid', h('span', {}, `${new Date(cert.start).toLocaleString()} – ${new Date(cert.expiry).toLocaleString()}`)],
      cert && cert.issuer && ['Issuer', h('code', {}, cert.issuer)],
      !cert && info && info.expiry && ['Expires', new Date(info.expiry).toLocaleString()],
    ].filter(Boolean);
    fill(status,
      h('div', { class: 'connected' },
        h('p', { class: 'ok-title' }, 'Connected'),
        h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))),
      c.info && c.info.error ? errorBox(c.info.error, 'Reading what these credentials are') : null);
    const scopes = [...c.scopes].sort();
    fill($('#scopes'),
      h('p', { class: 'muted' }, `${scopes.length} scope${scopes.length === 1 ? '' : 's'}, expanded from roles`),
      h('ul', { class: 'scopes' }, scopes.map((s) => h('li', {}, h('code', {}, s)))));
  }
  const canMint = !!(c && c.credentials && !c.credentials.certificate);
  $('#temp-btn').disabled = !canMint;
  $('#temp-btn').title = canMint ? '' : 'Needs permanent credentials';
  tasks.connectionChanged(c);
  secrets.connectionChanged(c);
  objects.connectionChanged(c);
  namespaces.connectionChanged(c);
  hooks.connectionChanged(c);
  auth.connectionChanged(c);
  // the open screen loads again for the new connection
  if (c && ['index', 'hooks', 'auth'].some((v) => !$(`#view-${v}`).hidden)) route();
}
session.onChange(renderConnection);

// ---------------------------------------------------------------------------------------
// Start-up

function configConnection() {
  if (!localConfig || !localConfig.rootUrl) return null;
  const credentials = localConfig.clientId ? { clientId: localConfig.clientId, accessToken: localConfig.accessToken, certificate: localConfig.certificate } : null;
  return { rootUrl: localConfig.rootUrl, credentials, source: 'config' };
}

async function readConfig() {
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    if (!res.ok) return null;
    return await res.json();
  } catch {
    return null;
  }
}

async function start() {
  const configPromise = readConfig();
  let taskcluster;
  try {
    taskcluster = (await import('./pkg/index.js')).default;
  } catch (err) {
    raise(h('div', {},
      h('p', { class: 'error-title' }, 'The taskcluster-wasm package did not load'),
      h('p', {}, 'Build it with ', h('code', {}, 'cargo xtask pkg'), ' and serve the repository with ', h('code', {}, 'node scripts/serve-www.mjs'), '.'),
      h('pre', { class: 'error-message' }, String(err && err.message))));
    fill($('#who .who-text'), 'Package not loaded');
    return;
  }
  session.setPackage(taskcluster);
  tasks.init();
  objects.init();
  secrets.init();
  viewer.init();
  namespaces.init();
  hooks.init();
  auth.init();

  localConfig = await configPromise;
  if (localConfig && localConfig.rootUrl) {
    $('#local-btn').hidden = false;
    const hint = $('#config-hint');
    hint.hidden = false;
    hint.textContent = `A local deployment is configured: ${localConfig.rootUrl}`;
  }

  const saved = session.saved();
  const initial = saved || (session.wasDisconnected() ? null : configConnection());
  fillForm(initial);
  renderConnection(null);
  if (initial) {
    try {
      await session.connect(initial);
      form.accessToken.value = '';
      form.certificate.value = '';
    } catch (err) {
      history.replaceState(null, '', '#connect');
      showError(connectErrors, err, `Connecting to ${initial.rootUrl}`);
    }
  }
  // The configuration may name a task group to start with (the demo's seeded one).
  const landing = location.hash.replace(/^#/, '');
  if (session.connection() && localConfig && localConfig.taskGroupId && (landing === '' || landing === 'tasks')) {
    history.replaceState(null, '', `#group/${encodeURIComponent(localConfig.taskGroupId)}`);
  }
  route();
  document.documentElement.dataset.ready = 'true';
}

start();
