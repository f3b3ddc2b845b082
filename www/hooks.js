// Hooks (#hooks[/<hookGroupId>[/<hookId>]]): the groups and their hooks, one hook's definition,
// status and last fires, and triggering it with a JSON payload (the created task is linked).
import { $, h, fill, busy, clear, showError, when, json, facts, badge } from './ui.js';
import * as session from './session.js';

let listGen = 0;
let hookGen = 0;
let listedFor = null;
let current = null; // {group, id, definition}

const hookHash = (group, id) => `#hooks/${encodeURIComponent(group)}/${encodeURIComponent(id)}`;

export async function show(arg = '') {
  const c = session.connection();
  if (!c) return;
  const [group, ...rest] = arg.split('/');
  const id = rest.join('/');
  if (listedFor !== c) {
    listedFor = c;
    await list();
  }
  markCurrent(group, id);
  if (group && id) {
    if (!current || current.group !== group || current.id !== id || current.c !== c) await open(group, id);
  } else {
    reset();
  }
}

function markCurrent(group, id) {
  for (const a of document.querySelectorAll('#hooks-list a[data-hook]')) {
    if (a.dataset.hook === `${group}/${id}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function list() {
  const my = ++listGen;
  const errors = $('#hooks-errors');
  clear(errors);
  const box = $('#hooks-list');
  fill(box, h('p', { class: 'muted' }, 'Loading…'));
  try {
    const hooks = session.client('Hooks');
    const { groups } = await hooks.listHookGroups();
    const lists = await Promise.all(groups.map((g) => hooks.listHooks(g).then((r) => r.hooks, (err) => err)));
    if (my !== listGen) return;
    const out = [];
    groups.forEach((g, i) => {
      out.push(h('h3', { class: 'group-name', id: `hook-group-${i}` }, g));
      const hs = lists[i];
      if (hs instanceof Error || !Array.isArray(hs)) {
        const box = h('div', { class: 'errors' });
        showError(box, hs, `Listing the hooks of ${g}`);
        out.push(box);
        return;
      }
      out.push(h('ul', { class: 'item-list', 'aria-labelledby': `hook-group-${i}` }, hs.map((hk) => h('li', {},
        h('a', { href: hookHash(g, hk.hookId), class: 'mono grow', 'data-hook': `${g}/${hk.hookId}` }, hk.hookId),
        h('span', { class: 'muted small-text' }, hk.metadata && hk.metadata.name)))));
    });
    fill(box, out.length ? out : h('p', { class: 'muted' }, 'No hooks.'));
  } catch (err) {
    if (my !== listGen) return;
    listedFor = null;
    fill(box);
    showError(errors, err, 'Listing hooks');
  }
}

function reset() {
  ++hookGen;
  current = null;
  fill($('#h-hook'), 'Hook');
  fill($('#hook-body'), h('p', { class: 'muted' }, 'Choose a hook to view it.'));
  $('#hook-trigger-form').hidden = true;
  for (const id of ['#hook-errors', '#hook-trigger-errors']) clear($(id));
  fill($('#hook-result'));
  fill($('#hook-fires'));
}

/** An example payload from the trigger schema: its required properties with empty values. */
function examplePayload(schema) {
  const out = {};
  const props = (schema && schema.properties) || {};
  for (const name of (schema && schema.required) || []) {
    const t = props[name] && props[name].type;
    out[name] = t === 'number' || t === 'integer' ? 0 : t === 'boolean' ? false : t === 'object' ? {} : t === 'array' ? [] : '';
  }
  return out;
}

async function open(group, id) {
  reset();
  const my = hookGen;
  const c = session.connection();
  fill($('#h-hook'), 'Hook ', h('code', {}, `${group}/${id}`));
  const body = $('#hook-body');
  fill(body, h('p', { class: 'muted' }, 'Loading…'));
  const hooks = session.client('Hooks');
  let def;
  try {
    def = await hooks.hook(group, id);
  } catch (err) {
    if (my !== hookGen) return;
    fill(body);
    showError($('#hook-errors'), err, `Reading hook ${group}/${id}`);
    return;
  }
  if (my !== hookGen) return;
  current = { group, id, c, definition: def };
  const md = def.metadata || {};
  const schedule = def.schedule || [];
  fill(body,
    md.description ? h('p', { class: 'description' }, md.description) : null,
    facts([
      ['Name', md.name || '—'],
      ['Owner', md.owner || '—'],
      ['Schedule', schedule.length ? h('span', {}, schedule.map((s) => h('code', {}, s)), h('span', { class: 'muted' }, ' (cron)')) : 'none'],
      ['Bindings', (def.bindings || []).length ? String(def.bindings.length) : 'none'],
      ['Last fire', h('span', { id: 'hook-status' }, h('span', { class: 'muted' }, '…'))],
    ]),
    h('details', {}, h('summary', {}, 'Task template'), h('pre', { class: 'code', id: 'hook-task' }, json(def.task))),
    h('details', {}, h('summary', {}, 'Trigger schema'), h('pre', { class: 'code' }, json(def.triggerSchema))));
  const allowed = session.allows(`hooks:trigger-hook:${group}/${id}`);
  const hint = $('#hook-trigger-hint');
  hint.hidden = allowed;
  hint.textContent = `Your scopes do not include hooks:trigger-hook:${group}/${id}, so the service will probably refuse the trigger.`;
  $('#hook-payload').value = json(examplePayload(def.triggerSchema));
  $('#hook-trigger-form').hidden = false;
  await refreshFires(my);
}

/** The hook's status and its last fires (each linking to its task), when the scopes allow. */
async function refreshFires(my) {
  if (!current) return;
  const { group, id } = current;
  const hooks = session.client('Hooks');
  const [status, fires] = await Promise.allSettled([hooks.getHookStatus(group, id), hooks.listLastFires(group, id, { limit: 10 })]);
  if (my !== hookGen) return;
  const st = $('#hook-status');
  if (st) {
    if (status.status === 'rejected') fill(st, h('span', { class: 'muted' }, `not readable (${status.reason.code || status.reason.message})`));
    else {
      const lf = status.value.lastFire;
      if (lf.result === 'no-fire') fill(st, 'never fired');
      else if (lf.result === 'success') fill(st, when(lf.time), ' → ', h('a', { href: `#task/${encodeURIComponent(lf.taskId)}`, class: 'mono' }, lf.taskId));
      else fill(st, when(lf.time), ' ', badge('error'), ' ', (lf.error && (lf.error.message || lf.error.code)) ? String(lf.error.code || lf.error.message).split('\n')[0] : '');
    }
  }
  const box = $('#hook-fires');
  if (fires.status === 'rejected') {
    // 404 means it never fired; other failures (scopes) say so quietly
    const e = fires.reason;
    fill(box, e.statusCode === 404 ? null : h('p', { class: 'muted small-text' }, `Last fires not readable: ${e.code || e.message}`));
    return;
  }
  fill(box,
    h('h3', { id: 'h-fires' }, 'Last fires'),
    h('ul', { class: 'item-list', 'aria-labelledby': 'h-fires' }, fires.value.lastFires.map((f) => h('li', { 'data-fire': f.taskId },
      h('a', { href: `#task/${encodeURIComponent(f.taskId)}`, class: 'mono grow' }, f.taskId),
      f.result === 'success' ? badge(f.taskState) : badge('error'),
      h('span', { class: 'muted small-text' }, f.firedBy, ' · ', when(f.taskCreateTime)),
      f.result === 'error' && f.error ? h('details', { class: 'grow' }, h('summary', {}, 'Error'), h('pre', { class: 'code' }, f.error)) : null))));
}

