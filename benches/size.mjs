// Benchmark (prints figures): the npm package's size, file by file, raw and gzip -9, and the
// total that a page needs to run (every class; wasm plus JS). Build first: `cargo xtask pkg`.
//
//   node benches/size.mjs [pkg-dir]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dir = process.argv[2] || 'pkg';
const runtime = (f) => (f.endsWith('.js') || f.endsWith('.wasm')) && f !== 'workerd.js';
let raw = 0;
let gz = 0;
console.log(`${'file'.padEnd(34)} ${'raw'.padStart(10)} ${'gzip -9'.padStart(10)}`);
const walk = (d, prefix = '') => readdirSync(d).sort().flatMap((f) =>
  statSync(join(d, f)).isDirectory() ? walk(join(d, f), `${prefix}${f}/`) : [`${prefix}${f}`]);
for (const f of walk(dir)) {
  const b = readFileSync(join(dir, f));
  const z = gzipSync(b, { level: 9 }).length;
  const counted = runtime(f);
  if (counted) {
    raw += b.length;
    gz += z;
  }
  console.log(`${(f.length > 34 ? '…' + f.slice(-33) : f).padEnd(34)} ${String(b.length).padStart(10)} ${String(z).padStart(10)}${counted ? '' : '  (not loaded at run time)'}`);
}
const kib = (n) => (n / 1024).toFixed(1);
console.log(`total loaded by a page: ${kib(raw)} KiB raw, ${kib(gz)} KiB gzip -9 (budget 150 KiB gzip; the official browser client needs about 250 KiB gzip)`);
