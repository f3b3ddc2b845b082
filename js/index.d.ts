// Type declarations for taskcluster-wasm.

/** Taskcluster credentials. */
export interface Credentials {
  clientId: string;
  accessToken: string;
  /** For temporary credentials: the certificate, as JSON text or an object. */
  certificate?: string | object;
}

/** Client options, as the official Node client takes them. */
export interface ClientOptions {
  /** The deployment's root URL, e.g. `https://tc.example.com`. Required. */
  rootUrl?: string;
  credentials?: Partial<Credentials>;
  /** Restrict requests to these scopes (an empty array leaves only anonymous scopes). */
  authorizedScopes?: string[] | null;
  /**
   * Per-attempt timeout in milliseconds (default 30000). Every duration option takes 0 to
   * 8.64e15 ms (anything else throws, naming the option); host timers wait at most
   * 2^31 − 1 ms (24.8 days), so a longer timeout or delay waits that long.
   */
  timeout?: number;
  /** Retries after the first attempt (default 5). */
  retries?: number;
  /** Base of the exponential backoff in milliseconds (default 100). */
  delayFactor?: number;
  /** Jitter factor in [0, 1) (default 0.25). */
  randomizationFactor?: number;
  /** Longest delay between attempts in milliseconds (default 30000). */
  maxDelay?: number;
  /** Sent as `x-taskcluster-trace-id` (not from browsers, where CORS forbids it). */
  traceId?: string;
  serviceDiscoveryScheme?: 'default' | 'k8s-dns';
}

/** A reference entry plus the service it belongs to. */
export interface ApiEntry {
  serviceName: string;
  apiVersion?: string;
  name: string;
  method: 'get' | 'post' | 'put' | 'delete' | string;
  route: string;
  args: string[];
  query?: string[];
  input?: string;
  output?: string;
}

/** Errors thrown or rejected by every call. */
export interface TaskclusterError extends Error {
  /** Taskcluster's error code (`ResourceNotFound`, …), `UnknownError`, `ECONNABORTED` on timeout, or a system code. */
  code?: string;
  /** The HTTP status, for errors the server answered. */
  statusCode?: number;
  /** The error body: parsed JSON, or text. */
  body?: any;
  /** The `requestInfo` of a Taskcluster error body. */
  requestInfo?: { method: string; params: Record<string, string>; payload: any; time: string };
  kind: 'invalid-input' | 'timeout' | 'network' | 'http' | 'decode' | 'integrity' | 'artifact';
  /** The server's request ID (`x-for-request-id`), where the host can read it (not in browsers). */
  requestId?: string;
  /** For `error` artifacts: their reason. */
  reason?: string;
  attempts?: number;
  mayHaveBeenSent: boolean;
  method?: string;
  url?: string;
}

export * from './apis.js';

/**
 * Fake implementations for a service class `T`: any of its methods, each taking that method's
 * arguments and returning anything (a value or a promise).
 */
export type FakeImplementations<T> = {
  // (a method signature, so that a fake may declare narrower parameters, e.g. `taskId: string`)
  [K in keyof T]?: T[K] extends (...args: infer A) => any ? { fake(...args: A): any }['fake'] : never;
};

/** Options of a service class: client options plus `fake` implementations for tests. */
export interface ServiceOptions<T = Record<string, (...args: any[]) => any>> extends ClientOptions {
  /** Fake mode: no requests are made; calls are recorded in `fakeCalls` and answered by these functions. Refused when NODE_ENV is "production". */
  fake?: FakeImplementations<T> | null;
  /**
   * Check each payload against the method's JSON schema before sending it; an invalid payload
   * rejects with an error naming each failing field, before any request. The validator is a
   * module of its own (`validate.js`), loaded on first use. Off by default.
   */
  validate?: boolean;
}