async function trigger() {
  if (!current) return;
  const { group, id } = current;
  const my = hookGen;
  let payload;
  try {
    payload = JSON.parse($('#hook-payload').value || '{}');
  } catch (err) {
    throw new Error(`The payload is not JSON: ${err.message}`);
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new Error('The payload must be a JSON object, like {"message": "hello"}.');
  fill($('#hook-result'));
  let res;
  try {
    res = await session.client('Hooks').triggerHook(group, id, payload);
  } finally {
    // a failed fire is recorded too
    if (my === hookGen) refreshFires(my);
  }
  if (my !== hookGen) return;
  const taskId = res.taskId || (res.status && res.status.taskId);
  fill($('#hook-result'), taskId
    ? h('p', { class: 'result', role: 'status' }, 'Created task ', h('a', { href: `#task/${encodeURIComponent(taskId)}`, class: 'mono', id: 'hook-created-task' }, taskId), '.')
    : h('p', { class: 'result', role: 'status' }, 'The hook declined to create a task for this payload.'));
}

export function connectionChanged(c) {
  listedFor = null;
  current = null;
  if (!c) {
    fill($('#hooks-list'));
    reset();
  }
}

export function init() {
  $('#hooks-refresh').addEventListener('click', (ev) => busy(ev.currentTarget, $('#hooks-errors'), 'Listing hooks', async () => {
    await list();
    if (current) markCurrent(current.group, current.id);
  }));
  $('#hook-trigger-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy($('#hook-trigger'), $('#hook-trigger-errors'), current ? `Triggering ${current.group}/${current.id}` : 'Triggering the hook', trigger);
  });
}
