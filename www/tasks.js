// Tasks: the finder, a task group's list, the task inspector (definition, status, runs,
// artifacts with pagination, downloads, signed links, artifact uploads, cancel and rerun),
// and the task creation form.
import {
  $, h, fill, busy, clear, showError, succeeded, when, badge, facts, safeLink, json, bytes, clock,
  transfer, saveBlob, readDownload, baseName,
} from './ui.js';
import * as session from './session.js';
import { showSignedLink } from './links.js';
import { artifactHash, hint } from './viewer.js';

const UNRESOLVED = new Set(['unscheduled', 'pending', 'running']);
const REFRESH_MS = 3000;

// What is on screen: the inspected task, and counters that retire stale async work.
let inspected = null; // {taskId, task, status}
let taskGen = 0;
let refreshTimer = null;
let artGen = 0;
let groupGen = 0;
let cancelArmed = null;

const client = (name, options) => session.client(name, options);
const tc = () => session.pkg();

function stopRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = null;
}

// ---------------------------------------------------------------------------------------
// Task group

export async function openGroup(taskGroupId) {
  stopRefresh();
  $('#tasks-empty').hidden = true;
  $('#inspector').hidden = true;
  inspected = null;
  $('#group-id').value = taskGroupId;
  const card = $('#group');
  card.hidden = false;
  card.dataset.taskGroupId = taskGroupId;
  fill($('#h-group'), 'Task group ', h('code', {}, taskGroupId));
  const my = ++groupGen;
  const errors = $('#group-errors');
  clear(errors);
  const body = $('#group-body');
  fill(body, h('p', { class: 'muted' }, 'Loading…'));
  try {
    const queue = client('Queue');
    // One page per press of "Load more", from the package's paginate() iterator.
    const pages = queue.paginate(queue.listTaskGroup, taskGroupId, { limit: 50 });
    const tbody = h('tbody');
    const more = h('button', { type: 'button', class: 'small', hidden: true }, 'Load more');
    const table = h('table', { class: 'table', id: 'group-table' },
      h('caption', { class: 'sr-only' }, `Tasks in group ${taskGroupId}`),
      h('thead', {}, h('tr', {}, ['State', 'Name', 'Task ID', 'Task queue'].map((t) => h('th', { scope: 'col' }, t)))),
      tbody);
    const count = h('p', { class: 'muted small-text', 'aria-live': 'polite' });
    const states = {};
    const summary = h('p', { class: 'group-summary', id: 'group-summary', 'aria-label': 'Tasks by state' });
    const summarize = () => fill(summary, Object.keys(states).sort().map((st) => h('span', { class: 'summary-item', 'data-state': st }, badge(st), ` ${states[st]}`)));
    const next = async () => {
      const { value, done } = await pages.next();
      if (my !== groupGen) return;
      if (done || !value) {
        more.hidden = true;
        return;
      }
      for (const { task, status } of value.tasks || []) {
        states[status.state] = (states[status.state] || 0) + 1;
        tbody.append(h('tr', { 'data-task-id': status.taskId },
          h('td', {}, badge(status.state)),
          h('td', {}, h('a', { href: `#task/${encodeURIComponent(status.taskId)}` }, task.metadata ? task.metadata.name : status.taskId)),
          h('td', {}, h('code', {}, status.taskId)),
          h('td', {}, h('code', {}, status.taskQueueId || `${status.provisionerId}/${status.workerType}`))));
      }
      count.textContent = `${tbody.children.length} task${tbody.children.length === 1 ? '' : 's'}${value.continuationToken ? ' so far' : ''}`;
      more.hidden = !value.continuationToken;
      summarize();
    };
    more.addEventListener('click', () => busy(more, errors, 'Loading more tasks', next));
    await next();
    if (my !== groupGen) return;
    succeeded();
    fill(body, summary, tbody.children.length ? h('div', { class: 'table-wrap' }, table) : h('p', { class: 'muted' }, 'This group has no tasks.'), h('div', { class: 'actions' }, count, more));
  } catch (err) {
    if (my !== groupGen) return;
    fill(body);
    showError(errors, err, `Listing task group ${taskGroupId}`);
  }
}

