// Benchmark (prints figures): the npm package's size, file by file, raw and gzip -9, and the
// total that a page needs to run (every class; wasm plus JS): the module graph of the package's
// "browser" export condition, followed through its static imports and the files it references
// with `new URL('…', import.meta.url)`. Build first: `cargo xtask pkg`.
//
//   node benches/size.mjs [pkg-dir] [--max KIB]   (--max: exit 1 when the page total is larger)
//
// benches/run.mjs imports packageSize() for its results.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * The files of `dir` that pages load: `{loaded, plain}` (module graphs of the "browser" and
 * the "default" conditions), and `{raw, gzip}` of the larger of the two page totals.
 */
export function packageSize(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const entry = pkg.exports['.'].browser;
  if (!entry) throw new Error(`${dir}/package.json: exports["."] has no "browser" condition`);

  // A module graph: the files reached from an entry (static imports and `new URL` references).
  // A dynamic `import('./x.js')` is loaded only on demand (the opt-in validator): it is not
  // counted, but it must exist and, in the browser graph, import no `node:` module either.
  const graph = (start, { noNode }) => {
    const seen = new Set();
    const visit = (file) => {
      const rel = normalize(relative(dir, file));
      if (seen.has(rel)) return;
      if (!existsSync(file)) throw new Error(`${rel} is referenced from ${start} but is not in ${dir}`);
      seen.add(rel);
      if (!file.endsWith('.js')) return;
      const text = readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(/\bimport\s*\(\s*["'](\.{1,2}\/[^"']+)["']/g)) {
        const target = join(dirname(file), spec);
        if (!existsSync(target)) throw new Error(`${spec} is imported on demand from ${rel} but is not in ${dir}`);
        if (noNode && /(?:\bfrom|\bimport)\s*\(?\s*["']node:/.test(readFileSync(target, 'utf8'))) {
          throw new Error(`${spec} (imported on demand from ${rel}) imports a node: module`);
        }
      }
      const refs = [
        ...text.matchAll(/(?:\bfrom|\bimport)\s*["'](\.{1,2}\/[^"']+)["']/g),
        ...text.matchAll(/new URL\(\s*["']([^"':]+)["']\s*,\s*import\.meta\.url\s*\)/g),
      ];
      for (const [, spec] of refs) visit(join(dirname(file), spec));
      if (noNode && /(?:\bfrom|\bimport)\s*\(?\s*["']node:/.test(text)) {
        throw new Error(`${rel} (reached from ${start}) imports a node: module`);
      }
    };
    visit(join(dir, start));
    return seen;
  };
  // What a bundled page loads (the "browser" condition), and what a page that imports index.js
  // as plain ESM without a bundler loads (as www/ does).
  const loaded = graph(entry, { noNode: true });
  const plain = graph(pkg.exports['.'].default, { noNode: false });

  const size = (files) => {
    let raw = 0;
    let gz = 0;
    for (const f of files) {
      const b = readFileSync(join(dir, f));
      raw += b.length;
      gz += gzipSync(b, { level: 9 }).length;
    }
    return { raw, gz };
  };

  const a = size(loaded);
  const b = size(plain);
  const worst = a.gz >= b.gz ? a : b;
  return { dir, loaded, plain, size, raw: worst.raw, gzip: worst.gz };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--max');
  const max = at >= 0 ? Number(args.splice(at, 2)[1]) : undefined;
  const dir = args[0] || 'pkg';

  const { loaded, plain, size } = packageSize(dir);
  console.log(`${'file'.padEnd(34)} ${'raw'.padStart(10)} ${'gzip -9'.padStart(10)}`);
  const walk = (d, prefix = '') => readdirSync(d).sort().flatMap((f) =>
    statSync(join(d, f)).isDirectory() ? walk(join(d, f), `${prefix}${f}/`) : [`${prefix}${f}`]);
  for (const f of walk(dir)) {
    const { raw, gz } = size([f]);
    const where = [loaded.has(normalize(f)) && 'browser', plain.has(normalize(f)) && 'plain ESM'].filter(Boolean);
    console.log(`${(f.length > 34 ? '…' + f.slice(-33) : f).padEnd(34)} ${String(raw).padStart(10)} ${String(gz).padStart(10)}  ${where.length ? where.join(', ') : '(not loaded by a page)'}`);
  }

  const kib = (n) => (n / 1024).toFixed(1);
  const totals = [['a bundled page ("browser" condition)', loaded], ['a page importing index.js without a bundler', plain]].map(([what, files]) => {
    const { raw, gz } = size(files);
    console.log(`total loaded by ${what} (${[...files].join(' + ')}): ${kib(raw)} KiB raw, ${kib(gz)} KiB gzip -9`);
    return gz;
  });
  console.log('(budget 150 KiB gzip; the official browser client needs about 250 KiB gzip)');
  if (max !== undefined) {
    const worst = Math.max(...totals);
    if (!(worst <= max * 1024)) {
      console.log(`FAIL: ${kib(worst)} KiB gzip is over ${max} KiB`);
      process.exit(1);
    }
    console.log(`ok: ${kib(worst)} KiB gzip <= ${max} KiB`);
  }

}
