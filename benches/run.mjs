// The benchmark suite: taskcluster-wasm against the official clients and raw transports, all
// measured in the same run, interleaved, against one local deployment (release tc-devserver on
// 127.0.0.1). Prints figures and ratios (medians with min/max over rounds); asserts nothing.
//
//   node benches/run.mjs [--quick] [--only=calls,sign,cold,transfer,load,size]
//                        [--no-native] [--no-deno] [--no-chromium] [--rounds=N]
//   node benches/run.mjs --chart       redraw target/bench/ratios.svg from results.json
//
// Installs and builds what is missing: the npm tools (tests/js), the anchors (benches/anchors,
// from its package-lock.json), the anchors bundle (esbuild), pkg/ (`cargo xtask pkg`, rebuilt when
// src/ or js/ is newer), the release devserver and the native bench binary (benches/native-anchors,
// its own cargo workspace). Writes target/bench/results.json and target/bench/ratios.svg.
//
// Interleaving: every round runs every (host, client) once, in an order rotated by one each
// round (ABC, BCA, CAB, …), each in a fresh process. Ratios are paired per round (ours ÷ anchor
// in the same round) and reported as median [min–max] across rounds.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { packageSize } from './size.mjs';

const ROOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT_DIR);
const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (k, d) => (argv.find((a) => a.startsWith(`--${k}=`)) || `=${d}`).split('=')[1];
const QUICK = flag('--quick');
const ONLY = opt('only', 'calls,sign,cold,transfer,load,size').split(',');
const cfg = QUICK
  ? { rounds: 3, callSeconds: 1, signRounds: 5, signMs: 150, coldRounds: 7, transferMiB: 64, transferRounds: 2, loadTotal: 10000 }
  : { rounds: 7, callSeconds: 3, signRounds: 11, signMs: 300, coldRounds: 15, transferMiB: 1024, transferRounds: 2, loadTotal: 100000 };
if (opt('rounds', '')) cfg.rounds = Number(opt('rounds', ''));
const OUT = 'target/bench';
const NATIVE_BIN = 'target/bench-native/release/tc-bench-native';
const DENO = 'tests/js/node_modules/deno/deno';
mkdirSync(OUT, { recursive: true });