// ---------------------------------------------------------------------------------------
// Task inspector

export async function openTask(taskId) {
  stopRefresh();
  $('#tasks-empty').hidden = true;
  $('#group').hidden = true;
  $('#task-id').value = taskId;
  const card = $('#inspector');
  card.hidden = false;
  card.dataset.taskId = taskId;
  const my = ++taskGen;
  const errors = $('#task-errors');
  clear(errors);
  clear($('#artifact-errors'));
  fill($('#h-task'), 'Task');
  fill($('#task-sub'), taskId);
  fill($('#task-body'), h('p', { class: 'muted' }, 'Loading…'));
  fill($('#runs'));
  fill($('#artifacts'));
  fill($('#definition'));
  fill($('#downloads'));
  fill($('#art-uploads'));
  clear($('#signed-link'));
  $('#artifact-upload').hidden = true;
  $('#task-log').hidden = true;
  $('#refresh-note').textContent = '';
  $('#task-details').hidden = true;
  setActionButtons(null);
  try {
    const queue = client('Queue');
    const [task, { status }] = await Promise.all([queue.task(taskId), queue.status(taskId)]);
    if (my !== taskGen) return;
    inspected = { taskId, task, status };
    $('#task-details').hidden = false;
    succeeded();
    renderTask();
    renderStatus({ reloadArtifacts: true });
    scheduleRefresh(my);
  } catch (err) {
    if (my !== taskGen) return;
    inspected = null;
    // Nothing else to show: no runs, artifacts or auto-refresh for a task that did not load.
    fill($('#task-body'));
    fill($('#h-task'), 'Task ', h('code', {}, taskId));
    showError(errors, err, `Opening task ${taskId}`);
  }
}

function renderTask() {
  const { taskId, task } = inspected;
  const md = task.metadata || {};
  fill($('#h-task'), md.name || taskId);
  fill($('#task-sub'), taskId);
  const queueId = task.taskQueueId || `${task.provisionerId}/${task.workerType}`;
  fill($('#task-body'),
    md.description ? h('p', { class: 'description' }, md.description) : null,
    facts([
      ['State', h('span', { id: 'task-state' })],
      ['Task queue', h('code', {}, queueId)],
      ['Task group', h('a', { href: `#group/${encodeURIComponent(task.taskGroupId)}` }, h('code', {}, task.taskGroupId))],
      ['Scheduler', h('code', {}, task.schedulerId)],
      ['Project', h('code', {}, task.projectId || 'none')],
      ['Priority', task.priority],
      ['Owner', md.owner || '—'],
      ['Source', md.source ? safeLink(md.source) : '—'],
      ['Created', when(task.created)],
      ['Deadline', when(task.deadline)],
      ['Expires', when(task.expires)],
      ['Retries left', h('span', { id: 'task-retries' })],
      ['Dependencies', (task.dependencies || []).length ? h('span', {}, (task.dependencies || []).map((d, i) => [i ? ', ' : '', h('a', { href: `#task/${encodeURIComponent(d)}` }, h('code', {}, d))])) : 'none'],
    ], 'facts facts-wide'));
  fill($('#definition'), json(task));
}

function renderStatus({ reloadArtifacts = false } = {}) {
  const { status } = inspected;
  const stateEl = $('#task-state');
  if (stateEl) fill(stateEl, badge(status.state));
  const retries = $('#task-retries');
  if (retries) retries.textContent = String(status.retriesLeft);
  $('#inspector').dataset.state = status.state;

  const runs = status.runs || [];
  fill($('#runs'), runs.length
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'aria-labelledby': 'h-runs' },
      h('thead', {}, h('tr', {}, ['Run', 'State', 'Reason created', 'Reason resolved', 'Worker', 'Started', 'Resolved'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, runs.map((r) => h('tr', {},
        h('td', {}, String(r.runId)),
        h('td', {}, badge(r.state)),
        h('td', {}, r.reasonCreated || '—'),
        h('td', {}, r.reasonResolved || '—'),
        h('td', {}, r.workerGroup ? h('code', {}, `${r.workerGroup}/${r.workerId}`) : '—'),
        h('td', {}, when(r.started)),
        h('td', {}, when(r.resolved)))))))
    : h('p', { class: 'muted' }, 'No runs yet.'));

  // The run selector: latest, then each run.
  const sel = $('#artifact-run');
  const prev = sel.value;
  fill(sel, h('option', { value: 'latest' }, 'latest'), runs.map((r) => h('option', { value: String(r.runId) }, `run ${r.runId}`)));
  sel.value = [...sel.options].some((o) => o.value === prev) ? prev : 'latest';

  // The log: live.log while the run is running, then the backing log (live.log links to it).
  const logLink = $('#task-log');
  logLink.hidden = !runs.length;
  if (runs.length) logLink.href = artifactHash(inspected.taskId, undefined, 'public/logs/live.log');
  setActionButtons(status);
  renderUploadSection();
  if (reloadArtifacts) loadArtifacts();
}

