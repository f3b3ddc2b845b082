// The index (#index/<namespace>): the child namespaces and the tasks indexed directly under a
// namespace, a page at a time, each task linking to its page.
import { $, h, fill, busy, clear, showError, when } from './ui.js';
import * as session from './session.js';

let gen = 0;
let shown = null;

const nsHash = (ns) => `#index/${encodeURIComponent(ns)}`;

export async function show(ns = '') {
  const c = session.connection();
  if (!c) return;
  const namespace = ns.replace(/^\.+|\.+$/g, '');
  if (shown && shown.c === c && shown.ns === namespace) return;
  shown = { c, ns: namespace };
  await load(namespace);
}

function crumbs(ns) {
  const parts = ns ? ns.split('.') : [];
  const items = [h('a', { href: '#index/', 'aria-current': parts.length ? null : 'page' }, 'root')];
  parts.forEach((p, i) => {
    const path = parts.slice(0, i + 1).join('.');
    items.push(h('span', { 'aria-hidden': 'true', class: 'muted' }, '›'));
    items.push(i === parts.length - 1 ? h('code', { 'aria-current': 'page' }, p) : h('a', { href: nsHash(path) }, p));
  });
  return items;
}

/** Lists the pages of `start` (an async iterator of `{items, continuationToken}`) through `row`, with a "Load more" button. */
async function paged(my, box, errors, what, start, row, emptyText) {
  const ul = h('ul', { class: 'item-list' });
  const more = h('button', { type: 'button', class: 'small', hidden: true }, 'Load more');
  const next = async () => {
    const { value, done } = await start.next();
    if (my !== gen) return;
    if (done || !value) {
      more.hidden = true;
      return;
    }
    for (const item of value.items) ul.append(row(item));
    more.hidden = !value.continuationToken;
  };
  more.addEventListener('click', () => busy(more, errors, what, next));
  await next();
  if (my !== gen) return;
  fill(box, ul.children.length ? ul : h('p', { class: 'muted' }, emptyText), more);
}

async function load(ns) {
  const my = ++gen;
  const errors = $('#index-errors');
  clear(errors);
  $('#index-ns').value = ns;
  fill($('#index-crumbs'), crumbs(ns));
  const nsBox = $('#index-namespaces');
  const taskBox = $('#index-tasks');
  fill(nsBox, h('p', { class: 'muted' }, 'Loading…'));
  fill(taskBox, h('p', { class: 'muted' }, 'Loading…'));
  const index = session.client('Index');
  // An empty namespace is the root: the index serves `/namespaces/` and `/tasks/`.
  const pages = (method, key) => (async function* () {
    for await (const page of index.paginate(method.fn, ns, { limit: 50 })) {
      yield { items: page[key] || [], continuationToken: page.continuationToken };
    }
  })();
  const nsRow = (n) => h('li', { 'data-namespace': n.namespace },
    h('a', { href: nsHash(n.namespace), class: 'mono grow' }, n.name || n.namespace),
    h('span', { class: 'muted small-text' }, 'expires ', when(n.expires)));
  const taskRow = (t) => h('li', { 'data-index-path': t.namespace },
    h('code', { class: 'grow' }, t.namespace.split('.').pop()),
    h('a', { href: `#task/${encodeURIComponent(t.taskId)}`, class: 'mono', 'data-task': t.taskId }, t.taskId),
    h('span', { class: 'muted small-text' }, `rank ${t.rank} · expires `, when(t.expires)));
  const results = await Promise.allSettled([
    paged(my, nsBox, errors, 'Listing more namespaces', pages({ fn: index.listNamespaces }, 'namespaces'), nsRow, 'No namespaces below this one.'),
    paged(my, taskBox, errors, 'Listing more indexed tasks', pages({ fn: index.listTasks }, 'tasks'), taskRow, 'No tasks indexed directly here.'),
  ]);
  if (my !== gen) return;
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    shown = null;
    if (results[0].status === 'rejected') fill(nsBox);
    if (results[1].status === 'rejected') fill(taskBox);
    showError(errors, failed.reason, `Browsing the index at ${ns || 'the root'}`);
  }
}

export function connectionChanged(c) {
  shown = null;
  if (!c) {
    fill($('#index-namespaces'));
    fill($('#index-tasks'));
  }
}

export function init() {
  $('#index-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const ns = $('#index-ns').value.trim().replace(/^\.+|\.+$/g, '');
    if (ns && !/^[^.\s]+(\.[^.\s]+)*$/.test(ns)) {
      showError($('#index-errors'), new Error(`"${ns}" is not a namespace: dot-separated words without spaces, like project.app`), 'Opening the namespace');
      return;
    }
    shown = null;
    if (location.hash === nsHash(ns)) show(ns);
    else location.hash = nsHash(ns);
  });
}