const log = (...a) => console.error(...a);
const sh = (cmd, args, o = {}) => {
  log(`$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...o });
};
const newest = (d) => (statSync(d).isDirectory() ? Math.max(0, ...readdirSync(d).map((f) => newest(join(d, f)))) : statSync(d).mtimeMs);

// ------------------------------------------------------------------ install and build
function prepare() {
  if (!existsSync('tests/js/node_modules/.bin/esbuild')) sh('npm', ['install', '--no-audit', '--no-fund'], { cwd: 'tests/js' });
  if (!existsSync('benches/anchors/node_modules/taskcluster-client')) sh('npm', ['ci', '--no-audit', '--no-fund'], { cwd: 'benches/anchors' });
  sh('benches/anchors/node_modules/.bin/esbuild', ['benches/anchors/bundle.mjs', '--bundle', '--platform=node', '--format=esm',
    '--target=node20', `--outfile=${OUT}/anchors.mjs`, '--log-level=warning',
    "--banner:js=import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"]);
  const wasm = 'pkg/taskcluster_wasm_bg.wasm';
  if (!existsSync(wasm) || Math.max(newest('src'), newest('js')) > statSync(wasm).mtimeMs) sh('cargo', ['xtask', 'pkg']);
  sh('cargo', ['build', '--release', '-q', '-p', 'tc-devserver']);
  if (!flag('--no-native')) {
    sh('cargo', ['build', '--release', '-q', '--manifest-path', 'benches/native-anchors/Cargo.toml', '--target-dir', 'target/bench-native']);
  }
}

// ------------------------------------------------------------------ the local deployment
async function startDevserver() {
  const token = execFileSync('sh', ['-c', "head -c 33 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\\n'"]).toString();
  const server = spawn('target/release/tc-devserver', ['--port', '0', '--references', 'references', '--exit-on-stdin-close'], {
    env: { ...process.env, TC_DEVSERVER_ACCESS_TOKEN: token }, stdio: ['pipe', 'pipe', 'ignore'],
  });
  const line = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => { out += d; if (out.includes('\n')) resolve(out.split('\n')[0]); });
    server.on('exit', (c) => reject(new Error(`tc-devserver exited with ${c}`)));
  });
  const { rootUrl, clientId } = JSON.parse(line);
  const tc = (await import('../pkg/index.js')).default;
  const queue = new tc.Queue({ rootUrl, credentials: { clientId, accessToken: token } });
  const task = tc.slugid();
  await queue.createTask(task, {
    taskQueueId: 'bench/calls', schedulerId: 'bench', projectId: 'none', priority: 'lowest',
    created: tc.fromNowJSON(), deadline: tc.fromNowJSON('1 day'), expires: tc.fromNowJSON('2 days'), payload: {},
    metadata: { name: 'bench', description: 'benches/run.mjs', owner: 'bench@example.com', source: 'https://example.com/bench' },
  });
  return { server, env: { ...process.env, ROOT: rootUrl, ID: clientId, TOKEN: token, TASK: task, DENO_DIR: join(ROOT_DIR, 'target/deno-dir'), DENO_NO_UPDATE_CHECK: '1' } };
}

// ------------------------------------------------------------------ statistics
const median = (a) => { const s = [...a].sort((x, y) => x - y); const n = s.length; return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const summary = (a) => ({ median: median(a), min: Math.min(...a), max: Math.max(...a), runs: a });
const paired = (a, b) => summary(a.map((x, i) => x / b[i]).filter(Number.isFinite));
const fmt = (x, d = 0) => (x >= 100000 ? `${(x / 1000).toFixed(0)}k` : x.toFixed(d));
const fr = (s) => `${s.median.toFixed(2)}× [${s.min.toFixed(2)}–${s.max.toFixed(2)}]`;

// ------------------------------------------------------------------ runners (one process each)
let ENV;
function runJson(cmd, args, timeoutMs) {
  const r = spawnSync(cmd, args, { env: ENV, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || '').slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}
const HOSTS = {
  node: { baseline: 'fetch', clients: ['fetch', 'fetch+hawk', 'taskcluster-wasm', 'client-web', 'taskcluster-client', 'taskcluster-client+keepalive'],
    run: (args, t) => runJson(process.execPath, ['benches/node/calls.mjs', ...args], t) },
  deno: { baseline: 'fetch', clients: ['fetch', 'fetch+hawk', 'taskcluster-wasm', 'client-web'],
    run: (args, t) => runJson(DENO, ['run', '-A', '--no-config', 'benches/node/calls.mjs', ...args], t) },
  native: { baseline: 'reqwest', clients: ['reqwest', 'reqwest+hawk', 'taskcluster-wasm', 'taskcluster'],
    run: (args, t) => runJson(NATIVE_BIN, args, t) },
};
// Chromium runs in one browser launch per round that measures both its clients (rotated).
HOSTS.chromium = { baseline: 'fetch', clients: ['fetch', 'taskcluster-wasm'], grouped: true,
  run: (args, t) => runJson(process.execPath, ['benches/browser/calls.mjs', ...args], t) };
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const hosts = Object.keys(HOSTS).filter((h) => !(h === 'native' && flag('--no-native')) && !(h === 'deno' && (flag('--no-deno') || !existsSync(DENO)))
  && !(h === 'chromium' && (flag('--no-chromium') || !existsSync(CHROMIUM))));
const rotate = (list, r) => list.map((_, i) => list[(i + r) % list.length]);

const results = { date: new Date().toISOString(), quick: QUICK, config: cfg, machine: {}, figures: {}, ratios: [] };
const ratio = (figure, label, s, goal) => results.ratios.push({ figure, label, ...s, goal });

function benchCalls() {
  const figures = {};
  for (const conc of [1, 16]) {
    const slots = hosts.flatMap((h) => (HOSTS[h].grouped ? [[h, '*']] : HOSTS[h].clients.map((c) => [h, c])));
    const runs = Object.fromEntries(hosts.flatMap((h) => HOSTS[h].clients.map((c) => [`${h}/${c}`, []])));
    for (let r = 0; r < cfg.rounds; r++) {
      log(`calls: concurrency ${conc}, round ${r + 1}/${cfg.rounds}`);
      for (const [h, c] of rotate(slots, r)) {
        if (c === '*') {
          const out = HOSTS[h].run(['1', String(cfg.callSeconds), String(conc), String(r)], 180000)[conc];
          for (const [k, v] of Object.entries(out)) runs[`${h}/${k}`].push(v[0]);
        } else {
          runs[`${h}/${c}`].push(HOSTS[h].run(['calls', c, String(conc), String(cfg.callSeconds)], 120000));
        }
      }
    }
    for (const h of hosts) {
      const base = runs[`${h}/${HOSTS[h].baseline}`].map((x) => x.rate);
      for (const c of HOSTS[h].clients) {
        const rs = runs[`${h}/${c}`];
        const f = { rate: summary(rs.map((x) => x.rate)), p50: summary(rs.map((x) => x.p50)), p99: summary(rs.map((x) => x.p99)), vsBaseline: paired(rs.map((x) => x.rate), base) };
        ((figures[h] ||= {})[conc] ||= {})[c] = f;
        if (c !== HOSTS[h].baseline) ratio(`calls ${h} c${conc}`, `${c} ÷ ${HOSTS[h].baseline}`, f.vsBaseline, c === 'taskcluster-wasm' && h === 'node' ? 0.95 : undefined);
      }
      if (h === 'native') {
        const ours = runs['native/taskcluster-wasm'].map((x) => x.rate);
        ratio(`calls native c${conc}`, 'taskcluster-wasm ÷ taskcluster crate', paired(ours, runs['native/taskcluster'].map((x) => x.rate)), 1.0);
      }
    }
  }
  results.figures.calls = figures;
  console.log('\n== Queue.task() calls/s (median [min–max] over rounds; latency ms p50/p99 medians)');
  for (const h of hosts) for (const conc of [1, 16]) {
    console.log(`-- ${h}, concurrency ${conc}`);
    for (const [c, f] of Object.entries(figures[h][conc])) {
      console.log(`  ${c.padEnd(30)} ${fmt(f.rate.median).padStart(7)} [${fmt(f.rate.min)}–${fmt(f.rate.max)}]  p50 ${f.p50.median.toFixed(2).padStart(6)}  p99 ${f.p99.median.toFixed(2).padStart(7)}${c === HOSTS[h].baseline ? '' : `  ÷ ${HOSTS[h].baseline}: ${fr(f.vsBaseline)}`}`);
    }
  }
}

function benchSign() {
  const node = runJson(process.execPath, ['benches/node/sign.mjs', String(cfg.signRounds), String(cfg.signMs)], 300000);
  const figures = { node: Object.fromEntries(Object.entries(node).map(([k, v]) => [k, summary(v)])) };
  for (const a of ['url/hawk', 'url/client-web', 'url/taskcluster-client']) ratio('signed URL node', `taskcluster-wasm ÷ ${a.slice(4)}`, paired(node['url/taskcluster-wasm'], node[a]));
  if (hosts.includes('native')) {
    const nat = runJson(NATIVE_BIN, ['sign', String(cfg.signRounds), String(cfg.signMs)], 300000);
    figures.native = Object.fromEntries(Object.entries(nat).map(([k, v]) => [k, summary(v)]));
    for (const a of ['url/hawk', 'url/taskcluster']) ratio('signed URL native', `taskcluster-wasm ÷ ${a.slice(4)} crate`, paired(nat['url/taskcluster-wasm'], nat[a]));
    ratio('Hawk header native', 'taskcluster-wasm ÷ hawk crate', paired(nat['header/taskcluster-wasm'], nat['header/hawk']));
  }
  results.figures.sign = figures;
  const goals = { 'node/url/taskcluster-wasm': 200000, 'native/url/taskcluster-wasm': 600000 };
  console.log('\n== signing, ops/s (median [min–max] over interleaved rounds, in-process)');
  for (const [h, ops] of Object.entries(figures)) for (const [k, s] of Object.entries(ops)) {
    const g = goals[`${h}/${k}`];
    console.log(`  ${h.padEnd(7)} ${k.padEnd(26)} ${fmt(s.median).padStart(8)} [${fmt(s.min)}–${fmt(s.max)}]${g ? `   goal ≥ ${fmt(g)}` : ''}`);
  }
}

function benchCold() {
  const clients = ['fetch', 'taskcluster-wasm', 'client-web', 'taskcluster-client'];
  const runs = Object.fromEntries(clients.map((c) => [c, []]));
  for (let r = 0; r < cfg.coldRounds; r++) {
    for (const c of rotate(clients, r)) {
      const t0 = process.hrtime.bigint();
      const p = spawnSync(process.execPath, ['benches/node/coldstart.mjs', c], { env: ENV, encoding: 'utf8', timeout: 60000 });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (p.status !== 0) throw new Error(`cold start ${c} failed: ${p.stderr}`);
      runs[c].push(ms);
    }
  }
  const figures = Object.fromEntries(clients.map((c) => [c, { ms: summary(runs[c]), vsFetch: paired(runs[c], runs.fetch) }]));
  for (const c of clients.slice(1)) ratio('cold start node (time, lower wins)', `${c} ÷ node+fetch`, figures[c].vsFetch, c === 'taskcluster-wasm' ? -1.1 : undefined);
  results.figures.coldStart = figures;
  console.log('\n== cold start to first authenticated call, Node (process spawn to exit, ms)');
  for (const [c, f] of Object.entries(figures)) console.log(`  ${c.padEnd(22)} ${f.ms.median.toFixed(0).padStart(5)} [${f.ms.min.toFixed(0)}–${f.ms.max.toFixed(0)}]${c === 'fetch' ? '' : `  ÷ node+fetch: ${fr(f.vsFetch)}`}`);
}

function benchTransfer() {
  const mib = String(cfg.transferMiB);
  const slots = [['node', 'taskcluster-wasm'], ['node', 'taskcluster-client'], ['node', 'fetch']];
  if (hosts.includes('native')) slots.push(['native', 'package'], ['native', 'baseline']);
  const runs = Object.fromEntries(slots.map(([h, c]) => [`${h}/${c}`, []]));
  for (let r = 0; r < cfg.transferRounds; r++) {
    log(`transfer: ${mib} MiB, round ${r + 1}/${cfg.transferRounds}`);
    for (const [h, c] of rotate(slots, r)) {
      runs[`${h}/${c}`].push(h === 'node'
        ? runJson(process.execPath, ['benches/node/transfer.mjs', c, mib], 900000)
        : runJson(NATIVE_BIN, ['transfer', c, mib], 900000));
    }
  }
  const figures = Object.fromEntries(Object.entries(runs).map(([k, rs]) => [k, {
    upload: summary(rs.map((x) => x.upload)), download: summary(rs.map((x) => x.download)), peakRssMiB: summary(rs.map((x) => x.rssMiB)),
  }]));
  const col = (k, f) => runs[k].map((x) => x[f]);
  for (const f of ['download', 'upload']) {
    ratio(`${mib} MiB ${f} node`, 'taskcluster-wasm ÷ taskcluster-client', paired(col('node/taskcluster-wasm', f), col('node/taskcluster-client', f)), f === 'download' ? 1.0 : undefined);
    ratio(`${mib} MiB ${f} node`, 'taskcluster-wasm ÷ fetch+node:crypto', paired(col('node/taskcluster-wasm', f), col('node/fetch', f)));
    if (hosts.includes('native')) ratio(`${mib} MiB ${f} native`, 'taskcluster-wasm ÷ reqwest+sha2', paired(col('native/package', f), col('native/baseline', f)));
  }
  results.figures.transfer = { MiB: cfg.transferMiB, ...figures };
  console.log(`\n== ${mib} MiB object, upload and verified download (MB/s; peak RSS MiB), ${cfg.transferRounds} interleaved rounds`);
  for (const [k, f] of Object.entries(figures)) {
    console.log(`  ${k.padEnd(26)} up ${fmt(f.upload.median, 1).padStart(7)} [${fmt(f.upload.min, 1)}–${fmt(f.upload.max, 1)}]  down ${fmt(f.download.median, 1).padStart(7)} [${fmt(f.download.min, 1)}–${fmt(f.download.max, 1)}]  RSS ${f.peakRssMiB.max.toFixed(0)}`);
  }
}

function benchLoad() {
  const cases = [['1000 concurrent', 1000, 1000], [`${cfg.loadTotal} calls at c16`, cfg.loadTotal, 16]];
  const slots = [['node', 'taskcluster-wasm'], ['node', 'fetch']];
  if (hosts.includes('native')) slots.push(['native', 'taskcluster-wasm'], ['native', 'reqwest']);
  const figures = {};
  for (const [name, total, conc] of cases) {
    log(`load: ${name}`);
    for (const [h, c] of slots) {
      const r = HOSTS[h].run(['load', c, String(total), String(conc)], 600000);
      // Growth in the steady state: the last RSS sample against the one halfway through (the
      // first half includes JIT warm-up and heap sizing, which the baseline shows as well).
      const s = r.rssSamples;
      const at = (f) => (s.length ? s[Math.min(s.length - 1, Math.floor(s.length * f))][1] : r.rssEndMiB);
      const [quarter, half, late] = [at(0.25), at(0.5), s.length ? s[s.length - 1][1] : r.rssEndMiB];
      (figures[name] ||= {})[`${h}/${c}`] = { calls: r.calls, seconds: r.seconds, rate: r.rate, p50: r.p50, p99: r.p99,
        rssStartMiB: r.rssStartMiB, rssAtQuarterMiB: quarter, rssAtHalfMiB: half, rssEndMiB: r.rssEndMiB, rssPeakMiB: r.rssPeakMiB, growthMiB: late - half,
        rssSamples: s.filter((_, i) => i % Math.max(1, Math.floor(s.length / 50)) === 0) };
    }
  }
  results.figures.load = figures;
  console.log('\n== load (one run each; RSS MiB sampled every 50 ms; growth = last sample − sample at half-time)');
  for (const [name, fs] of Object.entries(figures)) {
    console.log(`-- ${name}`);
    for (const [k, f] of Object.entries(fs)) {
      console.log(`  ${k.padEnd(24)} ${String(f.calls).padStart(6)} calls in ${f.seconds.toFixed(1).padStart(5)} s = ${fmt(f.rate).padStart(6)}/s  p50 ${f.p50.toFixed(1).padStart(7)} p99 ${f.p99.toFixed(1).padStart(7)} ms  RSS start ${f.rssStartMiB.toFixed(0)} ¼ ${f.rssAtQuarterMiB.toFixed(0)} ½ ${f.rssAtHalfMiB.toFixed(0)} peak ${f.rssPeakMiB.toFixed(0)} end ${f.rssEndMiB.toFixed(0)} growth ${f.growthMiB >= 0 ? '+' : ''}${f.growthMiB.toFixed(1)}`);
    }
  }
}

function benchSize() {
  const ours = packageSize('pkg');
  const web = readFileSync(`${OUT}/anchors.mjs`);
  results.figures.size = { packageGzipKiB: ours.gzip / 1024, packageRawKiB: ours.raw / 1024, budgetKiB: 150,
    note: 'whole package, wasm + JS loaded by a page, gzip -9' };
  console.log(`\n== package size: ${(ours.gzip / 1024).toFixed(1)} KiB gzip -9 (${(ours.raw / 1024).toFixed(1)} KiB raw), budget 150 KiB`);
  console.log(`   (for reference only: the esbuild Node bundle of taskcluster-client-web + hawk is ${(gzipSync(web, { level: 9 }).length / 1024).toFixed(1)} KiB gzip unminified; a browser build needs Node polyfills on top)`);
}

// ------------------------------------------------------------------ the chart
function svg(ratios) {
  const rows = ratios.filter((r) => Number.isFinite(r.median));
  const W = 1180, left = 560, right = 130, rowH = 22, top = 62;
  // The scale stops at 2.5×: a longer whisker is cut (its end printed).
  const max = Math.min(2.5, Math.max(1.5, ...rows.map((r) => r.max)) * 1.05);
  const x = (v) => left + (Math.min(v, max) / max) * (W - left - right);
  const H = top + rows.length * rowH + 30;
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  let out = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="white"/>\n`;
  out += `<text x="10" y="18" font-size="14" font-weight="bold">taskcluster-wasm benchmark ratios${results.quick ? ' (quick run)' : ''}: median bar, min–max whisker; ${esc(results.date)}</text>\n`;
  out += `<text x="10" y="34" fill="#555">calls/s, ops/s, MB/s: higher is better · cold start (time): lower is better</text>\n`;
  out += `<text x="10" y="50" fill="#555">bold/blue: taskcluster-wasm · grey: an anchor against its baseline · green/orange: meets/misses the goal (red tick)</text>\n`;
  for (let v = 0; v <= max; v += 0.5) out += `<line x1="${x(v)}" y1="${top - 4}" x2="${x(v)}" y2="${H - 24}" stroke="${v === 1 ? '#000' : '#ddd'}"/><text x="${x(v)}" y="${H - 10}" text-anchor="middle" fill="#555">${v.toFixed(1)}×</text>\n`;
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const ok = r.goal === undefined ? null : r.goal < 0 ? r.median <= -r.goal : r.median >= r.goal;
    const ours = r.label.startsWith('taskcluster-wasm');
    const color = ok === null ? (ours ? '#1565c0' : '#9e9e9e') : ok ? '#2e7d32' : '#ef6c00';
    out += `<text x="${left - 8}" y="${y + 15}" text-anchor="end"${ours ? ' font-weight="bold"' : ''}>${esc(`${r.figure}: ${r.label}`)}</text>\n`;
    out += `<rect x="${left}" y="${y + 4}" width="${Math.max(1, x(r.median) - left)}" height="${rowH - 8}" fill="${color}"/>\n`;
    out += `<line x1="${x(r.min)}" y1="${y + 11}" x2="${x(r.max)}" y2="${y + 11}" stroke="#000"/>\n`;
    if (r.goal !== undefined) out += `<line x1="${x(Math.abs(r.goal))}" y1="${y + 2}" x2="${x(Math.abs(r.goal))}" y2="${y + rowH - 2}" stroke="#c62828" stroke-width="2"/>\n`;
    const cut = r.max > max ? ` (max ${r.max.toFixed(2)})` : '';
    out += `<text x="${x(r.max) + 4}" y="${y + 15}" fill="#333">${r.median.toFixed(2)}${cut}</text>\n`;
  });
  return `${out}</svg>\n`;
}