function scopeContext() {
  const { taskId, task } = inspected;
  return { taskId, schedulerId: task.schedulerId, taskGroupId: task.taskGroupId, projectId: task.projectId || 'none' };
}

function cancelScopes() {
  const c = scopeContext();
  return { AnyOf: [`queue:cancel-task:${c.schedulerId}/${c.taskGroupId}/${c.taskId}`, `queue:cancel-task-in-project:${c.projectId}`, { AllOf: ['queue:cancel-task', `assume:scheduler-id:${c.schedulerId}/${c.taskGroupId}`] }] };
}

function rerunScopes() {
  const c = scopeContext();
  return { AnyOf: [`queue:rerun-task:${c.schedulerId}/${c.taskGroupId}/${c.taskId}`, `queue:rerun-task-in-project:${c.projectId}`, { AllOf: ['queue:rerun-task', `assume:scheduler-id:${c.schedulerId}/${c.taskGroupId}`] }] };
}

function scheduleScopes() {
  const c = scopeContext();
  return { AnyOf: [`queue:schedule-task:${c.schedulerId}/${c.taskGroupId}/${c.taskId}`, `queue:schedule-task-in-project:${c.projectId}`, { AllOf: ['queue:schedule-task', `assume:scheduler-id:${c.schedulerId}/${c.taskGroupId}`] }] };
}

function setActionButtons(status) {
  const cancel = $('#task-cancel');
  const rerun = $('#task-rerun');
  const hint = $('#action-hint');
  disarmCancel();
  if (!status || !inspected) {
    cancel.disabled = true;
    rerun.disabled = true;
    $('#task-schedule').hidden = true;
    $('#task-clone').disabled = true;
    hint.hidden = true;
    return;
  }
  const unresolved = UNRESOLVED.has(status.state);
  const schedule = $('#task-schedule');
  schedule.hidden = status.state !== 'unscheduled';
  schedule.disabled = !session.allows(scheduleScopes());
  const missing = [];
  if (!schedule.hidden && schedule.disabled) missing.push(`Scheduling needs ${session.describe(scheduleScopes())}.`);
  const canCancel = session.allows(cancelScopes());
  const canRerun = session.allows(rerunScopes());
  $('#task-clone').disabled = false;
  cancel.hidden = !unresolved;
  rerun.hidden = unresolved;
  cancel.disabled = !canCancel;
  rerun.disabled = !canRerun;
  if (unresolved && !canCancel) missing.push(`Cancelling needs ${session.describe(cancelScopes())}.`);
  if (!unresolved && !canRerun) missing.push(`Rerunning needs ${session.describe(rerunScopes())}.`);
  hint.hidden = !missing.length;
  hint.textContent = missing.join(' ');
}

function disarmCancel() {
  clearTimeout(cancelArmed);
  cancelArmed = null;
  const cancel = $('#task-cancel');
  cancel.textContent = 'Cancel task';
  cancel.classList.remove('armed');
}

