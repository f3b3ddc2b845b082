// The connection: a root URL and credentials, verified with auth.currentScopes and kept in this
// tab's sessionStorage only (never in the URL, localStorage or the console).

const KEY = 'tc-www:connection';
const DISCONNECTED = 'tc-www:disconnected';

let tc = null;
let current = null;
const listeners = new Set();

/** The taskcluster-wasm package, once loaded. */
export function setPackage(p) {
  tc = p;
}
export function pkg() {
  return tc;
}

/** `{rootUrl, credentials, source, scopes, info}` or null. */
export function connection() {
  return current;
}

export function onChange(fn) {
  listeners.add(fn);
}
function emit() {
  for (const fn of listeners) fn(current);
}

/** The connection saved in this tab, if any. */
export function saved() {
  try {
    const v = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    return v && typeof v.rootUrl === 'string' ? v : null;
  } catch {
    return null;
  }
}

export function wasDisconnected() {
  return sessionStorage.getItem(DISCONNECTED) === '1';
}

/** A client of the package for the current connection: `client('Queue')`. */
export function client(name, options) {
  if (!current) throw new Error('Not connected: open the Connection page and connect first.');
  const Class = tc[name];
  return new Class({ rootUrl: current.rootUrl, credentials: current.credentials || undefined, ...options });
}

/** The client options of the current connection, for the package's low-level `request`. */
export function clientOptions() {
  if (!current) throw new Error('Not connected: open the Connection page and connect first.');
  return { rootUrl: current.rootUrl, credentials: current.credentials || undefined };
}

export function normalizeRootUrl(value) {
  const raw = String(value || '').trim();
  if (!raw) throw new Error('The root URL is required, for example https://tc.example.com');
  let u;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`"${raw}" is not a URL; the root URL looks like https://tc.example.com`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('The root URL must start with https:// (or http:// for a local deployment)');
  return u.href.replace(/\/+$/, '');
}

/** Cleans up credentials from a form or a file: null when there is no client id. */
export function cleanCredentials(c) {
  if (!c || !c.clientId) return null;
  const out = { clientId: String(c.clientId).trim(), accessToken: String(c.accessToken || '').trim() };
  if (!out.accessToken) throw new Error('An access token is needed with a client id (or connect anonymously).');
  if (c.certificate) {
    const cert = typeof c.certificate === 'string' ? c.certificate.trim() : JSON.stringify(c.certificate);
    if (cert) {
      try {
        JSON.parse(cert);
      } catch {
        throw new Error('The certificate must be the JSON text of a temporary credential certificate.');
      }
      out.certificate = cert;
    }
  }
  return out;
}

/**
 * Connects: checks the credentials with auth.currentScopes (a rejected credential fails here),
 * then reads what they are, and saves them for this tab.
 */
export async function connect({ rootUrl, credentials, source }) {
  rootUrl = normalizeRootUrl(rootUrl);
  credentials = cleanCredentials(credentials);
  const auth = new tc.Auth({ rootUrl, credentials: credentials || undefined });
  const [{ scopes }, info] = await Promise.all([
    auth.currentScopes(),
    credentials ? tc.credentialInformation(rootUrl, credentials).catch((e) => ({ error: e })) : null,
  ]);
  current = { rootUrl, credentials, source, scopes: scopes || [], info };
  sessionStorage.setItem(KEY, JSON.stringify({ rootUrl, credentials, source }));
  sessionStorage.removeItem(DISCONNECTED);
  emit();
  return current;
}

/** Forgets the connection (and the saved credentials). */
export function disconnect() {
  current = null;
  sessionStorage.removeItem(KEY);
  sessionStorage.setItem(DISCONNECTED, '1');
  emit();
}

/** Re-reads the current scopes. */
export async function refreshScopes() {
  const { scopes } = await client('Auth').currentScopes();
  current = { ...current, scopes: scopes || [] };
  emit();
  return current.scopes;
}

/** The certificate of temporary credentials, parsed, or null. */
export function certificateOf(credentials) {
  if (!credentials || !credentials.certificate) return null;
  try {
    return typeof credentials.certificate === 'string' ? JSON.parse(credentials.certificate) : credentials.certificate;
  } catch {
    return null;
  }
}

/**
 * Mints temporary credentials from the current (permanent) ones with the given scopes and
 * lifetime, checks them, and switches to them: from then on only they are used and kept.
 */
export async function mintTemporary({ scopes, lifetime, name }) {
  if (!current || !current.credentials) throw new Error('Connect with permanent credentials first: anonymous connections cannot issue credentials.');
  if (current.credentials.certificate) {
    throw new Error('These are temporary credentials, and temporary credentials cannot issue others. Connect with permanent credentials to mint new ones.');
  }
  if (!scopes.length) throw new Error('List at least one scope, one a line.');
  const expiry = tc.fromNow(lifetime);
  if (expiry.getTime() <= Date.now()) throw new Error(`The lifetime "${lifetime}" is not in the future.`);
  const temp = tc.createTemporaryCredentials({
    clientId: name || undefined,
    // A few minutes back, for clocks that run a little ahead of this one.
    start: tc.fromNow('-5 minutes'),
    expiry,
    scopes,
    credentials: current.credentials,
  });
  return connect({ rootUrl: current.rootUrl, credentials: temp, source: 'temporary' });
}

// ---------------------------------------------------------------------------------------
// Scopes, for enabling buttons (the services decide; this only avoids offering what would fail).

/** Does scope `have` satisfy scope `want` (exact, or a `*` suffix)? */
export function scopeMatch(have, want) {
  return have === want || (have.endsWith('*') && want.startsWith(have.slice(0, -1)));
}

/** `expr`: a scope, `{AnyOf: [...]}` or `{AllOf: [...]}`. */
export function satisfies(scopes, expr) {
  if (typeof expr === 'string') return scopes.some((s) => scopeMatch(s, expr));
  if (expr.AnyOf) return expr.AnyOf.some((e) => satisfies(scopes, e));
  if (expr.AllOf) return expr.AllOf.every((e) => satisfies(scopes, e));
  return false;
}

export function allows(expr) {
  return !!current && satisfies(current.scopes, expr);
}

/** A scope expression, as text. */
export function describe(expr) {
  if (typeof expr === 'string') return expr;
  if (expr.AnyOf) return expr.AnyOf.map(describe).join(' or ');
  if (expr.AllOf) return `(${expr.AllOf.map(describe).join(' and ')})`;
  return '?';
}
