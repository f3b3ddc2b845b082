// Type checks of the typed API (pkg/apis.d.ts, generated from references/schemas/): correct uses
// of every service compile, and each `@ts-expect-error` line must be rejected (a wrong payload, a
// wrong response-field type, an unknown field, a wrong query option or URL argument); if the
// declarations stop rejecting one, the check fails ("Unused '@ts-expect-error' directive").
// Checked by `tsc --strict` (tests/js/node/types.test.mjs) and by `deno check`
// (scripts/test, "package: Deno type check"); nothing here runs.
// @deno-types="../../../pkg/index.d.ts"
import * as tc from '../../../pkg/index.js';

const rootUrl = 'https://tc.example.com';
const opts = { rootUrl };

export async function auth(): Promise<void> {
  const auth = new tc.Auth(opts);
  const scopes: string[] = (await auth.currentScopes()).scopes;
  // @ts-expect-error: scopes is a string[], not a number
  const n: number = (await auth.currentScopes()).scopes;
  await auth.expandScopes({ scopes: ['assume:a'] });
  // @ts-expect-error: unknown field in the payload
  await auth.expandScopes({ scopes: [], extra: 1 });
  const created = await auth.createClient('c', { description: 'd', expires: tc.fromNow('1 day'), scopes });
  const token: string = created.accessToken;
  await auth.createClient('c', { description: 'd', expires: '2030-01-01T00:00:00.000Z' });
  // @ts-expect-error: description is required
  await auth.createClient('c', { expires: tc.fromNow('1 day') });
  // @ts-expect-error: expires is a date-time (string or Date), not a number
  await auth.createClient('c', { description: 'd', expires: 5 });
  const listed = await auth.listClients({ prefix: 'p/', limit: 10 });
  for (const c of listed.clients) {
    const id: string = c.clientId;
    // @ts-expect-error: results give dates as strings
    const d: Date = c.expires;
    void id, d;
  }
  // @ts-expect-error: not a query option of listClients
  await auth.listClients({ prefx: 'p/' });
  // @ts-expect-error: limit is a number
  await auth.listClients({ limit: true });
  void n, token;
}

export async function queue(): Promise<void> {
  const queue = new tc.Queue(opts);
  const status = await queue.createTask(tc.slugid(), {
    taskQueueId: 'proj/worker',
    created: new Date(),
    deadline: tc.fromNow('1 hour'),
    expires: tc.fromNowJSON('1 day'),
    priority: 'high',
    payload: { image: 'ubuntu', command: ['true'] },
    metadata: { name: 'n', description: 'd', owner: 'o@example.com', source: 'https://example.com' },
  });
  const state: 'unscheduled' | 'pending' | 'running' | 'completed' | 'failed' | 'exception' = status.status.state;
  const runs: number = status.status.runs.length;
  // @ts-expect-error: createTask('id', 'not-a-task')
  await queue.createTask('id', 'not-a-task');
  await queue.createTask('id', {
    created: new Date(), deadline: new Date(), payload: {},
    // @ts-expect-error: priority is one of the schema's enum values
    priority: 'urgent',
    metadata: { name: 'n', description: 'd', owner: 'o@example.com', source: 'https://example.com' },
  });
  // @ts-expect-error: metadata is required
  await queue.createTask('id', { created: new Date(), deadline: new Date(), payload: {} });
  // @ts-expect-error: the status has no field `stat`
  void status.status.stat;
  // @ts-expect-error: state is a string enum, not a number
  const s: number = status.status.state;
  const task = await queue.task('id');
  const deadline: string = task.deadline;
  const artifacts = await queue.listArtifacts('id', 0, { limit: 5, continuationToken: 'x' });
  for (const a of artifacts.artifacts) void (a.name satisfies string);
  const url: string = queue.buildUrl(queue.getArtifact, 'id', 0, 'public/x');
  const signed: string = queue.buildSignedUrl(queue.getArtifact, 'id', 0, 'private/x', { expiration: 600 });
  queue.buildSignedUrl(queue.listTaskGroup, 'g', { limit: 10 }, { expiration: 60 });
  // @ts-expect-error: getArtifact takes a name
  queue.buildUrl(queue.getArtifact, 'id', 0);
  // @ts-expect-error: a query option listTaskGroup does not have
  queue.buildUrl(queue.listTaskGroup, 'g', { nope: 1 });
  // @ts-expect-error: buildSignedUrl is for GET methods only
  queue.buildSignedUrl(queue.createTask, 'id');
  for await (const page of queue.paginate(queue.listTaskGroup, 'g', { limit: 100 })) {
    for (const t of page.tasks) void (t.status.taskId satisfies string);
  }
  // artifacts: one of the storage types
  await queue.createArtifact('id', 0, 'public/x', { storageType: 'object', contentType: 'text/plain', expires: new Date() });
  // @ts-expect-error: not a storage type
  await queue.createArtifact('id', 0, 'public/x', { storageType: 'ftp', contentType: 'text/plain', expires: new Date() });
  void state, runs, s, deadline, url, signed;
}

