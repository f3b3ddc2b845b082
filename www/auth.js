// Roles and clients (#auth, #auth/role/<roleId>, #auth/client/<clientId>): both lists, and for
// one of them its own scopes and the scopes they expand to through roles.
import { $, h, fill, busy, clear, showError, when, facts } from './ui.js';
import * as session from './session.js';

let listGen = 0;
let itemGen = 0;
let listedFor = null;
let shownItem = null;

const itemHash = (kind, id) => `#auth/${kind}/${encodeURIComponent(id)}`;

export async function show(arg = '') {
  const c = session.connection();
  if (!c) return;
  const [kind, ...rest] = arg.split('/');
  const id = rest.join('/');
  if (listedFor !== c) {
    listedFor = c;
    await list();
  }
  const key = `${kind}/${id}`;
  markCurrent(key);
  if ((kind === 'role' || kind === 'client') && id) {
    if (shownItem !== key) {
      shownItem = key;
      await open(kind, id);
    }
  } else {
    shownItem = null;
    ++itemGen;
    fill($('#h-auth-item'), 'Role or client');
    clear($('#auth-errors'));
    fill($('#auth-body'), h('p', { class: 'muted' }, 'Choose a role or a client to see its scopes.'));
  }
}

function markCurrent(key) {
  for (const a of document.querySelectorAll('#view-auth a[data-item]')) {
    if (a.dataset.item === key) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function list() {
  const my = ++listGen;
  const auth = session.client('Auth');
  const roleBox = $('#roles-list');
  const clientBox = $('#clients-list');
  clear($('#roles-errors'));
  clear($('#clients-errors'));
  fill(roleBox, h('p', { class: 'muted' }, 'Loading…'));
  fill(clientBox, h('p', { class: 'muted' }, 'Loading…'));
  const row = (kind, id, note) => h('li', {},
    h('a', { href: itemHash(kind, id), class: 'mono grow', 'data-item': `${kind}/${id}` }, id),
    note ? h('span', { class: 'muted small-text' }, note) : null);
  const roles = (async () => {
    const ul = h('ul', { class: 'item-list', id: 'role-ids' });
    for await (const page of auth.paginate(auth.listRoles2, { limit: 100 })) {
      if (my !== listGen) return;
      for (const r of page.roles) ul.append(row('role', r.roleId, `${r.scopes.length} scope${r.scopes.length === 1 ? '' : 's'}`));
    }
    if (my === listGen) fill(roleBox, ul.children.length ? ul : h('p', { class: 'muted' }, 'No roles.'));
  })();
  const clients = (async () => {
    const ul = h('ul', { class: 'item-list', id: 'client-ids' });
    for await (const page of auth.paginate(auth.listClients, { limit: 100 })) {
      if (my !== listGen) return;
      for (const c of page.clients) ul.append(row('client', c.clientId, c.disabled ? 'disabled' : null));
    }
    if (my === listGen) fill(clientBox, ul.children.length ? ul : h('p', { class: 'muted' }, 'No clients.'));
  })();
  const [r, c] = await Promise.allSettled([roles, clients]);
  if (my !== listGen) return;
  if (r.status === 'rejected') {
    fill(roleBox);
    showError($('#roles-errors'), r.reason, 'Listing roles');
  }
  if (c.status === 'rejected') {
    fill(clientBox);
    showError($('#clients-errors'), c.reason, 'Listing clients');
  }
  if (r.status === 'rejected' || c.status === 'rejected') listedFor = null;
}

function scopeList(scopes, id) {
  if (!scopes || !scopes.length) return h('p', { class: 'muted' }, 'none');
  return h('ul', { class: 'scopes', id }, [...scopes].sort().map((s) => h('li', {}, h('code', {}, s))));
}

async function open(kind, id) {
  const my = ++itemGen;
  const errors = $('#auth-errors');
  clear(errors);
  const body = $('#auth-body');
  fill($('#h-auth-item'), kind === 'role' ? 'Role ' : 'Client ', h('code', {}, id));
  fill(body, h('p', { class: 'muted' }, 'Loading…'));
  try {
    const auth = session.client('Auth');
    const item = kind === 'role' ? await auth.role(id) : await auth.client(id);
    if (my !== itemGen) return;
    const rows = kind === 'role'
      ? [['Created', when(item.created)], ['Modified', when(item.lastModified)]]
      : [
        ['Expires', when(item.expires)],
        ['Last used', when(item.lastDateUsed)],
        ['Modified', when(item.lastModified)],
        ['State', item.disabled ? 'disabled' : 'enabled'],
        item.deleteOnExpiration && ['On expiry', 'deleted'],
      ];
    const expanded = item.expandedScopes || [];
    fill(body,
      item.description ? h('p', { class: 'description' }, item.description) : null,
      facts(rows),
      h('h3', { id: 'h-own-scopes' }, `Scopes (${item.scopes.length})`),
      scopeList(item.scopes, 'auth-scopes'),
      h('h3', { id: 'h-expanded' }, `Expanded scopes (${expanded.length})`),
      h('p', { class: 'hint' }, kind === 'role'
        ? `What assume:${id} grants, roles included.`
        : 'What this client may do: its scopes with every role they assume expanded.'),
      scopeList(expanded, 'auth-expanded'));
  } catch (err) {
    if (my !== itemGen) return;
    shownItem = null;
    fill(body);
    showError(errors, err, `Reading ${kind} ${id}`);
  }
}

export function connectionChanged(c) {
  listedFor = null;
  shownItem = null;
  if (!c) {
    fill($('#roles-list'));
    fill($('#clients-list'));
  }
}

export function init() {
  $('#auth-refresh').addEventListener('click', (ev) => busy(ev.currentTarget, null, 'Listing roles and clients', async () => {
    await list();
    markCurrent(shownItem);
  }));
}
