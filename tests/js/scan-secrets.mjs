// Scans test logs for secrets: `node tests/js/scan-secrets.mjs DIR [TOKEN...]`.
//
// A leak is any of: one of the given access tokens; a bewit whose MAC shows (a bewit is
// base64url of `id\exp\mac\ext`: a prefix that stops before the MAC, as the demo prints, is
// not a leak); a Hawk Authorization header's `mac="…"`; the signature or session token of a
// presigned URL (`signature=`, `X-Amz-Signature=`, `X-Amz-Security-Token=`, `sig=` with a
// value of 16 characters or more). Exits 1 naming the file and what leaked, never the secret.
//
// `--self-test` first checks that each kind of leak is found in a synthetic log.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function leaks(text, tokens) {
  const found = [];
  for (const t of tokens) if (t && text.includes(t)) found.push('an access token');
  for (const m of text.matchAll(/bewit=([A-Za-z0-9_-]+)/g)) {
    let raw = '';
    try { raw = Buffer.from(m[1], 'base64url').toString('latin1'); } catch (_) { /* not base64 */ }
    const fields = raw.split('\\');
    // A MAC is 44 base64 characters; 8 of them already identify it.
    if (fields.length >= 3 && fields[2].length >= 8) found.push('a bewit with its MAC');
  }
  if (/\bmac="[A-Za-z0-9+/=]{8,}"/.test(text)) found.push('a Hawk mac');
  if (/[?&](x-amz-signature|signature|x-amz-security-token|sig)=[A-Za-z0-9%+/=_-]{16,}/i.test(text)) found.push('a presigned-URL signature');
  return [...new Set(found)];
}

function selfTest() {
  const bewit = Buffer.from('static/root\\1800000000\\' + 'A'.repeat(44) + '\\').toString('base64url');
  const prefix = Buffer.from('static/root\\18000').toString('base64url');
  const cases = [
    ['token tok-123456', ['tok-123456'], 1],
    [`GET http://h/x?bewit=${bewit}`, [], 1],
    [`signed URL: http://h/x?bewit=${prefix}…`, [], 0],
    ['Authorization: Hawk id="a", ts="1", nonce="n", mac="c2lnbmF0dXJlLW9mLXRoZS1yZXF1ZXN0"', [], 1],
    ['PUT https://s3/x?X-Amz-Signature=0123456789abcdef0123&X-Amz-Date=1', [], 1],
    ['{"signature":"C4fAv+h+eAL/gfNH4943wuDkh127nLEAiCqXtBCzG58="} in a certificate', [], 0],
    ['url: http://h/x (query removed)', [], 0],
  ];
  for (const [text, tokens, n] of cases) {
    if (leaks(text, tokens).length !== n) throw new Error(`scan-secrets self-test failed on ${JSON.stringify(text.slice(0, 60))}`);
  }
  console.log(`scan-secrets: self-test passed (${cases.length} cases)`);
}

const args = process.argv.slice(2);
if (args[0] === '--self-test') { selfTest(); args.shift(); }
if (args.length) {
  const [dir, ...tokens] = args;
  const files = readdirSync(dir).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
  let bad = 0;
  for (const f of files) {
    const found = leaks(readFileSync(f, 'latin1'), tokens);
    if (found.length) { console.log(`${f}: ${found.join(', ')}`); bad++; }
  }
  console.log(bad ? `secrets found in ${bad} of ${files.length} logs` : `no token, bewit MAC, Hawk mac or presigned signature in ${files.length} logs`);
  process.exit(bad ? 1 : 0);
}
