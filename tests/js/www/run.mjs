// Drives the browser dashboard (www/) in headless Chromium against the local deployment:
// connect, a rejected credential, the first load listing a seeded task within 2 s, narrowed
// temporary credentials, the seeded task and its artifact pages, creating a task, a 5 MiB
// artifact upload and download with equal sha256, a signed link in a fresh context without
// credentials, cancel and rerun, an object round trip, and a 403 shown in the page; the artifact
// viewer (a live log seen growing while its task runs, follow/pause/search/line links, finished
// log, JSON, image), error panels (request id, network failures, clearing), schedule and
// edit-as-new, a group's states; secrets created, edited and deleted (confirmed), the index
// browsed to a task, hooks listed, viewed and triggered (the created task linked), roles and
// clients with expanded scopes, each checked through the API; no overflow at 390 px and
// keyboard focus. Every new step checks
// that the token is not in the DOM, URL, localStorage, form fields or console.
// WWW_STEPS=<regex> runs only the matching steps.
// Starts the deployment and scripts/serve-www.mjs itself, stops both, and saves a screenshot
// of each step under target/www/. Never prints the access token.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const root = new URL('../../../', import.meta.url).pathname;
const shots = join(root, 'target/www');
const SEEDED_GROUP = 'DemoGrupQ0e0TaskGroupA';
const SEEDED_TASK = 'DemoTaskQ0e0CompletedA';
const RUNNING_TASK = 'DemoTaskQ2e00RunningxA';
const LOAD_BUDGET_MS = 2000;
const TEMP_SCOPES = [
  'queue:create-task:project:www',
  'queue:scheduler-id:www',
  'queue:create-task:lowest:proj-www/*',
  'queue:cancel-task-in-project:www',
  'queue:rerun-task-in-project:www',
  'queue:create-artifact:*',
  'queue:get-artifact:*',
  'object:upload:www:*',
  'object:download:www/*',
  'secrets:list-secrets',
];

const children = [];
let secret = null; // the access token, scrubbed from anything printed
const scrub = (s) => (secret ? String(s).split(secret).join('<token>') : String(s));

/** Starts a process and resolves with its first stdout line (and the process). */
function startProcess(cmd, args, what) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 15 s: ${scrub(stderr)}`)), 15000);
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`${what}: ${e.message}`)); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited (${code}): ${scrub(stderr)}`)); });
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      child.stdout.resume();
      resolve({ child, line });
    });
  });
}

function stopAll() {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  }
}
process.on('SIGINT', () => { stopAll(); process.exit(130); });
process.on('SIGTERM', () => { stopAll(); process.exit(143); });

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const results = [];
let failed = 0;
let stepNo = 0;
let page;

/** Runs one step: prints ok / not ok with its time, and saves a screenshot either way. */
async function step(name, slug, fn, target = () => page) {
  // WWW_STEPS=<regex> runs only the matching steps (for development; steps may depend on earlier ones).
  if (process.env.WWW_STEPS && !new RegExp(process.env.WWW_STEPS).test(name)) return true;
  const n = String(++stepNo).padStart(2, '0');
  const t0 = performance.now();
  let error = null;
  let note = '';
  try {
    note = (await fn()) || '';
  } catch (e) {
    error = e;
  }
  const ms = Math.round(performance.now() - t0);
  const p = target();
  if (p) {
    await p.screenshot({ path: join(shots, `${n}-${slug}${error ? '-failed' : ''}.png`), fullPage: true }).catch(() => {});
  }
  results.push({ name, ms, ok: !error });
  if (error) {
    failed++;
    console.log(`not ok - ${name} (${ms} ms)\n  ${scrub(error.stack || error.message).split('\n').slice(0, 6).join('\n  ')}`);
  } else {
    console.log(`ok - ${name} (${ms} ms)${note ? ` - ${note}` : ''}`);
  }
  return !error;
}