function scheduleRefresh(my) {
  stopRefresh();
  const note = $('#refresh-note');
  if (!inspected || !UNRESOLVED.has(inspected.status.state)) {
    note.textContent = inspected ? 'Resolved' : '';
    return;
  }
  note.textContent = `Auto-refresh every ${REFRESH_MS / 1000} s`;
  refreshTimer = setTimeout(async () => {
    if (my !== taskGen || !inspected) return;
    try {
      const { status } = await client('Queue').status(inspected.taskId);
      if (my !== taskGen) return;
      applyStatus(status);
      note.textContent = `Auto-refresh every ${REFRESH_MS / 1000} s · updated ${clock(new Date())}`;
      scheduleRefresh(my);
    } catch (err) {
      if (my !== taskGen) return;
      note.textContent = 'Auto-refresh stopped after an error';
      showError($('#task-errors'), err, 'Refreshing the task status');
    }
  }, REFRESH_MS);
}

/** Takes a new status; artifacts are reloaded when the runs changed. */
function applyStatus(status) {
  const before = inspected.status;
  inspected.status = status;
  const runKey = (s) => JSON.stringify((s.runs || []).map((r) => [r.runId, r.state]));
  if (JSON.stringify(before) !== JSON.stringify(status)) {
    renderStatus({ reloadArtifacts: runKey(before) !== runKey(status) });
    if (!UNRESOLVED.has(status.state)) $('#refresh-note').textContent = 'Resolved';
  }
}

async function refreshTask(button) {
  if (!inspected) return;
  const my = taskGen;
  await busy(button, $('#task-errors'), 'Refreshing the task', async () => {
    const { status } = await client('Queue').status(inspected.taskId);
    if (my !== taskGen) return;
    applyStatus(status);
    loadArtifacts();
    scheduleRefresh(my);
  });
}

// ---------------------------------------------------------------------------------------
// Artifacts

function selectedRun() {
  const v = $('#artifact-run').value;
  return v === 'latest' || v === '' ? undefined : Number(v);
}

async function loadArtifacts() {
  if (!inspected) return;
  const my = ++artGen;
  const { taskId, status } = inspected;
  const errors = $('#artifact-errors');
  clear(errors);
  const box = $('#artifacts');
  if (!(status.runs || []).length) {
    fill(box, h('p', { class: 'muted' }, 'No runs yet, so no artifacts.'));
    return;
  }
  const runId = selectedRun();
  const limit = Number($('#artifact-limit').value) || 20;
  const queue = client('Queue');
  const pages = runId === undefined
    ? queue.paginate(queue.listLatestArtifacts, taskId, { limit })
    : queue.paginate(queue.listArtifacts, taskId, runId, { limit });
  const latestRun = status.runs[status.runs.length - 1].runId;
  const tbody = h('tbody');
  const table = h('table', { class: 'table', id: 'artifact-table' },
    h('caption', { class: 'sr-only' }, `Artifacts of run ${runId === undefined ? latestRun : runId}`),
    h('thead', {}, h('tr', {}, ['Name', 'Storage', 'Content type', 'Expires', h('span', { class: 'sr-only' }, 'Actions')].map((t) => h('th', { scope: 'col' }, t)))),
    tbody);
  const count = h('span', { class: 'muted small-text', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'small', id: 'artifacts-more', hidden: true }, 'Load more');
  const next = async () => {
    const { value, done } = await pages.next();
    if (my !== artGen) return;
    if (done || !value) {
      more.hidden = true;
      return;
    }
    for (const a of value.artifacts || []) tbody.append(artifactRow(a, runId));
    const n = tbody.children.length;
    count.textContent = `${n} artifact${n === 1 ? '' : 's'}${value.continuationToken ? ', more available' : ''}`;
    more.hidden = !value.continuationToken;
  };
  more.addEventListener('click', () => busy(more, errors, 'Loading more artifacts', next));
  try {
    await next();
    if (my !== artGen) return;
    fill(box, tbody.children.length
      ? [h('div', { class: 'table-wrap' }, table), h('div', { class: 'actions' }, count, more)]
      : h('p', { class: 'muted' }, 'No artifacts in this run.'));
  } catch (err) {
    if (my !== artGen) return;
    fill(box);
    showError(errors, err, 'Listing artifacts');
  }
}

