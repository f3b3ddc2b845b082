// The package's public surface: everything the official Node client exports, by the same names,
// plus what this package adds. Shared by index.js and workerd.js.
import * as core from './core.js';
import { createClient, setServiceDiscoveryScheme, makeRequest, discover } from './client.js';
import { clients, references, Auth } from './apis.js';
import * as objects from './objects.js';

export * from './core.js';
export * from './apis.js';
export { createClient, setServiceDiscoveryScheme, makeRequest, discover };
export * from './objects.js';

/**
 * What a set of credentials is: `{clientId, type, active, start?, expiry?, scopes}`. For display
 * only, never for access control.
 */
export async function credentialInformation(rootUrl, credentials) {
  const result = { clientId: credentials.clientId, active: true };
  let issuer = credentials.clientId;
  if (credentials.certificate) {
    result.type = 'temporary';
    const cert = typeof credentials.certificate === 'string' ? JSON.parse(credentials.certificate) : credentials.certificate;
    result.scopes = cert.scopes;
    result.start = new Date(cert.start);
    result.expiry = new Date(cert.expiry);
    if (cert.issuer) issuer = cert.issuer;
  } else {
    result.type = 'permanent';
  }
  const anonymous = new Auth({ rootUrl, credentials: {} });
  const auth = new Auth({ rootUrl, credentials });
  await Promise.all([
    anonymous.client(issuer).then((client) => {
      const expires = new Date(client.expires);
      if (!result.expiry || result.expiry > expires) result.expiry = expires;
      if (client.disabled) result.active = false;
    }),
    auth.currentScopes().then((response) => {
      result.scopes = response.scopes;
    }),
  ]);
  const now = new Date();
  if (result.start && result.start > now) result.active = false;
  else if (result.expiry && now > result.expiry) result.active = false;
  return result;
}

/** A stand-in for the Node client's `agents` export (HTTP agents do not apply to fetch). */
export const agents = {};

const taskcluster = {
  ...core.default,
  ...clients,
  clients,
  references,
  createClient,
  setServiceDiscoveryScheme,
  makeRequest,
  discover,
  credentialInformation,
  agents,
  ...objects,
};
export default taskcluster;