// ------------------------------------------------------------------ main
if (flag('--chart')) {
  // Redraw the chart of the last run without measuring.
  Object.assign(results, JSON.parse(readFileSync(`${OUT}/results.json`, 'utf8')));
  writeFileSync(`${OUT}/ratios.svg`, svg(results.ratios));
  console.log(`wrote ${OUT}/ratios.svg from ${OUT}/results.json`);
  process.exit(0);
}
const t0 = Date.now();
prepare();
const { server, env } = await startDevserver();
ENV = env;
const version = (cmd, args) => { try { return execFileSync(cmd, args, { encoding: 'utf8' }).split('\n')[0].trim(); } catch { return null; } };
results.machine = { node: process.version, deno: hosts.includes('deno') ? version(DENO, ['--version']) : null, rustc: version('rustc', ['--version']),
  cpus: cpus().length, cpu: cpus()[0]?.model, loadavgAtStart: loadavg() };
log(`local deployment at ${env.ROOT}; hosts: ${hosts.join(', ')}; ${QUICK ? 'quick' : 'full'} mode`);
try {
  if (ONLY.includes('calls')) benchCalls();
  if (ONLY.includes('sign')) benchSign();
  if (ONLY.includes('cold')) benchCold();
  if (ONLY.includes('transfer')) benchTransfer();
  if (ONLY.includes('load')) benchLoad();
  if (ONLY.includes('size')) benchSize();
} finally {
  server.stdin.end();
  server.kill();
}
results.machine.loadavgAtEnd = loadavg();
results.seconds = (Date.now() - t0) / 1000;
writeFileSync(`${OUT}/results.json`, `${JSON.stringify(results, null, 1)}\n`);
writeFileSync(`${OUT}/ratios.svg`, svg(results.ratios));
console.log('\n== ratios (taskcluster-wasm or anchor ÷ baseline, paired per round: median [min–max]; goal)');
for (const r of results.ratios) {
  const g = r.goal === undefined ? '' : r.goal < 0 ? `  goal ≤ ${(-r.goal).toFixed(2)}` : `  goal ≥ ${r.goal.toFixed(2)}`;
  console.log(`  ${`${r.figure}:`.padEnd(42)} ${r.label.padEnd(44)} ${fr(r)}${g}`);
}
console.log(`\nwrote ${OUT}/results.json and ${OUT}/ratios.svg in ${results.seconds.toFixed(0)} s (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; the machine is shared: compare ratios, not absolutes)`);
