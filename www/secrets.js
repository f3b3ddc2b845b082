// Secrets: the list (paginated) and one secret, masked until the user asks to see it; create,
// edit (the value as JSON, the expiry as a relative time or a date) and delete (confirmed).
import { $, h, fill, busy, clear, showError, when, json } from './ui.js';
import * as session from './session.js';

let listGen = 0;
let viewGen = 0;
let loadedFor = null;

export async function show() {
  const c = session.connection();
  if (!c) return;
  // Lists once per connection; Refresh lists again.
  if (loadedFor === c) return;
  loadedFor = c;
  await list();
}

async function list() {
  const my = ++listGen;
  const errors = $('#secrets-errors');
  clear(errors);
  const hint = $('#secrets-hint');
  hint.hidden = session.allows('secrets:list-secrets');
  hint.textContent = 'Your scopes do not include secrets:list-secrets, so the service will probably refuse the list.';
  const box = $('#secrets-list');
  fill(box, h('p', { class: 'muted' }, 'Loading…'));
  try {
    const secrets = session.client('Secrets');
    const pages = secrets.paginate(secrets.list, { limit: 50 });
    const ul = h('ul', { class: 'secret-list', id: 'secret-names' });
    const more = h('button', { type: 'button', class: 'small', hidden: true }, 'Load more');
    const next = async () => {
      const { value, done } = await pages.next();
      if (my !== listGen) return;
      if (done || !value) {
        more.hidden = true;
        return;
      }
      for (const name of value.secrets || []) {
        const button = h('button', { type: 'button', class: 'link-button', 'data-secret': name }, name);
        button.addEventListener('click', () => view(name));
        ul.append(h('li', {}, button));
      }
      more.hidden = !value.continuationToken;
    };
    more.addEventListener('click', () => busy(more, errors, 'Loading more secrets', next));
    await next();
    if (my !== listGen) return;
    fill(box, ul.children.length ? ul : h('p', { class: 'muted' }, 'No secrets.'), more);
  } catch (err) {
    if (my !== listGen) return;
    fill(box);
    showError(errors, err, 'Listing secrets');
  }
}