/** The base of every service class. */
export declare class Client {
  constructor(options?: ServiceOptions);
  /** In fake mode: the calls made, by method name. */
  fakeCalls?: Record<string, Array<Record<string, any>>>;
  /** A new client with some options changed. */
  use(optionsUpdates: ServiceOptions): this;
  /** `use({traceId})`. */
  taskclusterPerRequestInstance(context: { traceId?: string; requestId?: string }): this;
  /** `buildUrl(this.method, ...urlArgs, query?)`: the URL of a call. */
  buildUrl(method: (...args: any[]) => any, ...args: any[]): string;
  /** Like `buildUrl`, under the root URL even with `k8s-dns`. */
  externalBuildUrl(method: (...args: any[]) => any, ...args: any[]): string;
  /** `buildSignedUrl(this.method, ...urlArgs, query?, {expiration})`: a GET URL with a bewit (default 900 s). */
  buildSignedUrl(method: (...args: any[]) => any, ...args: any[]): string;
  /** Like `buildSignedUrl`, under the root URL even with `k8s-dns`. */
  externalBuildSignedUrl(method: (...args: any[]) => any, ...args: any[]): string;
  /** `paginate(this.method, ...args, query?)`: every page of a paginated call, following `continuationToken`. */
  paginate(method: (...args: any[]) => any, ...args: any[]): AsyncGenerator<any, void, undefined>;
}

/** A routing-key element, as in the exchange reference. */
export interface RoutingKeyReference {
  name: string;
  multipleWords: boolean;
  required: boolean;
  constant?: string;
}

/** What an Events method returns: where and how to bind a queue. */
export interface Binding {
  exchange: string;
  routingKeyPattern: string;
  routingKeyReference: RoutingKeyReference[];
}

/** Builds a service class from an API or exchanges reference (for example a deployment's). */
export function createClient(reference: any, name?: string): typeof Client & (new (options?: ServiceOptions) => Client & Record<string, any>);
/** Client classes for whatever a deployment's /references/ lists (including methods newer than this package). */
export function discover(rootUrl: string): Promise<Record<string, new (options?: ServiceOptions) => Client & Record<string, any>>>;
/** Sets the service discovery scheme of clients created later. */
export function setServiceDiscoveryScheme(scheme: 'default' | 'k8s-dns'): void;
/** One signed request (no retries) to an absolute URL with a client's options. */
export function makeRequest(client: Client, method: string, url: string, payload?: any, query?: Record<string, any>): Promise<{ statusCode: number; headers: Record<string, string>; body: any }>;
/** What a set of credentials is, for display (never for access control). */
export function credentialInformation(rootUrl: string, credentials: Credentials): Promise<{
  clientId: string; type: 'permanent' | 'temporary'; active: boolean; start?: Date; expiry?: Date; scopes?: string[];
}>;
/** Present for compatibility with the Node client; fetch has no agents. */
export declare const agents: {};

/** The hashes of an object's bytes, lowercase hex. */
export interface Hashes { sha256: string; sha512: string }
/**
 * Settings of a data transfer (the PUT or GET to storage). They never come from the API
 * client: the defaults are the official client's (retries 5, delayFactor 100,
 * randomizationFactor 0.25, maxDelay 30000).
 */
export interface TransferOptions {
  retries?: number;
  delayFactor?: number;
  randomizationFactor?: number;
  maxDelay?: number;
  /** Milliseconds the storage server may take to answer (default 30000). */
  timeout?: number;
  /** Milliseconds the body may make no progress before the attempt fails (default 60000). */
  idleTimeout?: number;
  /** Called with bytes done and bytes total (when known) as data moves. */
  onProgress?: (done: number, total?: number) => void;
}
/** What upload() calls: any object with these methods (an Object client, a wrapper, a fake). */
export interface ObjectUploadCalls {
  createUpload(name: string, payload: any): any;
  finishUpload(name: string, payload: any): any;
}
/** What download() calls: any object with this method (an Object client, a wrapper, a fake). */
export interface ObjectDownloadCalls {
  startDownload(name: string, payload: any): any;
}
/** What downloadArtifact() calls: any object with these methods (a Queue client, a wrapper, a fake). */
export interface ArtifactCalls {
  /** Called when `runId` is given. */
  artifact?(taskId: string, runId: number | string, name: string): any;
  /** Called when `runId` is not given. */
  latestArtifact?(taskId: string, name: string): any;
}
type ArtifactOptions = TransferOptions & {
  taskId: string; runId?: number | string; name: string; queue: ArtifactCalls;
  /** The deployment's root URL for `object` artifacts, when `queue` is not a client of this package. */
  rootUrl?: string;
};
type UploadData = Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array> | { pipe: Function; read: Function };
type DownloadTarget = WritableStream<Uint8Array> | { write: Function; end: Function };
/** Uploads an object through the object service. `streamFactory` is called afresh for every attempt. */
export function upload(options: TransferOptions & {
  projectId: string; name: string; expires: Date | string; uploadId?: string; contentType: string; contentLength: number;
  object: ObjectUploadCalls; streamFactory: () => UploadData | Promise<UploadData>;
}): Promise<{ uploadId: string; hashes: Hashes }>;
/** Downloads an object, verifying its hashes before the output stream is closed; resolves to the content type. */
export function download(options: TransferOptions & { name: string; object: ObjectDownloadCalls; streamFactory: () => DownloadTarget | Promise<DownloadTarget> }): Promise<string>;
/** A download as a ReadableStream that closes only after verification. */
export function downloadStream(options: TransferOptions & { name: string; object: ObjectDownloadCalls }): {
  stream: ReadableStream<Uint8Array>; result: Promise<{ contentType: string; hashes: Hashes; length: number }>;
};
/** Downloads an artifact of any storage type (s3, reference, object, link; error artifacts reject with `code: 'ArtifactError'` and `reason`). */
export function downloadArtifact(options: ArtifactOptions & { streamFactory: () => DownloadTarget | Promise<DownloadTarget> }): Promise<string>;
/** Like downloadArtifact, but rejects `reference` artifacts (code `ArtifactStorageTypeRejected`). */
export function downloadManagedArtifact(options: ArtifactOptions & { streamFactory: () => DownloadTarget | Promise<DownloadTarget> }): Promise<string>;
/** An artifact as a ReadableStream (`managed: true` refuses reference artifacts). */
export function downloadArtifactStream(options: ArtifactOptions & { managed?: boolean }): {
  stream: ReadableStream<Uint8Array>; result: Promise<{ contentType: string; hashes: Hashes; length: number }>;
};

