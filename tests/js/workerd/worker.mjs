// Smoke test of the built package in workerd: imports the workerd entry, uses the utilities,
// and makes a real signed call to the local deployment through workerd's fetch.
import tc, { fromNowJSON, slugid, request } from './workerd.js';

function check(cond, what) {
  if (!cond) throw new Error(`workerd smoke test failed: ${what}`);
}

export default {
  async test(ctrl, env) {
    check(fromNowJSON('1 day', new Date('2017-01-19T16:27:20.974Z')) === '2017-01-20T16:27:20.974Z', 'fromNowJSON');
    check(/^[A-Za-f]/.test(slugid()) && tc.slugid.v4().length === 22, 'slugid');
    const options = { rootUrl: env.ROOT_URL, credentials: { clientId: env.CLIENT_ID, accessToken: env.ACCESS_TOKEN } };
    const res = await request(options, { serviceName: 'auth', name: 'expandScopes', method: 'post',
      route: '/scopes/expand', args: [], query: [], input: 'v1/scopeset.json#' }, { scopes: ["a:it's!"] });
    check(JSON.stringify(res.scopes) === JSON.stringify(["a:it's!"]), `signed POST: ${JSON.stringify(res)}`);
    try {
      await request(options, { serviceName: 'auth', name: 'client', method: 'get', route: '/clients/<clientId>',
        args: ['clientId'], query: [] }, 'missing/' + slugid());
      check(false, '404 should reject');
    } catch (err) {
      check(err.statusCode === 404 && err.code === 'ResourceNotFound', `404 error shape: ${err.code} ${err.statusCode}`);
    }
  },
};
