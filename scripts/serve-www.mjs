#!/usr/bin/env node
// A tiny static server for the browser dashboard: serves www/ at / and pkg/ at /pkg/ on
// 127.0.0.1, and nothing else. With --config FILE it also serves FILE at /config.json (read
// on every request, so it can be written after the server starts).
//
//   node scripts/serve-www.mjs [PORT] [--port PORT] [--config FILE]
//
// PORT 0 (the default) picks a free port. Prints the page's URL as the first line on stdout.
import { createServer } from 'node:http';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

const repo = resolve(new URL('..', import.meta.url).pathname);
const roots = { '/': join(repo, 'www'), '/pkg/': join(repo, 'pkg') };

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

function usage(message) {
  if (message) console.error(`serve-www: ${message}`);
  console.error('usage: node scripts/serve-www.mjs [PORT] [--port PORT] [--config FILE]');
  process.exit(2);
}

let port = 0;
let configPath = null;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--port' || a === '-p') port = argv[++i];
  else if (a.startsWith('--port=')) port = a.slice(7);
  else if (a === '--config') configPath = argv[++i];
  else if (a.startsWith('--config=')) configPath = a.slice(9);
  else if (a === '--help' || a === '-h') usage();
  else if (/^\d+$/.test(a)) port = a;
  else usage(`unknown argument ${a}`);
}
port = Number(port);
if (!Number.isInteger(port) || port < 0 || port > 65535) usage('the port must be a number from 0 to 65535');
if (configPath === undefined) usage('--config needs a file');
if (configPath) configPath = resolve(configPath);

/** The file a URL path maps to, or null when it is outside www/ and pkg/. */
async function fileFor(pathname) {
  const prefix = pathname.startsWith('/pkg/') ? '/pkg/' : '/';
  const base = roots[prefix];
  let rel = pathname.slice(prefix.length);
  if (rel === '' || rel.endsWith('/')) rel += 'index.html';
  // No dot-files or dot-directories (this also rules out `..`).
  if (rel.split('/').some((part) => part === '' || part.startsWith('.'))) return null;
  const file = resolve(base, rel);
  if (!file.startsWith(base + sep)) return null;
  // Symbolic links must stay inside their directory too.
  let real;
  try {
    real = await realpath(file);
  } catch {
    return null;
  }
  const realBase = await realpath(base);
  if (!real.startsWith(realBase + sep)) return null;
  if (!(await stat(real)).isFile()) return null;
  return real;
}

function send(res, status, type, body, head) {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(head ? undefined : body);
}

const server = createServer(async (req, res) => {
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
  } catch {
    send(res, 400, 'text/plain; charset=utf-8', 'bad request\n', head);
    return;
  }
  try {
    if (pathname === '/config.json') {
      if (!configPath) {
        send(res, 404, 'text/plain; charset=utf-8', 'no config\n', head);
        return;
      }
      send(res, 200, TYPES['.json'], await readFile(configPath), head);
      return;
    }
    if (pathname === '/pkg') {
      res.writeHead(301, { location: '/pkg/' }).end();
      return;
    }
    const file = await fileFor(pathname);
    if (!file) {
      send(res, 404, 'text/plain; charset=utf-8', 'not found\n', head);
      return;
    }
    send(res, 200, TYPES[extname(file)] || 'application/octet-stream', await readFile(file), head);
  } catch {
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n', head);
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${server.address().port}/`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