function artifactRow(a, runId) {
  const download = h('button', { type: 'button', class: 'small', 'aria-label': `Download ${a.name}` }, 'Download');
  const link = h('button', { type: 'button', class: 'small quiet', 'aria-label': `Signed link to ${a.name}` }, 'Signed link');
  download.addEventListener('click', () => downloadArtifact(a.name, a.storageType, runId, download));
  link.addEventListener('click', () => showSignedLink($('#signed-link'), inspected.taskId, runId, a.name));
  hint(inspected.taskId, runId, a.name, a.contentType);
  const view = h('a', { class: 'button small', href: artifactHash(inspected.taskId, runId, a.name), 'aria-label': `View ${a.name}` }, 'View');
  return h('tr', { 'data-artifact': a.name },
    h('td', {}, h('code', {}, a.name)),
    h('td', {}, h('span', { class: `storage storage-${a.storageType}` }, a.storageType)),
    h('td', {}, a.contentType || '—'),
    h('td', {}, when(a.expires)),
    h('td', { class: 'row-actions' }, view, download, link));
}

async function downloadArtifact(name, storageType, runId, button) {
  const taskId = inspected.taskId;
  const t = transfer($('#downloads'), 'Downloading', name);
  button.disabled = true;
  try {
    const taskcluster = tc();
    if (typeof taskcluster.downloadArtifactStream !== 'function') {
      throw new Error('This build of taskcluster-wasm has no downloadArtifactStream: rebuild the package (cargo xtask pkg).');
    }
    const { stream, result } = taskcluster.downloadArtifactStream({
      taskId, runId, name, queue: client('Queue'), onProgress: t.progress,
    });
    const [data, { contentType, hashes }] = await readDownload(stream, result);
    const blob = data.slice(0, data.size, contentType);
    saveBlob(blob, baseName(name));
    // Object artifacts are checked against the hashes the object service holds.
    t.done(`${bytes(blob.size)} · ${contentType || 'unknown type'} · saved as ${baseName(name)}`, hashes, storageType === 'object');
    t.box.dataset.artifact = name;
  } catch (err) {
    t.fail(err, `Downloading ${name}`);
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------
// Artifact upload (to the latest run, while it is running)

function runningRun() {
  if (!inspected) return null;
  const runs = inspected.status.runs || [];
  const last = runs[runs.length - 1];
  return last && last.state === 'running' ? last : null;
}

function renderUploadSection() {
  const section = $('#artifact-upload');
  const run = runningRun();
  section.hidden = !run;
  if (!run) return;
  const scope = `queue:create-artifact:${inspected.taskId}/${run.runId}`;
  const allowed = session.allows(scope);
  $('#art-upload-btn').disabled = !allowed;
  $('#art-run-note').textContent = allowed
    ? `to run ${run.runId}, running on ${run.workerGroup}/${run.workerId}`
    : `Uploading needs ${scope}.`;
}

async function uploadArtifact() {
  const run = runningRun();
  if (!run) throw new Error('The latest run is not running any more, so it takes no artifacts.');
  const file = $('#art-file').files[0];
  if (!file) throw new Error('Choose a file to upload.');
  const taskcluster = tc();
  if (typeof taskcluster.upload !== 'function') throw new Error('This build of taskcluster-wasm has no upload(): rebuild the package (cargo xtask pkg).');
  const name = $('#art-name').value.trim() || `public/${file.name}`;
  const { taskId, task } = inspected;
  let expires = taskcluster.fromNow($('#art-expires').value.trim() || '1 day');
  // An artifact cannot outlive its task.
  if (expires > new Date(task.expires)) expires = new Date(task.expires);
  const contentType = file.type || 'application/octet-stream';
  const queue = client('Queue');
  const t = transfer($('#art-uploads'), 'Uploading', name);
  try {
    const created = await queue.createArtifact(taskId, run.runId, name, { storageType: 'object', contentType, expires: expires.toJSON() });
    const object = new taskcluster.Object({ rootUrl: session.connection().rootUrl, credentials: created.credentials });
    const { hashes } = await taskcluster.upload({
      projectId: created.projectId,
      name: created.name,
      expires: created.expires,
      uploadId: created.uploadId,
      contentType,
      contentLength: file.size,
      object,
      streamFactory: () => file,
      onProgress: t.progress,
    });
    await queue.finishArtifact(taskId, run.runId, name, { uploadId: created.uploadId });
    t.done(`${bytes(file.size)} uploaded as ${name}`, hashes, 'sent');
    t.box.dataset.artifact = name;
    loadArtifacts();
  } catch (err) {
    t.fail(err, `Uploading ${name}`);
  }
}

// ---------------------------------------------------------------------------------------
// Creating a task

const PRIORITIES = ['highest', 'very-high', 'high', 'medium', 'low', 'very-low', 'lowest'];

function defaultTemplate() {
  return {
    taskQueueId: 'proj-www/dashboard',
    schedulerId: 'www',
    projectId: 'www',
    priority: 'lowest',
    retries: 1,
    routes: [],
    scopes: [],
    dependencies: [],
    payload: { command: ['echo', 'hello from the dashboard'], maxRunTime: 600 },
    metadata: {
      name: 'Dashboard task',
      description: 'Created from the Taskcluster dashboard.',
      owner: 'dashboard@example.com',
      source: `${location.origin}/`,
    },
    tags: { createdBy: 'www' },
  };
}

function whenHint(input, out) {
  try {
    const d = tc().fromNow(input.value.trim());
    out.textContent = `→ ${d.toLocaleString()}`;
    input.removeAttribute('aria-invalid');
  } catch {
    out.textContent = 'not a time expression (try "2 hours")';
    input.setAttribute('aria-invalid', 'true');
  }
}

/** The scopes createTask asks of a definition. */
function createScopes(def) {
  const queueId = def.taskQueueId || `${def.provisionerId}/${def.workerType}`;
  const level = PRIORITIES.indexOf(def.priority || 'lowest');
  const priorities = level < 0 ? [def.priority] : PRIORITIES.slice(0, level + 1);
  return {
    AllOf: [
      ...(def.scopes || []),
      ...(def.routes || []).map((r) => `queue:route:${r}`),
      `queue:create-task:project:${def.projectId || 'none'}`,
      `queue:scheduler-id:${def.schedulerId || '-'}`,
      { AnyOf: priorities.map((p) => `queue:create-task:${p}:${queueId}`) },
    ],
  };
}

function updateCreateHint() {
  const out = $('#create-scopes');
  let def;
  try {
    def = JSON.parse($('#template').value);
  } catch {
    out.textContent = '';
    return;
  }
  if (!session.connection() || !def || typeof def !== 'object') {
    out.textContent = '';
    return;
  }
  const need = createScopes(def);
  out.textContent = session.allows(need) ? 'Your scopes allow this task.' : `Needs ${session.describe(need)}.`;
}

export function showCreate() {
  if (!$('#new-task-id').value) $('#new-task-id').value = tc().slugid();
  if (!$('#template').value) $('#template').value = json(defaultTemplate());
  whenHint($('#new-deadline'), $('#new-deadline-at'));
  whenHint($('#new-expires'), $('#new-expires-at'));
  updateCreateHint();
}

async function createTask() {
  const taskcluster = tc();
  const taskId = $('#new-task-id').value.trim();
  if (!taskId) throw new Error('A task ID is needed: press "New ID" for one.');
  let def;
  try {
    def = JSON.parse($('#template').value);
  } catch (err) {
    throw new Error(`The template is not valid JSON: ${err.message}`);
  }
  if (!def || typeof def !== 'object' || Array.isArray(def)) throw new Error('The template must be a JSON object.');
  def.created = taskcluster.fromNowJSON();
  def.deadline = taskcluster.fromNowJSON($('#new-deadline').value.trim());
  def.expires = taskcluster.fromNowJSON($('#new-expires').value.trim());
  // validate: the definition is checked against the createTask schema in the page first.
  await client('Queue', { validate: true }).createTask(taskId, def);
  $('#new-task-id').value = taskcluster.slugid();
  location.hash = `#task/${encodeURIComponent(taskId)}`;
}

// ---------------------------------------------------------------------------------------

export function connectionChanged(c) {
  if (!c) return;
  if (inspected) {
    setActionButtons(inspected.status);
    renderUploadSection();
  }
  if (!$('#view-new-task').hidden) updateCreateHint();
}

export function init() {
  $('#open-task-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = $('#task-id').value.trim();
    if (!id) return showError($('#finder-errors'), new Error('Enter a task ID.'), 'Opening a task');
    clear($('#finder-errors'));
    const hash = `#task/${encodeURIComponent(id)}`;
    if (location.hash === hash) openTask(id);
    else location.hash = hash;
  });
  $('#open-group-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = $('#group-id').value.trim();
    if (!id) return showError($('#finder-errors'), new Error('Enter a task group ID.'), 'Listing a task group');
    clear($('#finder-errors'));
    const hash = `#group/${encodeURIComponent(id)}`;
    if (location.hash === hash) openGroup(id);
    else location.hash = hash;
  });
  $('#group-refresh').addEventListener('click', () => {
    const id = $('#group').dataset.taskGroupId;
    if (id) openGroup(id);
  });
  $('#task-refresh').addEventListener('click', (ev) => refreshTask(ev.currentTarget));
  $('#artifact-run').addEventListener('change', () => {
    clear($('#signed-link'));
    loadArtifacts();
  });
  $('#artifact-limit').addEventListener('change', () => loadArtifacts());

  const cancel = $('#task-cancel');
  cancel.addEventListener('click', () => {
    if (!inspected) return;
    if (!cancelArmed) {
      // Two steps: the first press asks for confirmation.
      cancel.textContent = 'Confirm cancel';
      cancel.classList.add('armed');
      cancelArmed = setTimeout(disarmCancel, 5000);
      return;
    }
    disarmCancel();
    const my = taskGen;
    busy(cancel, $('#task-errors'), 'Cancelling the task', async () => {
      const { status } = await client('Queue').cancelTask(inspected.taskId);
      if (my !== taskGen) return;
      applyStatus(status);
      scheduleRefresh(my);
    });
  });
  $('#task-schedule').addEventListener('click', (ev) => {
    const my = taskGen;
    busy(ev.currentTarget, $('#task-errors'), 'Scheduling the task', async () => {
      const { status } = await client('Queue').scheduleTask(inspected.taskId);
      if (my !== taskGen) return;
      applyStatus(status);
      scheduleRefresh(my);
    });
  });
  $('#task-clone').addEventListener('click', () => {
    if (!inspected) return;
    // The definition, less what createTask sets anew, as the template of a new task.
    const def = { ...inspected.task };
    for (const k of ['created', 'deadline', 'expires']) delete def[k];
    $('#template').value = json(def);
    $('#new-task-id').value = tc().slugid();
    const from = $('#new-from');
    from.hidden = false;
    fill(from, 'From the definition of task ', h('a', { href: `#task/${encodeURIComponent(inspected.taskId)}` }, h('code', {}, inspected.taskId)), '. Edit it, then create.');
    location.hash = '#new-task';
  });
  $('#task-rerun').addEventListener('click', (ev) => {
    const my = taskGen;
    busy(ev.currentTarget, $('#task-errors'), 'Rerunning the task', async () => {
      const { status } = await client('Queue').rerunTask(inspected.taskId);
      if (my !== taskGen) return;
      applyStatus(status);
      scheduleRefresh(my);
    });
  });

  $('#art-file').addEventListener('change', () => {
    const f = $('#art-file').files[0];
    if (f && !$('#art-name').dataset.edited) $('#art-name').value = `public/${f.name}`;
  });
  $('#art-name').addEventListener('input', () => { $('#art-name').dataset.edited = '1'; });
  $('#artifact-upload-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy($('#art-upload-btn'), $('#art-upload-errors'), 'Uploading the artifact', uploadArtifact);
  });

  $('#new-id-btn').addEventListener('click', () => { $('#new-task-id').value = tc().slugid(); });
  $('#new-deadline').addEventListener('input', () => whenHint($('#new-deadline'), $('#new-deadline-at')));
  $('#new-expires').addEventListener('input', () => whenHint($('#new-expires'), $('#new-expires-at')));
  $('#template').addEventListener('input', updateCreateHint);
  $('#template-reset').addEventListener('click', () => {
    $('#template').value = json(defaultTemplate());
    $('#new-from').hidden = true;
    updateCreateHint();
  });
  $('#create-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy($('#create-btn'), $('#create-errors'), 'Creating the task', createTask);
  });
}