async function view(name) {
  const my = ++viewGen;
  closeForm();
  const errors = $('#secret-errors');
  clear(errors);
  const body = $('#secret-body');
  fill($('#h-secret'), 'Secret ', h('code', {}, name));
  fill(body, h('p', { class: 'muted' }, 'Loading…'));
  for (const b of document.querySelectorAll('#secret-names button')) {
    if (b.dataset.secret === name) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
  try {
    const secret = await session.client('Secrets').get(name);
    if (my !== viewGen) return;
    // The value stays out of the page until asked for.
    const value = secret.secret;
    const pre = h('pre', { class: 'code masked', id: 'secret-value', 'aria-live': 'polite' }, '•••••••• hidden');
    const toggle = h('button', { type: 'button', class: 'small', 'aria-pressed': 'false', 'aria-controls': 'secret-value' }, 'Show value');
    toggle.addEventListener('click', () => {
      const shown = toggle.getAttribute('aria-pressed') === 'true';
      toggle.setAttribute('aria-pressed', String(!shown));
      toggle.textContent = shown ? 'Show value' : 'Hide value';
      pre.classList.toggle('masked', shown);
      pre.textContent = shown ? '•••••••• hidden' : json(value);
    });
    const edit = h('button', { type: 'button', class: 'small', id: 'secret-edit' }, 'Edit');
    edit.addEventListener('click', () => openForm({ name, value, expires: secret.expires }));
    const del = h('button', { type: 'button', class: 'small danger', id: 'secret-delete' }, 'Delete');
    del.addEventListener('click', () => confirmDelete(name, del));
    fill(body,
      h('dl', { class: 'facts' }, h('dt', {}, 'Expires'), h('dd', {}, when(secret.expires))),
      h('div', { class: 'actions' }, toggle, edit, del),
      pre);
  } catch (err) {
    if (my !== viewGen) return;
    fill(body);
    showError(errors, err, `Reading secret ${name}`);
  }
}

// ---------------------------------------------------------------------------------------
// Create, edit, delete

let editing = null; // the name being edited, or null for a new secret

function openForm(existing) {
  ++viewGen;
  editing = existing ? existing.name : null;
  const form = $('#secret-form');
  clear($('#secret-form-errors'));
  clear($('#secret-errors'));
  fill($('#h-secret'), existing ? h('span', {}, 'Edit secret ', h('code', {}, existing.name)) : 'New secret');
  fill($('#secret-body'));
  form.hidden = false;
  const name = $('#secret-name');
  name.value = existing ? existing.name : '';
  name.readOnly = !!existing;
  $('#secret-input').value = existing ? json(existing.value) : '{\n  "key": "value"\n}';
  $('#secret-expires').value = existing ? existing.expires : '1 year';
  (existing ? $('#secret-input') : name).focus();
}

function closeForm() {
  $('#secret-form').hidden = true;
  clear($('#secret-form-errors'));
  editing = null;
}

/** The form's secret, or an error naming what is wrong (before any request). */
function readForm() {
  const tc = session.pkg();
  const name = $('#secret-name').value.trim();
  if (!name) throw new Error('The secret needs a name, for example project/team/token.');
  let value;
  try {
    value = JSON.parse($('#secret-input').value);
  } catch (err) {
    throw new Error(`The value is not JSON: ${err.message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('The value must be a JSON object, like {"key": "value"}.');
  const raw = $('#secret-expires').value.trim() || '1 year';
  let expires;
  if (/^\d{4}-\d\d-\d\d/.test(raw)) {
    expires = new Date(raw);
    if (Number.isNaN(expires.getTime())) throw new Error(`"${raw}" is not a date.`);
  } else {
    try {
      expires = tc.fromNow(raw);
    } catch (err) {
      throw new Error(`Expires: ${err.message}`);
    }
  }
  if (expires.getTime() <= Date.now()) throw new Error('The expiry must be in the future.');
  return { name, payload: { secret: value, expires: expires.toISOString() } };
}

async function save() {
  const { name, payload } = readForm();
  const wasEditing = editing;
  await session.client('Secrets').set(name, payload);
  closeForm();
  await list();
  await view(name);
  $('#secret-body').prepend(h('p', { class: 'result', role: 'status', id: 'secret-saved' }, wasEditing ? 'Saved ' : 'Created ', h('code', {}, name), '.'));
}

function confirmDelete(name, button) {
  const body = $('#secret-body');
  if ($('.confirm', body)) return;
  const yes = h('button', { type: 'button', class: 'small danger armed', id: 'secret-delete-confirm' }, 'Delete secret');
  const no = h('button', { type: 'button', class: 'small quiet', id: 'secret-delete-keep' }, 'Keep it');
  const box = h('div', { class: 'confirm', role: 'group', 'aria-label': 'Confirm deletion' },
    h('p', {}, 'Delete ', h('code', {}, name), '? It cannot be restored.'),
    h('div', { class: 'actions' }, yes, no));
  no.addEventListener('click', () => {
    box.remove();
    button.focus();
  });
  yes.addEventListener('click', () => busy([yes, no], $('#secret-errors'), `Deleting secret ${name}`, async () => {
    await session.client('Secrets').remove(name);
    ++viewGen;
    fill($('#h-secret'), 'Secret');
    fill(body, h('p', { class: 'result', role: 'status', id: 'secret-deleted' }, 'Deleted ', h('code', {}, name), '.'));
    await list();
  }));
  body.append(box);
  yes.focus();
}

export function connectionChanged(c) {
  if (!c) {
    loadedFor = null;
    fill($('#secrets-list'));
    fill($('#secret-body'), h('p', { class: 'muted' }, 'Choose a secret to view it.'));
    closeForm();
    return;
  }
  if (!$('#view-secrets').hidden) show();
}

export function init() {
  $('#secrets-refresh').addEventListener('click', (ev) => busy(ev.currentTarget, $('#secrets-errors'), 'Listing secrets', list));
  $('#secret-new').addEventListener('click', () => openForm(null));
  $('#secret-form-cancel').addEventListener('click', () => {
    closeForm();
    fill($('#h-secret'), 'Secret');
    fill($('#secret-body'), h('p', { class: 'muted' }, 'Choose a secret to view it.'));
  });
  $('#secret-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy($('#secret-save'), $('#secret-form-errors'), editing ? `Saving secret ${editing}` : 'Creating the secret', save);
  });
}