export async function secrets(): Promise<void> {
  const secrets = new tc.Secrets(opts);
  await secrets.set('s', { secret: { a: 1 }, expires: tc.fromNow('1 hour') });
  const got = await secrets.get('s');
  const v: Record<string, unknown> = got.secret;
  const e: string = got.expires;
  // @ts-expect-error: secret is an object
  await secrets.set('s', { secret: 'text', expires: new Date() });
  // @ts-expect-error: unknown field
  await secrets.set('s', { secret: {}, expires: new Date(), ttl: 5 });
  const names: string[] = (await secrets.list({ limit: 1 })).secrets;
  void v, e, names;
}

export async function index(): Promise<void> {
  const index = new tc.Index(opts);
  const r = await index.insertTask('a.b', { taskId: 'T', rank: 0, data: {}, expires: new Date() });
  const taskId: string = r.taskId;
  // @ts-expect-error: rank is a number
  await index.insertTask('a.b', { taskId: 'T', rank: 'first', data: {}, expires: new Date() });
  const found = await index.findTask('a.b');
  // @ts-expect-error: namespace is a string
  const ns: number = found.namespace;
  void taskId, ns;
}

export async function hooks(): Promise<void> {
  const hooks = new tc.Hooks(opts);
  const groups: string[] = (await hooks.listHookGroups()).groups;
  const def = await hooks.hook('g', 'h');
  const owner: string = def.metadata.owner;
  await hooks.triggerHook('g', 'h', { any: 'context' });
  // @ts-expect-error: the result has no field `hookIdentifier`
  void def.hookIdentifier;
  void groups, owner;
}

export async function notify(): Promise<void> {
  const notify = new tc.Notify(opts);
  await notify.email({ address: 'a@example.com', subject: 's', content: 'c' });
  // @ts-expect-error: subject is required
  await notify.email({ address: 'a@example.com', content: 'c' });
  await notify.pulse({ routingKey: 'k', message: {} });
}

export async function object(): Promise<void> {
  const object = new tc.Object(opts);
  const up = await object.createUpload('n', {
    projectId: 'p', uploadId: 'u', expires: new Date(), proposedUploadMethods: { dataInline: { contentType: 'text/plain', objectData: 'aGk=' } },
  });
  const expires: string = up.expires;
  const dl = await object.startDownload('n', { acceptDownloadMethods: { simple: true } });
  if (dl.method === 'simple') {
    const u: string = dl.url;
    void u;
  }
  // @ts-expect-error: not a download method
  await object.startDownload('n', { acceptDownloadMethods: { ftp: true } });
  void expires;
}

export async function purgeCache(): Promise<void> {
  const pc = new tc.PurgeCache(opts);
  await pc.purgeCache('pool/a', { cacheName: 'c' });
  // @ts-expect-error: cacheName is a string
  await pc.purgeCache('pool/a', { cacheName: 1 });
  const reqs = await pc.purgeRequests('pool/a', { since: new Date().toJSON() });
  for (const r of reqs.requests) void (r.cacheName satisfies string);
}

export async function workerManager(): Promise<void> {
  const wm = new tc.WorkerManager(opts);
  const pool = await wm.workerPool('p/w');
  const providerId: string = pool.providerId;
  await wm.createWorkerPool('p/w', { providerId: 'static', description: '', config: {}, owner: 'o@example.com', emailOnError: false });
  // @ts-expect-error: emailOnError is a boolean
  await wm.createWorkerPool('p/w', { providerId: 'static', description: '', config: {}, owner: 'o@example.com', emailOnError: 'no' });
  for await (const page of wm.paginate(wm.listWorkerPools, { limit: 10 })) {
    for (const p of page.workerPools) void (p.workerPoolId satisfies string | undefined);
  }
  void providerId;
}

export async function github(): Promise<void> {
  const github = new tc.Github(opts);
  const repo = await github.repository('o', 'r');
  const installed: boolean = repo.installed;
  // @ts-expect-error: installed is a boolean
  const i: string = repo.installed;
  const builds = await github.builds({ organization: 'o', limit: 5 });
  for (const b of builds.builds) void (b.state satisfies string | undefined);
  void installed, i;
}

export async function webServer(): Promise<void> {
  // No schemas for web-server's methods: their results are `unknown` until checked.
  const ws = new tc.WebServer(opts);
  const v: unknown = await ws.version();
  // @ts-expect-error: unknown results cannot be used unchecked
  void (await ws.version()).version;
  void v;
}

export function events(): void {
  const b = new tc.QueueEvents(opts).taskDefined({ taskId: 'T' });
  const exchange: string = b.exchange;
  void exchange;
}
