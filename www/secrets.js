// Secrets: the list (paginated) and one secret, masked until the user asks to see it.
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
    fill(body,
      h('dl', { class: 'facts' }, h('dt', {}, 'Expires'), h('dd', {}, when(secret.expires))),
      h('div', { class: 'actions' }, toggle),
      pre);
  } catch (err) {
    if (my !== viewGen) return;
    fill(body);
    showError(errors, err, `Reading secret ${name}`);
  }
}

export function connectionChanged(c) {
  if (!c) {
    loadedFor = null;
    fill($('#secrets-list'));
    fill($('#secret-body'), h('p', { class: 'muted' }, 'Choose a secret to view it.'));
    return;
  }
  if (!$('#view-secrets').hidden) show();
}

export function init() {
  $('#secrets-refresh').addEventListener('click', (ev) => busy(ev.currentTarget, $('#secrets-errors'), 'Listing secrets', list));
}