const devserverBin = join(root, 'target/debug/tc-devserver');
const tmp = await mkdtemp(join(tmpdir(), 'tc-www-'));
let browser;
try {
  // The local deployment, and the page's server with a config.json naming it.
  const ds = await startProcess(devserverBin, ['--port', '0', '--references', 'references', '--seed-demo-data'], 'the local deployment');
  const deployment = JSON.parse(ds.line);
  secret = deployment.accessToken;
  const rootCredentials = { clientId: deployment.clientId, accessToken: deployment.accessToken };
  const configPath = join(tmp, 'config.json');
  // What the demo command writes: the deployment's start-up line, plus the group to open.
  await writeFile(configPath, JSON.stringify({ ...deployment, taskGroupId: SEEDED_GROUP }), { mode: 0o600 });
  const www = await startProcess(process.execPath, [join(root, 'scripts/serve-www.mjs'), '0', '--config', configPath], 'serve-www');
  const pageUrl = www.line.trim();
  const pageOrigin = new URL(pageUrl).origin;
  const rootOrigin = new URL(deployment.rootUrl).origin;
  await mkdir(shots, { recursive: true });
  // The test plays the worker with the package in Node.
  const taskcluster = (await import(join(root, 'pkg/index.js'))).default;
  const workerQueue = new taskcluster.Queue({ rootUrl: deployment.rootUrl, credentials: rootCredentials });

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const foreign = new Set();
  context.on('request', (req) => {
    const u = new URL(req.url());
    if (!['blob:', 'data:'].includes(u.protocol) && u.origin !== pageOrigin && u.origin !== rootOrigin) foreign.add(u.origin);
  });
  const pageErrors = [];
  const consoleTexts = [];
  const watch = (p) => {
    p.on('pageerror', (e) => pageErrors.push(scrub(e.message)));
    p.on('console', (m) => consoleTexts.push(m.text()));
  };
  /** The token is nowhere a page shows or keeps but its tab's sessionStorage. */
  const noTokenLeak = async (p) => {
    assert(!p.url().includes(secret), 'the token is in the URL');
    assert(!(await p.content()).includes(secret), 'the token is in the DOM');
    const kept = await p.evaluate(() => JSON.stringify({ local: { ...localStorage }, cookie: document.cookie, values: [...document.querySelectorAll('input, textarea')].map((e) => e.value) }));
    assert(!kept.includes(secret), 'the token is in localStorage, a cookie or a form field');
    assert(!consoleTexts.some((t) => t.includes(secret)), 'the token was printed to the console');
  };
  /** A new tab connected as root from config.json, at `hash`. */
  const rootTab = async (hash) => {
    const p = await context.newPage();
    watch(p);
    await p.goto(`${pageUrl}${hash}`);
    await p.waitForSelector('html[data-ready="true"]', { timeout: 15000 });
    return p;
  };

  page = await context.newPage();
  watch(page);
  const who = () => page.locator('#who .who-text').textContent();
  const goto = async (hash) => {
    await page.evaluate((h) => { location.hash = h; }, hash);
  };

  await step('connect: the page connects to the local deployment from config.json', 'connect', async () => {
    await page.goto(pageUrl);
    await page.waitForSelector('html[data-ready="true"]', { timeout: 15000 });
    await page.waitForFunction(() => document.querySelector('#who').dataset.kind === 'perm');
    assert((await who()).includes(deployment.clientId), `header says ${await who()}`);
    await goto('#connect');
    await page.locator('#scopes li').first().waitFor();
    const scopes = await page.locator('#scopes li').allTextContents();
    assert(scopes.includes('*'), `root scopes shown: ${scopes}`);
    assert(!page.url().includes(secret), 'the token is in the URL');
    assert((await page.inputValue('#access-token')) === '', 'the token stays in the form after connecting');
    const stored = await page.evaluate(() => sessionStorage.getItem('tc-www:connection') || '');
    assert(stored.includes(deployment.clientId), 'the connection is not in sessionStorage');
    const local = await page.evaluate(() => JSON.stringify(localStorage));
    assert(!local.includes(secret), 'the token is in localStorage');
    return `${scopes.length} scope(s) shown`;
  });

  await step('connect: a rejected credential says so plainly (401)', 'rejected', async () => {
    await page.fill('#root-url', deployment.rootUrl);
    await page.fill('#client-id', deployment.clientId);
    await page.fill('#access-token', `${'x'.repeat(43)}A`);
    await page.click('#connect-btn');
    const title = page.locator('#connect-errors .error-title');
    await title.waitFor();
    const text = await title.textContent();
    assert(/^Your credentials were rejected: \S/.test(text), `error title: ${text}`);
    const facts = await page.locator('#connect-errors .error-facts').textContent();
    assert(facts.includes('401') && facts.includes('AuthenticationFailed'), `error facts: ${facts}`);
    assert(await page.locator('#banner').isVisible(), 'no banner for the rejected credentials');
    // The working connection is kept.
    assert((await who()).includes(deployment.clientId), 'the connection was dropped');
    await page.fill('#access-token', '');
    return text.slice(0, 80);
  });
  await page.click('#banner .banner-close').catch(() => {});

  let loadMs = null;
  const fresh = await context.newPage();
  watch(fresh);
  await step(`load: a new tab lists seeded task ${SEEDED_TASK} within ${LOAD_BUDGET_MS / 1000} s`, 'load', async () => {
    const t0 = performance.now();
    await fresh.goto(pageUrl);
    await fresh.locator(`#group-table tr[data-task-id="${SEEDED_TASK}"]`).waitFor({ timeout: 10000 });
    loadMs = Math.round(performance.now() - t0);
    const rows = await fresh.locator('#group-table tbody tr').count();
    assert(loadMs <= LOAD_BUDGET_MS, `took ${loadMs} ms`);
    assert(fresh.url().endsWith(`#group/${SEEDED_GROUP}`), `landed on ${fresh.url()}`);
    return `${loadMs} ms to a listed seeded task (${rows} tasks)`;
  }, () => fresh);
  await fresh.close();

  await step('temporary credentials: mint narrowed scopes and use only them', 'temp-creds', async () => {
    await goto('#connect');
    await page.fill('#temp-scopes', TEMP_SCOPES.join('\n'));
    await page.selectOption('#temp-lifetime', '1 hour');
    await page.click('#temp-btn');
    await page.waitForFunction(() => document.querySelector('#who').dataset.kind === 'temp', null, { timeout: 10000 });
    const scopes = await page.locator('#scopes li').allTextContents();
    assert(!scopes.includes('*'), 'still holds *');
    for (const s of TEMP_SCOPES) assert(scopes.includes(s), `missing ${s} in ${scopes}`);
    const stored = await page.evaluate(() => sessionStorage.getItem('tc-www:connection') || '');
    assert(stored.includes('"certificate"'), 'no certificate stored');
    assert(!stored.includes(secret), 'the root token is still kept in this tab');
    assert(!(await page.content()).includes(secret), 'the root token is in the page');
    return `${scopes.length} scopes (narrowed plus anonymous)`;
  });

  await step(`task inspector: open ${SEEDED_TASK}, its runs and artifact pages`, 'seeded-task', async () => {
    await goto('#tasks');
    await page.fill('#task-id', SEEDED_TASK);
    await page.click('#open-task-form button[type="submit"]');
    await page.locator('#artifact-table tbody tr').first().waitFor();
    assert((await page.locator('#h-task').textContent()).includes('demo: completed'), 'task name not shown');
    assert((await page.locator('#task-state').textContent()) === 'completed', 'state not shown');
    assert(await page.locator('#runs tbody tr').count() === 1, 'runs not shown');
    await page.selectOption('#artifact-limit', '5');
    await page.waitForFunction(() => document.querySelectorAll('#artifact-table tbody tr').length === 5 && !document.querySelector('#artifacts-more').hidden);
    await page.click('#artifacts-more');
    await page.waitForFunction(() => document.querySelectorAll('#artifact-table tbody tr').length === 10 && !document.querySelector('#artifacts-more').hidden);
    await page.click('#artifacts-more');
    await page.waitForFunction(() => document.querySelectorAll('#artifact-table tbody tr').length === 11 && document.querySelector('#artifacts-more').hidden);
    const names = await page.locator('#artifact-table tbody tr td:first-child').allTextContents();
    assert(names.includes('public/hello.txt') && names.includes('public/object.txt'), `artifacts: ${names}`);
    // A seeded object artifact downloads, with hashes checked by the object service.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('tr[data-artifact="public/object.txt"] button:has-text("Download")'),
    ]);
    const body = await readFile(await download.path());
    await page.locator('#downloads .transfer[data-artifact="public/object.txt"][data-state="done"]').waitFor();
    const shown = await page.locator('#downloads .transfer[data-artifact="public/object.txt"] [data-hash="sha256"]').textContent();
    assert(shown === sha256(body), 'the shown sha256 differs from the file');
    return `11 artifacts in pages of 5; public/object.txt downloaded (${body.length} bytes)`;
  });

  let createdTaskId;
  await step('create a task from the template (fromNow, slugid)', 'create-task', async () => {
    await goto('#new-task');
    createdTaskId = await page.inputValue('#new-task-id');
    assert(/^[A-Za-z0-9_-]{22}$/.test(createdTaskId), `task id ${createdTaskId}`);
    await page.waitForFunction(() => document.querySelector('#create-scopes').textContent.includes('allow'));
    await page.screenshot({ path: join(shots, `${String(stepNo).padStart(2, '0')}-create-task-form.png`), fullPage: true });
    await page.click('#create-btn');
    await page.waitForFunction((id) => location.hash === `#task/${id}` && document.querySelector('#inspector').dataset.state === 'pending', createdTaskId, { timeout: 10000 });
    assert((await page.locator('#refresh-note').textContent()).includes('Auto-refresh'), 'not auto-refreshing');
    const def = await workerQueue.task(createdTaskId);
    assert(def.metadata.name === 'Dashboard task' && new Date(def.deadline) > new Date(), 'definition differs');
    return createdTaskId;
  });

  const upload = randomBytes(5 * 1024 * 1024);
  const uploadSha = sha256(upload);
  const artifactName = 'private/www/upload.bin';
  await step('upload a 5 MiB artifact to the running task (auto-refresh shows the claim)', 'upload', async () => {
    // The test is the worker: it claims the task; the page notices by itself.
    const claim = await workerQueue.claimWork('proj-www/dashboard', { tasks: 1, workerGroup: 'www', workerId: 'playwright' });
    assert(claim.tasks.length === 1 && claim.tasks[0].status.taskId === createdTaskId, 'the created task was not claimed');
    await page.waitForFunction(() => document.querySelector('#inspector').dataset.state === 'running', null, { timeout: 10000 });
    await page.locator('#artifact-upload').waitFor();
    await page.setInputFiles('#art-file', { name: 'upload.bin', mimeType: 'application/octet-stream', buffer: upload });
    await page.fill('#art-name', artifactName);
    const t0 = performance.now();
    await page.click('#art-upload-btn');
    const done = page.locator(`#art-uploads .transfer[data-artifact="${artifactName}"]`);
    await done.waitFor({ timeout: 60000 });
    const ms = Math.round(performance.now() - t0);
    const shown = await done.locator('[data-hash="sha256"]').textContent();
    assert(shown === uploadSha, `page shows sha256 ${shown}`);
    await page.locator(`tr[data-artifact="${artifactName}"]`).waitFor();
    return `uploaded in ${ms} ms, sha256 ${uploadSha.slice(0, 16)}…`;
  });

  await step('download the 5 MiB artifact back: equal sha256', 'download', async () => {
    const t0 = performance.now();
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60000 }),
      page.click(`tr[data-artifact="${artifactName}"] button:has-text("Download")`),
    ]);
    const body = await readFile(await download.path());
    const ms = Math.round(performance.now() - t0);
    assert(body.length === upload.length, `downloaded ${body.length} bytes`);
    assert(sha256(body) === uploadSha, 'sha256 differs');
    const box = page.locator(`#downloads .transfer[data-artifact="${artifactName}"][data-state="done"]`);
    await box.waitFor();
    assert((await box.locator('[data-hash="sha256"]').textContent()) === uploadSha, 'the page shows another sha256');
    assert(download.suggestedFilename() === 'upload.bin', `saved as ${download.suggestedFilename()}`);
    return `downloaded in ${ms} ms`;
  });

  let freshPage = null;
  await step('signed link: opens in a fresh context with no credentials', 'signed-link', async () => {
    // The 5 MiB private artifact, downloaded by following the link.
    await page.click(`tr[data-artifact="${artifactName}"] button:has-text("Signed link")`);
    const url = await page.inputValue('#link-url');
    assert(url.includes('bewit='), 'not a signed URL');
    await page.click('#link-copy');
    const anon = await browser.newContext({ acceptDownloads: true });
    const p = await anon.newPage();
    const [download] = await Promise.all([p.waitForEvent('download'), p.goto(url).catch(() => {})]);
    const body = await readFile(await download.path());
    assert(sha256(body) === uploadSha, 'the signed link gave other bytes');
    // Without the bewit the same artifact is refused.
    const unsigned = url.replace(/[?&]bewit=[^&]*/, '');
    const refused = await anon.request.get(unsigned, { maxRedirects: 0 });
    assert(refused.status() === 403, `unsigned link answered ${refused.status()}`);
    // A private text artifact of the seeded task, shown in the fresh page.
    await goto(`#task/${SEEDED_TASK}`);
    await page.locator('tr[data-artifact="private/secret.txt"]').waitFor();
    await page.click('tr[data-artifact="private/secret.txt"] button:has-text("Signed link")');
    await page.selectOption('#link-expiration', String(3600));
    const textUrl = await page.inputValue('#link-url');
    const res = await p.goto(textUrl);
    assert(res.ok(), `the link answered ${res.status()}`);
    const text = await p.locator('body').textContent();
    assert(text.trim().length > 0, 'empty artifact');
    freshPage = p;
    return `private artifact bytes equal; unsigned: 403; private/secret.txt shows "${text.trim().slice(0, 40)}"`;
  }, () => freshPage || page);
  if (freshPage) await freshPage.context().close();
  // The page's own view of the link, for the record.
  await page.screenshot({ path: join(shots, `${String(stepNo).padStart(2, '0')}-signed-link-page.png`), fullPage: true });

  await step('cancel and rerun the created task (scopes allow)', 'cancel-rerun', async () => {
    await goto(`#task/${createdTaskId}`);
    await page.waitForFunction(() => document.querySelector('#inspector').dataset.state === 'running');
    assert(!(await page.isDisabled('#task-cancel')), 'cancel is disabled');
    await page.click('#task-cancel');
    assert((await page.textContent('#task-cancel')) === 'Confirm cancel', 'no confirmation step');
    await page.click('#task-cancel');
    await page.waitForFunction(() => document.querySelector('#inspector').dataset.state === 'exception');
    await page.locator('#task-rerun').waitFor();
    await page.click('#task-rerun');
    await page.waitForFunction(() => document.querySelector('#inspector').dataset.state === 'pending');
    const runs = await page.locator('#runs tbody tr').count();
    assert(runs === 2, `${runs} runs`);
    return 'running → exception → pending, 2 runs';
  });

  await step('objects: upload a File as an object and download it back', 'objects', async () => {
    await goto('#objects');
    const bytes = randomBytes(256 * 1024 + 7);
    await page.setInputFiles('#obj-file', { name: 'notes.bin', mimeType: 'application/octet-stream', buffer: bytes });
    const name = await page.inputValue('#obj-name');
    assert(name.startsWith('www/') && name.endsWith('/notes.bin'), `suggested name ${name}`);
    await page.click('#obj-upload-btn');
    const up = page.locator(`#obj-uploads .transfer[data-object="${name}"]`);
    await up.waitFor();
    assert((await up.locator('[data-hash="sha256"]').textContent()) === sha256(bytes), 'upload sha256 differs');
    assert((await page.inputValue('#obj-down-name')) === name, 'download name not filled in');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#obj-download-btn')]);
    const body = await readFile(await download.path());
    assert(sha256(body) === sha256(bytes), 'downloaded object differs');
    await page.locator(`#obj-downloads .transfer[data-object="${name}"][data-state="done"]`).waitFor();
    return name;
  });

  await step('secrets: listed, and a 403 for one the scopes do not cover is shown in the page', 'secret-403', async () => {
    await goto('#secrets');
    const item = page.locator('#secret-names button[data-secret="project/devserver/demo"]');
    await item.waitFor();
    await item.click();
    const error = page.locator('#secret-errors .error');
    await error.waitFor();
    const text = await error.textContent();
    for (const want of ['403', 'Forbidden', 'InsufficientScopes', 'secrets:get:project/devserver/demo', 'Request id']) {
      assert(text.includes(want), `the error shows no "${want}": ${text.slice(0, 300)}`);
    }
    assert(!(await page.locator('#secret-value').count()), 'a value is shown');
    return 'InsufficientScopes shown with status, code, message and request details';
  });

  await step('secrets: masked until asked, with credentials that may read it', 'secret-view', async () => {
    // A new tab starts from config.json (root), since temporary credentials live in one tab only.
    const p = await context.newPage();
    watch(p);
    page = p;
    await p.goto(`${pageUrl}#secrets`);
    await p.locator('#secret-names button[data-secret="project/devserver/demo"]').click();
    await p.locator('#secret-value').waitFor();
    assert((await p.textContent('#secret-value')).includes('hidden'), 'not masked');
    await p.click('#secret-body button[aria-pressed]');
    const value = await p.textContent('#secret-value');
    assert(value.includes('{'), `value: ${value.slice(0, 40)}`);
    return 'revealed on request';
  });


  // ------------------------------------------------------------------ the artifact viewer
  const nodeDownload = async (taskId, name) => {
    const { stream, result } = taskcluster.downloadArtifactStream({ taskId, name, queue: workerQueue });
    const buf = Buffer.from(await new Response(stream).arrayBuffer());
    return [buf, await result];
  };
  const lineCount = (p) => p.locator('#log-lines .log-line').count();
  let vpage = null;
  await step(`log viewer: ${RUNNING_TASK}'s live log streams in while the task runs (ANSI colours, line numbers, progress)`, 'live-log', async () => {
    vpage = await rootTab(`#task/${RUNNING_TASK}`);
    await vpage.locator('#task-log').click();
    await vpage.waitForFunction(() => location.hash.startsWith('#artifact/') && document.querySelector('#viewer').dataset.state === 'streaming', null, { timeout: 10000 });
    assert(vpage.url().endsWith(`#artifact/${RUNNING_TASK}/latest/public%2Flogs%2Flive.log`), `viewer URL ${vpage.url()}`);
    await vpage.waitForFunction(() => document.querySelectorAll('#log-lines .log-line').length >= 3, null, { timeout: 10000 });
    const n1 = await lineCount(vpage);
    const t0 = performance.now();
    // The worker's view: the task is still running while its log grows.
    assert((await workerQueue.status(RUNNING_TASK)).status.state === 'running', 'the task is not running');
    await vpage.waitForFunction((n) => document.querySelectorAll('#log-lines .log-line').length >= n + 3, n1, { timeout: 10000 });
    const n2 = await lineCount(vpage);
    const dt = Math.round(performance.now() - t0);
    assert((await vpage.getAttribute('#viewer', 'data-state')) === 'streaming', 'the log stopped streaming');
    const first = await vpage.locator('#L1 .lt').textContent();
    assert(first.startsWith('[taskcluster]') && !first.includes('\u001b') && !first.includes('[1;36m'), `line 1 reads ${JSON.stringify(first)}`);
    assert(await vpage.locator('#L1 .lt span.fg-6.ansi-bold').count() === 1, 'no bold cyan [taskcluster]');
    assert(await vpage.locator('#log-lines .fg-4').count() > 0, 'no blue info lines');
    assert((await vpage.locator('#L2 .ln').textContent()) === '2', 'no line numbers');
    assert(/lines/.test(await vpage.textContent('#viewer-amount')), 'no progress');
    await noTokenLeak(vpage);
    return `${n1} → ${n2} lines in ${dt} ms while the task ran`;
  }, () => vpage);

  await step('log viewer: follow, pause, search and line links (#L5) on the live log', 'live-log-tools', async () => {
    const p = vpage;
    assert((await p.getAttribute('#log-follow', 'aria-pressed')) === 'true', 'not following');
    await p.waitForFunction(() => { const l = document.querySelector('#log-lines'); return l.scrollHeight > l.clientHeight; }, null, { timeout: 20000 });
    await p.waitForTimeout(400);
    assert(await p.evaluate(() => { const l = document.querySelector('#log-lines'); return l.scrollTop + l.clientHeight >= l.scrollHeight - 40; }), 'following does not keep the end in view');
    // Pause: the view stops growing while the lines keep arriving.
    await p.click('#log-pause');
    const c1 = await lineCount(p);
    await p.waitForFunction(() => /new lines? held/.test(document.querySelector('#log-held').textContent), null, { timeout: 5000 });
    await p.waitForTimeout(600);
    assert((await lineCount(p)) === c1, 'lines were added while paused');
    const held = await p.textContent('#log-held');
    await p.click('#log-pause');
    await p.waitForFunction((n) => document.querySelectorAll('#log-lines .log-line').length > n, c1);
    // Search.
    await p.fill('#log-search', 'ERROR');
    await p.waitForFunction(() => Number(document.querySelector('#log-matches').dataset.count) > 0);
    const matches = await p.locator('#log-lines .log-line.match').count();
    const marks = await p.locator('#log-lines .log-line.match mark').count();
    assert(marks >= matches, `${marks} marks for ${matches} matching lines`);
    const shown = await p.locator('#log-lines .log-line.match .lt').allTextContents();
    assert(shown.every((t) => /error/i.test(t)), 'a line without the term matched');
    await p.press('#log-search', 'Enter');
    await p.locator('#log-lines .log-line.current').waitFor();
    // A line link: the URL names the line; opened in a new tab, the line is marked.
    await p.click('#L5 .ln');
    await p.waitForFunction(() => location.hash.endsWith('/L5'));
    assert(await p.locator('#L5.target').count() === 1, 'line 5 not marked');
    assert((await p.getAttribute('#log-follow', 'aria-pressed')) === 'false', 'still following after a line link');
    const lineUrl = p.url();
    const q = await rootTab(lineUrl.slice(pageUrl.length));
    await q.locator('#L5.target').waitFor({ timeout: 10000 });
    await q.close();
    await noTokenLeak(p);
    return `paused at ${c1} lines (${held}); ${matches} lines match "ERROR"; ${lineUrl.slice(lineUrl.indexOf('#'))}`;
  }, () => vpage);
  if (vpage) await vpage.close();
  vpage = null;

  await step(`viewer: ${SEEDED_TASK}'s finished log, JSON and image inline, with download and signed link`, 'viewer-finished', async () => {
    const [log] = await nodeDownload(SEEDED_TASK, 'public/logs/live.log');
    const want = log.toString('utf8').split('\n').filter((l, i, a) => l || i < a.length - 1).length;
    vpage = await rootTab(`#task/${SEEDED_TASK}`);
    await vpage.locator('tr[data-artifact="public/logs/live.log"]').waitFor();
    await vpage.click('#task-log');
    await vpage.waitForFunction(() => document.querySelector('#viewer').dataset.state === 'complete', null, { timeout: 10000 });
    const got = await lineCount(vpage);
    assert(got === want, `${got} lines shown, the log has ${want}`);
    await vpage.screenshot({ path: join(shots, `${String(stepNo).padStart(2, '0')}-viewer-finished-log.png`) });
    // JSON, formatted.
    const [json] = await nodeDownload(SEEDED_TASK, 'public/data.json');
    await vpage.goto(`${pageUrl}#task/${SEEDED_TASK}`);
    await vpage.click('tr[data-artifact="public/data.json"] a:has-text("View")');
    await vpage.waitForFunction(() => document.querySelector('#viewer').dataset.state === 'complete');
    const shownJson = await vpage.textContent('#viewer-json');
    assert(shownJson === JSON.stringify(JSON.parse(json.toString('utf8')), null, 2), 'JSON shown differs');
    await vpage.screenshot({ path: join(shots, `${String(stepNo).padStart(2, '0')}-viewer-json.png`) });
    // An image, inline, at its own size.
    const [png] = await nodeDownload(SEEDED_TASK, 'public/image.png');
    await vpage.goto(`${pageUrl}#artifact/${SEEDED_TASK}/latest/public%2Fimage.png`);
    await vpage.waitForFunction(() => document.querySelector('#viewer').dataset.state === 'complete');
    await vpage.waitForFunction(() => document.querySelector('#viewer-image').complete);
    const natural = await vpage.evaluate(() => [document.querySelector('#viewer-image').naturalWidth, document.querySelector('#viewer-image').naturalHeight]);
    assert(natural[0] === png.readUInt32BE(16) && natural[1] === png.readUInt32BE(20), `image shown at ${natural}`);
    // Download from the viewer: the same bytes.
    const [download] = await Promise.all([vpage.waitForEvent('download'), vpage.click('#viewer-download')]);
    const body = await readFile(await download.path());
    assert(sha256(body) === sha256(png), 'downloaded image differs');
    // A signed link from the viewer, for the private artifact, works without credentials.
    await vpage.goto(`${pageUrl}#artifact/${SEEDED_TASK}/0/private%2Fsecret.txt`);
    await vpage.waitForFunction(() => document.querySelector('#viewer').dataset.state === 'complete');
    const secretText = await vpage.textContent('#L1 .lt');
    await vpage.click('#viewer-signed');
    const url = await vpage.inputValue('#link-url');
    assert(url.includes('bewit='), 'not a signed URL');
    const anon = await browser.newContext();
    const res = await anon.request.get(url);
    const fetched = await res.text();
    await anon.close();
    assert(res.ok() && fetched.startsWith(secretText), `signed link answered ${res.status()}`);
    await noTokenLeak(vpage);
    return `${got} log lines, JSON ${json.length} bytes, image ${natural.join('×')}, signed link ok`;
  }, () => vpage);
  if (vpage) await vpage.close();
  vpage = null;


  // ------------------------------------------------------------------ errors
  const PENDING_TASK = 'DemoTaskQ1e00PendingxA';
  const fault = async (f) => {
    const res = await fetch(`${deployment.rootUrl}/__devserver/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(f) });
    assert(res.ok, `fault: ${res.status}`);
  };
  const clearFaults = () => fetch(`${deployment.rootUrl}/__devserver/faults`, { method: 'DELETE' });
  let epage = null;
  await step('errors: a missing task shows only its panel (no auto-refresh, no empty sections), and why there is no request id', 'error-missing-task', async () => {
    epage = await rootTab('#task/NoSuchTxQ0e0xxxxxxxxxA');
    const panel = epage.locator('#task-errors .error');
    await panel.waitFor({ timeout: 10000 });
    const text = await panel.textContent();
    for (const want of ['Opening task NoSuchTxQ0e0xxxxxxxxxA failed', '404', 'ResourceNotFound', 'Access-Control-Expose-Headers']) {
      assert(text.includes(want), `the panel lacks "${want}": ${text.slice(0, 300)}`);
    }
    assert(!(await epage.textContent('#inspector')).includes('Auto-refresh'), 'says Auto-refresh');
    assert(await epage.locator('#task-details').isHidden(), 'runs and artifacts sections shown');
    assert(await epage.locator('#task-log').isHidden(), 'a log link for a missing task');
    await noTokenLeak(epage);
    return 'ResourceNotFound, sections hidden';
  }, () => epage);

  await step('errors: the request id appears when the deployment exposes x-for-request-id; the panel clears with the next success', 'error-request-id', async () => {
    const id = `www-${randomBytes(6).toString('hex')}`;
    await fault({ method: 'GET', pathPrefix: `/api/queue/v1/task/${PENDING_TASK}/status`, times: 1,
      action: { kind: 'status', status: 409, headers: { 'x-for-request-id': id, 'access-control-expose-headers': 'x-for-request-id' } } });
    await epage.fill('#task-id', PENDING_TASK);
    await epage.click('#open-task-form button[type="submit"]');
    await epage.locator('#task-errors [data-request-id]').waitFor({ timeout: 10000 });
    const shown = await epage.getAttribute('#task-errors [data-request-id]', 'data-request-id');
    assert(shown === id, `request id shown: ${shown}`);
    await epage.screenshot({ path: join(shots, `${String(stepNo).padStart(2, '0')}-error-request-id-panel.png`), fullPage: true });
    await epage.click('#task-refresh').catch(() => {});
    await epage.click('#open-task-form button[type="submit"]');
    await epage.waitForFunction(() => document.querySelector('#inspector').dataset.state === 'pending' && document.querySelector('#task-errors').hidden, null, { timeout: 10000 });
    assert(await epage.locator('#task-details').isVisible(), 'sections still hidden');
    return `request id ${id} shown, then cleared by the next open`;
  }, () => epage);

  await step('errors: a network failure says what failed, where, and after how many attempts', 'error-network', async () => {
    await fault({ method: 'GET', pathPrefix: `/api/queue/v1/task/${PENDING_TASK}/status`, times: 20, action: { kind: 'reset' } });
    const t0 = performance.now();
    await epage.click('#task-refresh');
    const title = epage.locator('#task-errors .error-title');
    await title.waitFor({ timeout: 30000 });
    const ms = Math.round(performance.now() - t0);
    await clearFaults();
    const text = await title.textContent();
    const host = new URL(deployment.rootUrl).host;
    assert(new RegExp(`^Refreshing the task failed: could not reach ${host.replace(/\./g, '\\.')} after \\d+ attempts$`).test(text), `title: ${text}`);
    const facts = await epage.textContent('#task-errors .error-facts');
    assert(facts.includes('no response came back'), `facts: ${facts.slice(0, 300)}`);
    await epage.click('#task-refresh');
    await epage.waitForFunction(() => document.querySelector('#task-errors').hidden, null, { timeout: 10000 });
    await noTokenLeak(epage);
    return `"${text}" after ${ms} ms; cleared by the next refresh`;
  }, () => epage);

  await step('errors: the credentials banner clears with the next success', 'error-banner', async () => {
    await epage.evaluate(() => { location.hash = '#connect'; });
    await epage.fill('#root-url', deployment.rootUrl);
    await epage.fill('#client-id', deployment.clientId);
    await epage.fill('#access-token', `${'y'.repeat(43)}B`);
    await epage.click('#connect-btn');
    await epage.locator('#banner[data-kind="credentials"]').waitFor();
    await epage.fill('#access-token', '');
    await epage.click('#scopes-refresh');
    await epage.waitForFunction(() => document.querySelector('#banner').hidden, null, { timeout: 10000 });
    await noTokenLeak(epage);
    return 'banner gone after the scopes were read again';
  }, () => epage);
  if (epage) await epage.close();
  epage = null;


  // ------------------------------------------------------------------ task actions and groups
  let apage = null;
  await step('task actions: schedule an unscheduled task, and create a new task from an edited definition', 'task-actions', async () => {
    const waiting = taskcluster.slugid();
    const now = Date.now();
    await workerQueue.createTask(waiting, {
      taskQueueId: 'proj-www/actions', schedulerId: 'www', projectId: 'www', priority: 'lowest',
      created: new Date(now).toJSON(), deadline: new Date(now + 3600e3).toJSON(), expires: new Date(now + 86400e3).toJSON(),
      dependencies: ['DemoTaskQ1e00PendingxA'], payload: {}, metadata: { name: 'waits for the pending demo task', description: '', owner: 'www@example.com', source: 'https://example.com/' },
    });
    apage = await rootTab(`#task/${waiting}`);
    await apage.waitForFunction(() => document.querySelector('#inspector').dataset.state === 'unscheduled', null, { timeout: 10000 });
    assert(await apage.locator('#task-schedule').isEnabled(), 'schedule is not offered');
    await apage.click('#task-schedule');
    await apage.waitForFunction(() => document.querySelector('#inspector').dataset.state === 'pending', null, { timeout: 10000 });
    assert((await workerQueue.status(waiting)).status.state === 'pending', 'the queue does not say pending');
    // Edit as new task: the seeded task's definition in the form, edited, created.
    await apage.evaluate((id) => { location.hash = `#task/${id}`; }, SEEDED_TASK);
    await apage.waitForFunction(() => document.querySelector('#inspector').dataset.state === 'completed');
    await apage.click('#task-clone');
    await apage.waitForFunction(() => location.hash === '#new-task');
    const def = JSON.parse(await apage.inputValue('#template'));
    assert(def.metadata.name === 'demo: completed' && !('created' in def), `template: ${JSON.stringify(def).slice(0, 120)}`);
    const newId = await apage.inputValue('#new-task-id');
    // An edit the createTask schema refuses is caught in the page (the package's validate:
    // true), naming the field, before any request.
    const broken = { ...def, retries: 'twice' };
    delete broken.metadata;
    await apage.fill('#template', JSON.stringify(broken, null, 2));
    await apage.click('#create-btn');
    await apage.waitForFunction(() => /does not match queue\/v1\/create-task-request\.json/.test(document.querySelector('#create-errors').textContent), null, { timeout: 10000 });
    const shown = await apage.textContent('#create-errors');
    assert(shown.includes('"metadata"') && shown.includes('/retries'), `the panel does not name the fields: ${shown.slice(0, 300)}`);
    const before = await fetch(`${deployment.rootUrl}/__devserver/requests?pathPrefix=${encodeURIComponent(`/api/queue/v1/task/${newId}`)}`);
    assert((await before.json()).length === 0, 'an invalid definition was sent');
    def.metadata.name = 'demo: edited copy';
    await apage.fill('#template', JSON.stringify(def, null, 2));
    await apage.click('#create-btn');
    await apage.waitForFunction((id) => location.hash === `#task/${id}` && document.querySelector('#inspector').dataset.state === 'pending', newId, { timeout: 10000 });
    const created = await workerQueue.task(newId);
    assert(created.metadata.name === 'demo: edited copy' && created.taskGroupId === def.taskGroupId, 'the created definition differs');
    await noTokenLeak(apage);
    return `${waiting} unscheduled → pending; an invalid edit refused in the page; ${newId} created from the edited definition`;
  }, () => apage);

  await step(`task group: ${SEEDED_GROUP}'s states at a glance`, 'group-summary', async () => {
    await apage.evaluate((id) => { location.hash = `#group/${id}`; }, SEEDED_GROUP);
    await apage.locator('#group-summary .summary-item').first().waitFor();
    const want = {};
    for await (const page of workerQueue.paginate(workerQueue.listTaskGroup, SEEDED_GROUP, {})) {
      for (const t of page.tasks) want[t.status.state] = (want[t.status.state] || 0) + 1;
    }
    const got = {};
    for (const item of await apage.locator('#group-summary .summary-item').all()) {
      got[await item.getAttribute('data-state')] = Number((await item.textContent()).replace(/^\D+/, ''));
    }
    assert(JSON.stringify(got) === JSON.stringify(Object.fromEntries(Object.entries(want).sort())), `shown ${JSON.stringify(got)}, the queue says ${JSON.stringify(want)}`);
    return JSON.stringify(got);
  }, () => apage);
  if (apage) await apage.close();
  apage = null;

  // ------------------------------------------------------------------ secrets, index, hooks, roles and clients
  const logged = async (method, prefix) => {
    const res = await fetch(`${deployment.rootUrl}/__devserver/requests?pathPrefix=${encodeURIComponent(prefix)}`);
    return (await res.json()).filter((r) => r.method === method).length;
  };
  const api = (name) => new taskcluster[name]({ rootUrl: deployment.rootUrl, credentials: rootCredentials });
  let mpage = null;
  const mtab = async (hash) => {
    if (!mpage) mpage = await rootTab(hash);
    else await mpage.evaluate((h) => { location.hash = h; }, hash);
    return mpage;
  };

  await step('secrets: create, edit, and delete with confirmation (checked through the API)', 'secret-edit', async () => {
    const p = await mtab('#secrets');
    const secretsApi = api('Secrets');
    const name = `www/test/${randomBytes(4).toString('hex')}`;
    const path = `/api/secrets/v1/secret/${encodeURIComponent(name)}`;
    await p.click('#secret-new');
    await p.fill('#secret-name', name);
    // bad input is refused on the page, before any request
    await p.fill('#secret-input', '{"a": 1,');
    await p.click('#secret-save');
    await p.locator('#secret-form-errors .error').waitFor();
    assert((await p.textContent('#secret-form-errors')).includes('The value is not JSON'), 'no JSON error shown');
    await p.fill('#secret-input', '["not", "an object"]');
    await p.click('#secret-save');
    await p.waitForFunction(() => document.querySelector('#secret-form-errors').textContent.includes('must be a JSON object'));
    assert((await logged('PUT', path)) === 0, 'a request was made for invalid input');
    // create
    await p.fill('#secret-input', '{"a": 1, "who": "www"}');
    await p.fill('#secret-expires', '2 days');
    await p.click('#secret-save');
    await p.locator('#secret-saved').waitFor();
    assert(await p.locator(`#secret-names button[data-secret="${name}"]`).count(), 'the new secret is not listed');
    let got = await secretsApi.get(name);
    assert(JSON.stringify(got.secret) === '{"a":1,"who":"www"}', `stored ${JSON.stringify(got.secret)}`);
    const days = (new Date(got.expires) - Date.now()) / 86400e3;
    assert(days > 1.9 && days < 2.1, `expires in ${days} days`);
    // edit: the form holds the current value and expiry
    await p.click('#secret-edit');
    assert(JSON.parse(await p.inputValue('#secret-input')).who === 'www', 'the form does not hold the value');
    assert(await p.locator('#secret-name').evaluate((e) => e.readOnly), 'the name can be changed while editing');
    await p.fill('#secret-input', '{"a": 2}');
    await p.click('#secret-save');
    await p.locator('#secret-saved').waitFor();
    got = await secretsApi.get(name);
    assert(JSON.stringify(got.secret) === '{"a":2}', `after edit: ${JSON.stringify(got.secret)}`);
    assert(Math.abs(new Date(got.expires) - Date.now() - 2 * 86400e3) < 60e3, 'editing changed the expiry');
    // delete: "Keep it" keeps it; confirming deletes it
    await p.click('#secret-delete');
    await p.locator('#secret-delete-keep').click();
    assert((await logged('DELETE', path)) === 0, 'deleted without confirmation');
    assert((await secretsApi.get(name)).secret.a === 2, 'the secret is gone after "Keep it"');
    await p.click('#secret-delete');
    await p.locator('#secret-delete-confirm').click();
    await p.locator('#secret-deleted').waitFor();
    await p.waitForFunction((n) => !document.querySelector(`#secret-names button[data-secret="${n}"]`), name);
    const gone = await secretsApi.get(name).then(() => null, (e) => e);
    assert(gone && gone.statusCode === 404, `after delete the API says ${gone ? gone.statusCode : 'it exists'}`);
    await noTokenLeak(p);
    return `${name}: created, edited, kept once, deleted`;
  }, () => mpage);

  await step('index: browse namespaces down to indexed tasks and open one', 'index', async () => {
    const p = await mtab('#index/');
    const indexApi = api('Index');
    await p.locator('#index-namespaces a', { hasText: 'project' }).click();
    await p.waitForFunction(() => location.hash === '#index/project');
    await p.locator('#index-namespaces a', { hasText: 'devserver' }).click();
    await p.locator('#index-namespaces a', { hasText: 'builds' }).click();
    await p.locator('#index-namespaces a', { hasText: 'v1' }).click();
    await p.locator('#index-tasks li[data-index-path]').first().waitFor();
    const shown = (await p.locator('#index-tasks li[data-index-path]').evaluateAll((lis) => lis.map((li) => `${li.dataset.indexPath}=${li.querySelector('[data-task]').dataset.task}`))).sort();
    const want = (await indexApi.listTasks('project.devserver.builds.v1', {})).tasks.map((t) => `${t.namespace}=${t.taskId}`).sort();
    assert(JSON.stringify(shown) === JSON.stringify(want), `shown ${shown}, the index says ${want}`);
    const crumbs = await p.locator('#index-crumbs').textContent();
    assert(crumbs.replace(/\s+/g, '') === 'root›project›devserver›builds›v1', `crumbs: ${crumbs}`);
    const nsWant = (await indexApi.listNamespaces('project.devserver', {})).namespaces.map((n) => n.name);
    await p.locator('#index-crumbs a', { hasText: 'devserver' }).click();
    await p.waitForFunction((n) => document.querySelectorAll('#index-namespaces li').length === n, nsWant.length);
    const link = p.locator('#index-namespaces a', { hasText: 'builds' });
    await link.click();
    await p.locator('#index-namespaces a', { hasText: 'v1' }).click();
    const first = p.locator('#index-tasks [data-task]').first();
    await first.waitFor();
    const taskId = await first.getAttribute('data-task');
    await first.click();
    await p.waitForFunction((id) => location.hash === `#task/${id}` && document.querySelector('#inspector').dataset.state, taskId, { timeout: 10000 });
    await noTokenLeak(p);
    return `${shown.length} task(s) under project.devserver.builds.v1 as the API lists them; ${taskId} opened`;
  }, () => mpage);

  await step('hooks: groups and hooks listed, a hook viewed and triggered; the created task is linked (checked through the API)', 'hooks', async () => {
    const p = await mtab('#hooks');
    const hooksApi = api('Hooks');
    const { groups } = await hooksApi.listHookGroups();
    for (const g of groups) {
      for (const hk of (await hooksApi.listHooks(g)).hooks) {
        await p.locator(`#hooks-list a[data-hook="${g}/${hk.hookId}"]`).waitFor({ timeout: 10000 });
      }
    }
    await p.click('#hooks-list a[data-hook="project-devserver/hello"]');
    await p.locator('#hook-trigger-form:not([hidden])').waitFor();
    const def = await hooksApi.hook('project-devserver', 'hello');
    assert(JSON.parse(await p.textContent('#hook-task')).payload.command[0] === def.task.payload.command[0], 'task template differs');
    assert(JSON.parse(await p.inputValue('#hook-payload')).message === '', 'no example payload from the trigger schema');
    const triggerPath = '/api/hooks/v1/hooks/project-devserver/hello/trigger';
    const before = await logged('POST', triggerPath);
    await p.fill('#hook-payload', '{"message": ');
    await p.click('#hook-trigger');
    await p.waitForFunction(() => document.querySelector('#hook-trigger-errors').textContent.includes('The payload is not JSON'));
    assert((await logged('POST', triggerPath)) === before, 'a request was made for an invalid payload');
    await p.fill('#hook-payload', '{"message": "from the dashboard"}');
    await p.click('#hook-trigger');
    const created = p.locator('#hook-created-task');
    await created.waitFor({ timeout: 10000 });
    const taskId = await created.textContent();
    const task = await workerQueue.task(taskId);
    assert(JSON.stringify(task.payload.command) === '["echo","from the dashboard"]', `the task's command: ${JSON.stringify(task.payload.command)}`);
    const fires = (await hooksApi.listLastFires('project-devserver', 'hello', {})).lastFires;
    assert(fires[0].taskId === taskId && fires[0].result === 'success', 'the fire is not recorded');
    await p.locator(`#hook-fires li[data-fire="${taskId}"]`).waitFor();
    await p.waitForFunction((id) => document.querySelector('#hook-status').textContent.includes(id), taskId);
    // a hook whose role may not create the task: the reason is shown
    await p.evaluate(() => { location.hash = '#hooks/other-team/no-scopes'; });
    await p.locator('#hook-trigger-form:not([hidden])').waitFor();
    await p.fill('#hook-payload', '{"message": "x"}');
    await p.click('#hook-trigger');
    await p.locator('#hook-trigger-errors .error').waitFor();
    const err = await p.textContent('#hook-trigger-errors');
    assert(err.includes('InsufficientScopes') && err.includes('hook-id:other-team/no-scopes'), `error: ${err.slice(0, 200)}`);
    await p.locator('#hook-fires li[data-fire]').first().waitFor();
    // the created task's link opens it
    await p.evaluate(() => { location.hash = '#hooks/project-devserver/hello'; });
    await p.locator(`#hook-fires a[href="#task/${taskId}"]`).click();
    await p.waitForFunction((id) => location.hash === `#task/${id}` && document.querySelector('#inspector').dataset.state === 'pending', taskId, { timeout: 10000 });
    await noTokenLeak(p);
    return `${groups.length} group(s); hello triggered → ${taskId} (pending); no-scopes refused`;
  }, () => mpage);

  await step('roles and clients: both lists, and a client\'s and a role\'s expanded scopes (checked through the API)', 'auth', async () => {
    const p = await mtab('#auth');
    const authApi = api('Auth');
    await p.locator('#role-ids li').first().waitFor({ timeout: 10000 });
    await p.locator('#client-ids li').first().waitFor();
    const roles = await p.locator('#role-ids a').evaluateAll((as) => as.map((a) => a.textContent));
    const clients = await p.locator('#client-ids a').evaluateAll((as) => as.map((a) => a.textContent));
    const roleWant = (await authApi.listRoles()).map((r) => r.roleId);
    const clientWant = (await authApi.listClients({})).clients.map((c) => c.clientId);
    assert(JSON.stringify(roles) === JSON.stringify(roleWant), `roles: ${roles} vs ${roleWant}`);
    assert(JSON.stringify(clients) === JSON.stringify(clientWant), `clients: ${clients} vs ${clientWant}`);
    const id = 'project/devserver/ci';
    await p.click(`#client-ids a[data-item="client/${id}"]`);
    await p.locator('#auth-expanded').waitFor();
    const shown = await p.locator('#auth-expanded li').allTextContents();
    const client = await authApi.client(id);
    const expanded = (await authApi.expandScopes({ scopes: client.scopes })).scopes;
    assert(JSON.stringify(shown) === JSON.stringify([...expanded].sort()), `shown ${shown}; expandScopes says ${expanded}`);
    assert(shown.includes('secrets:get:project/devserver/*'), 'the role\'s scope is not among the expanded ones');
    await p.click('#role-ids a[data-item="role/project:devserver:demo"]');
    await p.waitForFunction(() => document.querySelector('#h-auth-item').textContent.includes('project:devserver:demo'));
    await p.locator('#auth-expanded').waitFor();
    const role = await authApi.role('project:devserver:demo');
    const roleShown = await p.locator('#auth-expanded li').allTextContents();
    assert(JSON.stringify(roleShown) === JSON.stringify([...role.expandedScopes].sort()), `role expanded: ${roleShown}`);
    await noTokenLeak(p);
    return `${roles.length} roles, ${clients.length} clients; ${id}: ${shown.length} expanded scopes`;
  }, () => mpage);

  await step('keyboard: index, hooks and roles reachable by Tab and opened with Enter, with a visible focus ring', 'keyboard-admin', async () => {
    const p = await mtab('#hooks');
    await p.setViewportSize({ width: 1280, height: 900 });
    const focused = () => p.evaluate(() => {
      const e = document.activeElement;
      const cs = getComputedStyle(e);
      return { id: e.id, item: e.dataset.hook || e.dataset.item || e.dataset.namespace || '', text: (e.textContent || '').trim().slice(0, 40), outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 };
    });
    const tabTo = async (want, what) => {
      for (let i = 0; i < 80; i++) {
        await p.keyboard.press('Tab');
        const f = await focused();
        assert(f.outline, `no visible focus on ${JSON.stringify(f)}`);
        if (want(f)) return i + 1;
      }
      throw new Error(`${what} not reached within 80 Tabs`);
    };
    const start = async (hash) => {
      await p.evaluate((h) => { location.hash = h; }, hash);
      await p.locator('#main').focus();
    };
    await start('#hooks');
    await p.locator('#hooks-list a[data-hook]').first().waitFor();
    const n1 = await tabTo((f) => f.item === 'project-devserver/hello', 'the hello hook');
    await p.keyboard.press('Enter');
    await p.locator('#hook-trigger-form:not([hidden])').waitFor();
    await p.locator('#hook-payload').focus();
    await p.keyboard.press('Control+A');
    await p.keyboard.type('{"message": "keyboard"}');
    await tabTo((f) => f.id === 'hook-trigger', 'the trigger button');
    await p.keyboard.press('Enter');
    await p.locator('#hook-created-task').waitFor({ timeout: 10000 });
    await start('#auth');
    await p.locator('#client-ids a').first().waitFor();
    const n2 = await tabTo((f) => f.item === 'client/project/devserver/ci', 'the demo client');
    await p.keyboard.press('Enter');
    await p.locator('#auth-expanded').waitFor();
    await start('#index/project.devserver');
    await p.locator('#index-namespaces a').first().waitFor();
    const n3 = await tabTo((f) => f.text === 'builds', 'the builds namespace');
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => location.hash === '#index/project.devserver.builds');
    return `Tabs: hook ${n1}, client ${n2}, namespace ${n3}; a hook triggered by keyboard`;
  }, () => mpage);
  if (mpage) await mpage.close();
  mpage = null;

  // ------------------------------------------------------------------ layout and keyboard
  let lpage = null;
  await step('layout: no horizontal overflow at 390 px on every screen; screenshots at 390 and 1280 px', 'layout', async () => {
    lpage = await rootTab('#connect');
    const screens = [
      ['connect', '#connect'], ['group', `#group/${SEEDED_GROUP}`], ['task', `#task/${SEEDED_TASK}`],
      ['log', `#artifact/${SEEDED_TASK}/latest/public%2Flogs%2Flive.log`], ['new-task', '#new-task'], ['objects', '#objects'], ['secrets', '#secrets'],
      ['index', '#index/project.devserver.builds.v1'], ['hooks', '#hooks/project-devserver/hello'], ['auth', '#auth/client/project%2Fdevserver%2Fci'],
    ];
    const ready = {
      group: '#group-table', task: '#artifact-table', log: '#viewer[data-state="complete"]', secrets: '#secret-names',
      index: '#index-tasks li', hooks: '#hook-fires li, #hook-trigger-form:not([hidden])', auth: '#auth-expanded',
    };
    const widths = [];
    for (const width of [390, 1280]) {
      await lpage.setViewportSize({ width, height: 900 });
      for (const [name, hash] of screens) {
        await lpage.evaluate((h) => { location.hash = h; }, hash);
        if (ready[name]) await lpage.locator(ready[name]).first().waitFor({ timeout: 10000 });
        await lpage.waitForTimeout(100);
        const sw = await lpage.evaluate(() => document.documentElement.scrollWidth);
        await lpage.screenshot({ path: join(shots, `layout-${width}-${name}.png`), fullPage: true });
        if (width === 390) widths.push(`${name} ${sw}`);
        assert(sw <= width, `${name} at ${width} px: the page is ${sw} px wide`);
      }
    }
    await noTokenLeak(lpage);
    return `page widths at 390 px: ${widths.join(', ')}`;
  }, () => lpage);

  await step('keyboard: skip link, tabs and artifact actions reachable by Tab, with a visible focus ring', 'keyboard', async () => {
    if (!lpage) lpage = await rootTab('#connect');
    await lpage.setViewportSize({ width: 1280, height: 900 });
    await lpage.goto('about:blank');
    await lpage.goto(`${pageUrl}#task/${SEEDED_TASK}`);
    await lpage.locator('#artifact-table').waitFor({ timeout: 10000 });
    await lpage.keyboard.press('Tab');
    const focused = () => lpage.evaluate(() => {
      const e = document.activeElement;
      const cs = getComputedStyle(e);
      return { tag: e.tagName, text: (e.textContent || '').trim().slice(0, 40), id: e.id, outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 };
    });
    let f = await focused();
    assert(f.text === 'Skip to content' && f.outline, `first Tab: ${JSON.stringify(f)}`);
    const seen = [];
    let viewLink = null;
    for (let i = 0; i < 60 && !viewLink; i++) {
      await lpage.keyboard.press('Tab');
      f = await focused();
      assert(f.outline, `no visible focus on ${JSON.stringify(f)}`);
      seen.push(f.text || f.id || f.tag);
      if (f.text === 'View') viewLink = f;
    }
    assert(seen.includes('Tasks') && seen.includes('Secrets'), `tabs not reached: ${seen.slice(0, 12)}`);
    assert(viewLink, `no artifact View link within 60 Tabs: ${seen.join(' | ')}`);
    await lpage.keyboard.press('Enter');
    await lpage.waitForFunction(() => location.hash.startsWith('#artifact/'));
    await lpage.locator('#viewer[data-state="complete"]').waitFor({ timeout: 10000 });
    return `${seen.length} Tabs to the first View link, Enter opened the viewer`;
  }, () => lpage);
  if (lpage) await lpage.close();
  lpage = null;

  await step('serve-www: content types, config.json, and nothing outside www/ and pkg/', 'serve', async () => {
    const get = (path) => fetch(new URL(path, pageUrl));
    const type = async (path) => (await get(path)).headers.get('content-type');
    assert((await type('/pkg/taskcluster_wasm_bg.wasm')) === 'application/wasm', 'wasm type');
    assert((await type('/pkg/index.js')).startsWith('text/javascript'), 'js type');
    assert((await type('/app.js')).startsWith('text/javascript'), 'www js type');
    assert((await type('/')).startsWith('text/html'), 'index type');
    assert((await (await get('/config.json')).json()).rootUrl === deployment.rootUrl, 'config.json');
    for (const path of ['/Cargo.toml', '/pkg/../Cargo.toml', '/%2e%2e/Cargo.toml', '/pkg/%2e%2e/Cargo.toml', '/scripts/serve-www.mjs', '/.git/config', '/tests/js/www/run.mjs']) {
      const res = await fetch(pageUrl.replace(/\/$/, '') + path);
      assert(res.status === 404, `${path} answered ${res.status}`);
    }
    return 'wasm, js, html types; 7 paths outside refused';
  }, () => null);

  await step('nothing but the page server and the deployment was contacted; no page errors', 'network', async () => {
    assert(foreign.size === 0, `requests to ${[...foreign].join(', ')}`);
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join('; ')}`);
    return `load-to-seeded-task ${loadMs} ms`;
  }, () => null);
} catch (e) {
  failed++;
  console.log(`not ok - setup\n  ${scrub(e.stack || e.message)}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  stopAll();
  await rm(tmp, { recursive: true, force: true }).catch(() => {});
}
const passed = results.filter((r) => r.ok).length;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
