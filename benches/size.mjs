// Benchmark (prints figures): the npm package's size, file by file, raw and gzip -9, and the
// total that a page needs to run (every class; wasm plus JS). Build first: `cargo xtask pkg`.
//
//   node benches/size.mjs [pkg-dir]
//
// benches/run.mjs imports packageSize() for its results.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const runtime = (f) => (f.endsWith('.js') || f.endsWith('.wasm')) && f !== 'workerd.js';
const walk = (d, prefix = '') => readdirSync(d).sort().flatMap((f) =>
  statSync(join(d, f)).isDirectory() ? walk(join(d, f), `${prefix}${f}/`) : [`${prefix}${f}`]);

/** Every file of `dir` with its raw and gzip -9 size, and the totals of what a page loads. */
export function packageSize(dir) {
  const files = walk(dir).map((f) => {
    const b = readFileSync(join(dir, f));
    return { file: f, raw: b.length, gzip: gzipSync(b, { level: 9 }).length, loaded: runtime(f) };
  });
  const loaded = files.filter((f) => f.loaded);
  return { files, raw: loaded.reduce((a, f) => a + f.raw, 0), gzip: loaded.reduce((a, f) => a + f.gzip, 0) };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { files, raw, gzip } = packageSize(process.argv[2] || 'pkg');
  console.log(`${'file'.padEnd(34)} ${'raw'.padStart(10)} ${'gzip -9'.padStart(10)}`);
  for (const f of files) {
    console.log(`${(f.file.length > 34 ? '…' + f.file.slice(-33) : f.file).padEnd(34)} ${String(f.raw).padStart(10)} ${String(f.gzip).padStart(10)}${f.loaded ? '' : '  (not loaded at run time)'}`);
  }
  const kib = (n) => (n / 1024).toFixed(1);
  console.log(`total loaded by a page: ${kib(raw)} KiB raw, ${kib(gzip)} KiB gzip -9 (budget 150 KiB gzip; the official browser client needs about 250 KiB gzip)`);
}