/** Shallow-merges defaults for every client created afterwards. */
export function config(options: ClientOptions): void;
/** A low-level call: URL arguments, then the payload (if the entry takes one), then query options. */
export function request(options: ClientOptions, entry: ApiEntry, ...args: any[]): Promise<any>;
/** The URL of a call, without signing. */
export function buildUrl(options: ClientOptions, entry: ApiEntry, ...args: any[]): string;
/** A URL with a bewit for a GET call; an optional last argument `{expiration: seconds}` (default 900). */
export function buildSignedUrl(options: ClientOptions, entry: ApiEntry, ...args: any[]): string;
/** A Date offset by a time expression (`'2 hours'`, `'-1 day'`, `'1 year 2 months'`). */
export function fromNow(offset?: string, reference?: Date): Date;
/** `fromNow(offset, reference).toJSON()`. */
export function fromNowJSON(offset?: string, reference?: Date): string;
/** A nice slugid (never starts with `-` or `_`). */
export declare const slugid: {
  (): string;
  nice(): string;
  v4(): string;
};
export interface TemporaryCredentialsOptions {
  start?: Date;
  expiry: Date;
  scopes?: string[];
  /** A name, for named temporary credentials. */
  clientId?: string;
  /** The issuing permanent credentials (default: from `config()`). */
  credentials?: Credentials;
}
export function createTemporaryCredentials(options: TemporaryCredentialsOptions): Required<Pick<Credentials, 'clientId' | 'accessToken'>> & { certificate: string };
/** `{rootUrl, credentials}` from TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN, TASKCLUSTER_CERTIFICATE (or TASKCLUSTER_PROXY_URL). */
export function fromEnvVars(): { rootUrl?: string; credentials?: Partial<Credentials> };

declare const taskcluster: typeof import('./apis.js')['clients'] & {
  clients: typeof import('./apis.js')['clients'];
  references: Record<string, any>;
  createClient: typeof createClient;
  setServiceDiscoveryScheme: typeof setServiceDiscoveryScheme;
  makeRequest: typeof makeRequest;
  discover: typeof discover;
  upload: typeof upload;
  download: typeof download;
  downloadStream: typeof downloadStream;
  downloadArtifact: typeof downloadArtifact;
  downloadManagedArtifact: typeof downloadManagedArtifact;
  downloadArtifactStream: typeof downloadArtifactStream;
  credentialInformation: typeof credentialInformation;
  agents: typeof agents;
  config: typeof config;
  request: typeof request;
  buildUrl: typeof buildUrl;
  buildSignedUrl: typeof buildSignedUrl;
  fromNow: typeof fromNow;
  fromNowJSON: typeof fromNowJSON;
  slugid: typeof slugid;
  createTemporaryCredentials: typeof createTemporaryCredentials;
  fromEnvVars: typeof fromEnvVars;
};
export default taskcluster;
