#!/usr/bin/env node
// Thaman's bench: what the extension costs a page, measured in real Chromium
// on a synthetic infinite feed, in four configurations alternating round by
// round: no extension (`none`), no extension again (`none2`, the noise pair),
// the extension (`with`), and the same build with its counter hidden by the
// person's own setting (`hidden`). Then the service worker's cold start and
// the popup. See bench/README.md for what each number means.
//
//   node bench/run.mjs [--rounds 9] [--seconds 20] [--warmup 2] [--speed 600]
//                      [--attribution 3] [--sites facebook,x] [--stops 9]
//                      [--configs none,none2,with,hidden] [--no-write]
//                      [--save-baseline] [--variant DIR]...
//
// Each `--variant DIR` adds a configuration named after DIR: another build
// of the extension (a copy of dist/chrome with one thing changed), run in
// the same rounds as the others, for an ablation (bench/findings.md).
//
// Prints a table of medians and ratios and writes bench/results.md (and the
// raw samples to bench/results.json). No network: pages are served by request
// interception, everything else is aborted, and the host resolver maps every
// name to nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import puppeteer from '../tests/e2e/node_modules/puppeteer-core/lib/esm/puppeteer/puppeteer-core.js';
import * as harness from '../tests/e2e/harness.mjs';

const { DIST, EXTENSION_ORIGIN, isOverlayUrl, overlayFrame, sleep } = harness;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DEBUG = Boolean(process.env.BENCH_DEBUG);
const debug = (...args) => DEBUG && console.log('[debug]', ...args);

/**
 * Finds Thaman's counter host from the page's main world, or null: the e2e
 * harness's own finder (`pageHost`), so the bench follows the counter when
 * its design changes. Without it, the old rule: a <div> on <html> itself.
 */
const HOST_FINDER = typeof harness.pageHost === 'function'
  ? String(harness.pageHost)
  : "() => [...document.documentElement.children].find((e) => e.localName === 'div') || null";
const COUNTER = `Boolean((${HOST_FINDER})())`;

// The configurations a round runs. `none` is what every ratio divides by;
// `none2` is the same as `none`, so none2 / none is the noise of the run.
const CONFIGS = {
  none: { extension: false, hidden: false, label: 'no extension' },
  none2: { extension: false, hidden: false, label: 'no extension, again (noise)' },
  with: { extension: true, hidden: false, label: 'with Thaman' },
  hidden: { extension: true, hidden: true, label: 'with Thaman, counter hidden' },
};
// A round's order: rotated by one each round, so every configuration takes
// every place in a round equally often (over 4 rounds): a slow drift of the
// machine, or what the previous browser leaves behind, hits all alike.
const ORDER = ['none', 'with', 'none2', 'hidden'];
/** The order of the columns in the results: the noise pair first. */
const DISPLAY = ['none', 'none2', 'with', 'hidden'];
const shown = (opts) => DISPLAY.filter((c) => opts.configs.includes(c));

// --- options -------------------------------------------------------------------
const usage = (message) => Object.assign(new Error(message), { usage: true });
const USAGE = 'usage: node bench/run.mjs [--rounds N] [--seconds S] [--warmup S] [--speed PX_PER_S] [--attribution S] '
  + '[--sites facebook,x] [--stops N] [--configs none,none2,with,hidden] [--no-write] [--save-baseline] [--variant DIR]...';
function options(argv) {
  const o = {
    rounds: 9, seconds: 20, warmup: 2, speed: 600, wheelEvery: 500, attribution: 3, stops: 9,
    sites: ['facebook', 'x'], configs: [...ORDER], write: true, saveBaseline: false, variants: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw usage(`${a} needs a value`);
      return v;
    };
    if (a === '--rounds') o.rounds = Math.max(1, parseInt(next(), 10));
    else if (a === '--seconds') o.seconds = Math.max(1, Number(next()));
    else if (a === '--warmup') o.warmup = Math.max(0, Number(next()));
    else if (a === '--speed') o.speed = Math.max(1, Number(next()));
    else if (a === '--attribution') o.attribution = Math.max(0, Number(next()));
    else if (a === '--stops') o.stops = Math.max(0, parseInt(next(), 10));
    else if (a === '--sites') o.sites = next().split(',').filter(Boolean);
    else if (a === '--configs') o.configs = next().split(',').filter(Boolean);
    else if (a === '--no-write') o.write = false;
    else if (a === '--save-baseline') o.saveBaseline = true;
    else if (a === '--variant') o.variants.push(path.resolve(next()));
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else throw usage(`unknown argument ${a} (see --help)`);
  }
  for (const s of o.sites) if (!SITES[s]) throw usage(`unknown site ${s}: one of ${Object.keys(SITES).join(', ')}`);
  for (const c of o.configs) if (!CONFIGS[c]) throw usage(`unknown configuration ${c}: one of ${ORDER.join(', ')}`);
  for (const dir of o.variants) {
    const name = path.basename(dir);
    if (!fs.existsSync(path.join(dir, 'manifest.json'))) throw usage(`--variant ${dir}: no extension there`);
    if (CONFIGS[name]) throw usage(`--variant ${dir}: a configuration is named ${name} already`);
    CONFIGS[name] = { extension: true, hidden: false, label: `another build, ${dir}`, dir };
    ORDER.push(name);
    DISPLAY.push(name);
    o.configs.push(name);
  }
  if (!o.configs.includes('none')) throw usage('--configs must include none (every ratio divides by it)');
  o.configs = ORDER.filter((c) => o.configs.includes(c));
  if (![o.rounds, o.seconds, o.warmup, o.speed, o.attribution, o.stops].every(Number.isFinite)) throw usage('numeric options must be numbers');
  return o;
}

// --- the pages -----------------------------------------------------------------
const FEED_HTML = fs.readFileSync(path.join(HERE, 'feed.html'));
const FEED_JS = fs.readFileSync(path.join(HERE, 'feed.js'));
const FEED_JS_PATH = '/__thaman_bench/feed.js';
// Each site's own policy (Facebook's as in tests/fixtures/routes.json; X's
// strict script-src 'self'): the feed's script is same-origin, so it runs
// under both, and the extension has to cope with each as on the real sites.
const SITES = {
  facebook: {
    url: 'https://www.facebook.com/',
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src * data: blob: 'self' 'wasm-unsafe-eval';script-src *.facebook.com *.fbcdn.net *.facebook.net 'unsafe-inline' blob: data: 'self' 'wasm-unsafe-eval';style-src fonts.googleapis.com *.fbcdn.net data: *.facebook.com 'unsafe-inline';connect-src *.facebook.com facebook.com *.fbcdn.net *.facebook.net wss://*.facebook.com:* 'self';object-src 'none';worker-src *.facebook.com/static_resources/webworker_v1/init_script/ 'self';block-all-mixed-content;upgrade-insecure-requests;",
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
    },
  },
  x: {
    url: 'https://x.com/home',
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:",
      'x-frame-options': 'DENY',
    },
  },
};

// Flags as in tests/e2e/harness.mjs: off the network and quiet. Both
// configurations launch with exactly these; only enableExtensions differs.
const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND', '--window-size=1280,800',
];

/**
 * Copies the build to a private folder once, so that a rebuild of
 * dist/chrome during the run (build.sh deletes and rewrites it) cannot hand
 * a half-written extension to one of the rounds. Waits for a build in
 * progress to settle first.
 */
/** The wasm builds, one per context (build.sh). */
const CONTEXTS = ['background', 'overlay', 'popup', 'pages'];

function snapshotBuild() {
  const required = ['manifest.json', 'content.js', 'background.js', ...CONTEXTS.flatMap((c) => [`pkg/${c}/thaman.js`, `pkg/${c}/thaman_bg.wasm`])];
  const newest = () => {
    let t = 0;
    const walk = (dir) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const f = path.join(dir, e.name);
        t = Math.max(t, fs.statSync(f).mtimeMs);
        if (e.isDirectory()) walk(f);
      }
    };
    walk(DIST);
    return t;
  };
  const deadline = Date.now() + 180000;
  for (;;) {
    try {
      if (required.every((f) => fs.existsSync(path.join(DIST, f))) && Date.now() - newest() > 3000) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thaman-bench-dist-'));
        fs.cpSync(DIST, dir, { recursive: true });
        if (required.every((f) => fs.existsSync(path.join(dir, f))) && Date.now() - newest() > 3000) return dir;
        fs.rmSync(dir, { recursive: true, force: true });
      }
    } catch (_) { /* being rewritten: wait */ }
    if (Date.now() > deadline) throw new Error(`no complete build at ${DIST}: run ./build.sh first`);
    execFileSync('sleep', ['1']);
  }
}
let EXTENSION_DIR = DIST;

async function launch(withExtension, dir = EXTENSION_DIR) {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    pipe: true,
    headless: true,
    enableExtensions: withExtension ? [dir] : false,
    defaultViewport: { width: 1280, height: 800 },
    args: [...FLAGS, '--lang=en'],
    env: { ...process.env, LANGUAGE: 'en', LANG: 'en_US.UTF-8' },
  });
}

// Runs in the page's main world before any of its scripts (top frame only):
// long tasks, long animation frames with their scripts, when the counter's
// host element appears (`findHost`: HOST_FINDER), and the steady auto-scroll
// with its frame counter.
function PROBE(findHost) {
  if (window.top !== window) return;
  const B = (window.__thamanBench = { overlayAt: null, longtasks: [], loafs: [], frames: null, windowStart: 0, posts0: 0 });
  const observe = (type, each) => {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach(each)).observe({ type, buffered: true });
      return true;
    } catch (_) {
      return false;
    }
  };
  B.hasLongtask = observe('longtask', (e) => B.longtasks.push({ start: e.startTime, dur: e.duration }));
  // Long animation frames list the page's scripts but never an extension's:
  // what neither the page's scripts nor rendering explain is kept.
  B.hasLoaf = observe('long-animation-frame', (e) => {
    if (e.duration <= 50) return;
    const scripts = (e.scripts || []).reduce((a, x) => a + x.duration, 0);
    const render = e.renderStart ? e.startTime + e.duration - e.renderStart : 0;
    B.loafs.push({ start: e.startTime, dur: e.duration, unexplained: Math.max(0, e.duration - scripts - render) });
  });
  // The counter's host is appended to <html> itself by the content script
  // (the page's own elements go into head and body): watched until found
  // or until the scrolling starts, so no configuration pays for it in the
  // measured window.
  const mo = new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (n === document.documentElement) mo.observe(n, { childList: true });
      }
    }
    let found = null;
    try {
      found = findHost();
    } catch (_) { /* no <html> yet */ }
    if (found) {
      B.overlayAt = performance.now();
      mo.disconnect();
    }
  });
  B.unobserve = () => mo.disconnect();
  mo.observe(document, { childList: true });
  if (document.documentElement) mo.observe(document.documentElement, { childList: true });

  // Steady scrolling: pxPerS of wall time, driven by requestAnimationFrame,
  // catching up (up to 100 ms) after a late frame.
  let raf = 0;
  B.reset = () => {
    B.frames = { n: 0, slow: 0, missed: 0, max: 0, px: 0 };
    B.windowStart = performance.now();
    B.posts0 = (window.__feed || {}).posts || 0;
  };
  B.scroll = (pxPerS) => {
    B.unobserve();
    const el = document.scrollingElement;
    let last = 0;
    let carry = 0;
    B.reset();
    const step = (t) => {
      if (last) {
        const d = t - last;
        const f = B.frames;
        f.n++;
        if (d > 1.5 * (1000 / 60)) {
          f.slow++;
          f.missed += Math.max(0, Math.round(d / (1000 / 60)) - 1);
        }
        if (d > f.max) f.max = d;
        carry += (pxPerS * Math.min(d, 100)) / 1000;
        const whole = Math.floor(carry);
        if (whole > 0) {
          el.scrollTop += whole;
          carry -= whole;
          f.px += whole;
        }
      }
      last = t;
      raf = requestAnimationFrame(step);
    };
    raf = requestAnimationFrame(step);
  };
  B.stop = () => cancelAnimationFrame(raf);
  B.read = () => {
    const feed = window.__feed || {};
    return {
      frames: B.frames,
      longtasks: B.longtasks.filter((l) => l.start >= B.windowStart),
      loafs: B.loafs.filter((l) => l.start >= B.windowStart),
      posts: (feed.posts || 0) - B.posts0,
      totalPosts: feed.posts || 0,
      ads: feed.ads || 0,
      removed: feed.removed || 0,
      domNodes: document.getElementsByTagName('*').length,
    };
  };
}

// Installed in the extension's service worker: counts chrome.storage.local.set
// calls and notes when each port connects and sends its first message.
function WORKER_HOOKS() {
  // Not yet the worker's own global (its script has not run): try again.
  if (typeof chrome === 'undefined' || !chrome.runtime || !chrome.runtime.onConnect.hasListeners()) return 'not ready';
  if (globalThis.__thamanBench) return 'already';
  const B = (globalThis.__thamanBench = { sets: [], connects: [] });
  const area = chrome.storage.local;
  const set = area.set;
  area.set = function (...args) {
    B.sets.push(Date.now());
    return set.apply(this, args);
  };
  chrome.runtime.onConnect.addListener((port) => {
    const rec = { name: port.name, url: port.sender && port.sender.url, at: performance.timeOrigin + performance.now(), first: null };
    B.connects.push(rec);
    const first = (message) => {
      rec.first = performance.timeOrigin + performance.now();
      rec.type = message && message.type;
      port.onMessage.removeListener(first);
    };
    port.onMessage.addListener(first);
  });
  return area.set !== set ? 'installed' : 'not writable';
}

const isThamanWorker = (t) => t.type() === 'service_worker' && t.url().startsWith(`${EXTENSION_ORIGIN}/`);

// --- processes -----------------------------------------------------------------
const cmdlines = new Map();
function cmdline(pid) {
  if (!cmdlines.has(pid)) {
    let c = '';
    try {
      c = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch (_) { /* gone */ }
    cmdlines.set(pid, c);
  }
  return cmdlines.get(pid);
}

/** pid -> {type, cpu seconds} for every process of the browser. */
async function cpuSnapshot(session) {
  const { processInfo } = await session.send('SystemInfo.getProcessInfo');
  return new Map(processInfo.map((p) => [p.id, { type: p.type, cpu: p.cpuTime }]));
}

function classify(pid, type, pagePid) {
  if (type === 'browser') return 'browser';
  if (pid === pagePid) return 'page';
  if (type === 'renderer' && cmdline(pid).includes('--extension-process')) return 'extension';
  return 'other';
}

function cpuDelta(before, after, pagePid) {
  const out = { total: 0, page: 0, extension: 0, browser: 0, other: 0 };
  const byPid = {};
  for (const [pid, p] of after) {
    const d = p.cpu - (before.get(pid)?.cpu ?? 0);
    const kind = classify(pid, p.type, pagePid);
    out[kind] += d;
    out.total += d;
    byPid[pid] = { type: p.type, kind, cpu: d };
  }
  return { ...out, byPid };
}

/**
 * CPU time of the renderer's main thread, in seconds. Chromium names it
 * CrRendererMain in traces, but /proc shows the main thread (tid = pid) under
 * the process's name, since renaming it would rename the process.
 */
function mainThreadSeconds(pid) {
  if (!pid) return null;
  let tid = String(pid);
  try {
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
      if (fs.readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim() === 'CrRendererMain') tid = t;
    }
  } catch (_) {
    return null;
  }
  try { // schedstat: time on CPU in ns (precise)
    return Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
  } catch (_) { /* no schedstat: fall back to stat */ }
  try { // stat: utime + stime in clock ticks (10 ms)
    const f = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch (_) {
    return null;
  }
}

/** Busy CPU seconds of the whole machine (from /proc/stat), for noise. */
function hostBusySeconds() {
  try {
    // user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (f[0] + f[1] + f[2] + (f[5] || 0) + (f[6] || 0)) / 100;
  } catch (_) {
    return null;
  }
}

/** Every process descended from `root` (the browser's own pid), with it. */
function processTree(root) {
  const children = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // pid (comm) state ppid …: comm may hold spaces and parentheses.
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch (_) { /* gone */ }
  }
  const out = [];
  const walk = (pid) => {
    out.push(pid);
    for (const c of children.get(pid) || []) walk(c);
  };
  if (root) walk(root);
  return out;
}

/**
 * A process's memory in MB: RSS (VmRSS of /proc/<pid>/status: what it has
 * in RAM, shared pages counted in every process that maps them) and PSS
 * (smaps_rollup: shared pages divided among their sharers, so PSS adds up
 * across processes). null where the kernel does not say.
 */
function processMemory(pid) {
  const kB = (text, key) => {
    const m = text.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) / 1024 : null;
  };
  let rss = null;
  let pss = null;
  try {
    rss = kB(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
  } catch (_) { /* gone */ }
  try {
    pss = kB(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
  } catch (_) { /* no smaps_rollup */ }
  return { rss, pss };
}

/**
 * Memory of the browser's whole process tree at one moment, summed: all
 * processes, the extension renderers (`--extension-process`: Thaman's
 * worker and frames), the page's renderer and the browser process.
 */
function memorySnapshot(browserPid, pagePid) {
  const zero = () => ({ rss: 0, pss: 0, processes: 0, pssMissing: 0 });
  const out = { all: zero(), extension: zero(), page: zero(), browser: zero() };
  const add = (into, m) => {
    into.rss += m.rss;
    if (m.pss === null) into.pssMissing++;
    else into.pss += m.pss;
    into.processes++;
  };
  for (const pid of processTree(browserPid)) {
    const m = processMemory(pid);
    if (m.rss === null) continue; // gone, or a zombie
    add(out.all, m);
    if (pid === browserPid) add(out.browser, m);
    else if (pid === pagePid) add(out.page, m);
    else if (cmdline(pid).includes('--extension-process')) add(out.extension, m);
  }
  for (const k of Object.keys(out)) if (out[k].pssMissing) out[k].pss = null;
  return out;
}

/**
 * Reads a trace: the page's renderer pid (from the browser's record of the
 * frame commit), the overlay frame's process, and on the page's main thread
 * the extension's script time and the tasks over 50 ms that ran any of it.
 */
function readTrace(buffer, url, knownPagePid = null) {
  const data = JSON.parse(Buffer.from(buffer).toString('utf8'));
  const events = Array.isArray(data) ? data : data.traceEvents || [];
  const out = {
    pagePid: knownPagePid, overlayPid: null, contentScriptMs: null,
    // extScriptMs: the extension's script time on the page's main thread.
    // Of the tasks over 50 ms: how many ran extension code at all, how many
    // it made long (the task minus the extension's time is 50 ms or less),
    // and the most extension time in one of them.
    extScriptMs: 0, tasksOver50: 0, tasksOver50WithThaman: 0, thamanTasksOver50: 0, thamanTaskMaxMs: 0,
  };
  for (const e of events) {
    const d = e.args && e.args.data;
    if (!d || !(e.name === 'FrameCommittedInBrowser' || e.name === 'TracingStartedInBrowser')) continue;
    for (const f of d.frames || [d]) {
      if (f.url === url && !f.parent && !knownPagePid) out.pagePid = f.processId;
      else if (typeof f.url === 'string' && isOverlayUrl(f.url)) out.overlayPid = f.processId;
    }
  }
  const pid = out.pagePid;
  if (!pid) return out;
  // The renderer's main thread: named CrRendererMain in the trace (tid = pid).
  let tid = pid;
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name' && e.pid === pid && e.args && e.args.name === 'CrRendererMain') tid = e.tid;
  }
  const onMain = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X');
  const tasks = onMain.filter((e) => e.name === 'RunTask').sort((a, b) => a.ts - b.ts);
  const ext = onMain.filter((e) => {
    const u = e.args && e.args.data && e.args.data.url;
    return typeof u === 'string' && u.startsWith('chrome-extension://') && (e.name === 'FunctionCall' || e.name === 'EvaluateScript');
  });
  for (const e of ext) {
    if (e.name === 'EvaluateScript' && out.contentScriptMs === null) out.contentScriptMs = e.dur / 1000;
  }
  // Top-level script runs only (a FunctionCall inside another is counted once).
  const runs = [];
  let end = -Infinity;
  for (const e of ext.sort((a, b) => a.ts - b.ts)) {
    if (e.ts >= end) {
      runs.push(e);
      out.extScriptMs += e.dur / 1000;
      end = e.ts + e.dur;
    }
  }
  const inTask = new Map(); // task -> extension ms inside it
  let i = 0;
  for (const e of runs) {
    while (i < tasks.length && tasks[i].ts + tasks[i].dur < e.ts) i++;
    if (i < tasks.length && tasks[i].ts <= e.ts) inTask.set(tasks[i], (inTask.get(tasks[i]) || 0) + e.dur / 1000);
  }
  for (const t of tasks) {
    if (t.dur <= 50000) continue;
    out.tasksOver50++;
    const ms = inTask.get(t) || 0;
    if (ms > 0) out.tasksOver50WithThaman++;
    if (ms > 0 && t.dur / 1000 - ms <= 50) out.thamanTasksOver50++;
    out.thamanTaskMaxMs = Math.max(out.thamanTaskMaxMs, ms);
  }
  return out;
}

/** CPU seconds per thread of a process: tid -> {comm, s}. */
function threadTimes(pid) {
  const out = new Map();
  let tids = [];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch (_) {
    return out;
  }
  for (const tid of tids) {
    try {
      const comm = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const s = Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
      out.set(tid, { comm, s });
    } catch (_) { /* thread gone */ }
  }
  return out;
}

/** Extension processes' CPU by thread: main (extension frames), service worker, rest. */
function extensionThreads(pids) {
  const snap = new Map();
  for (const pid of pids) snap.set(pid, threadTimes(pid));
  return snap;
}

function extensionSplit(before, after) {
  const out = { frames: 0, worker: 0, rest: 0 };
  for (const [pid, threads] of after) {
    const was = before.get(pid) || new Map();
    for (const [tid, t] of threads) {
      const d = t.s - (was.get(tid)?.s ?? 0);
      if (tid === String(pid)) out.frames += d;
      else if (/^ServiceWorker/.test(t.comm)) out.worker += d;
      else out.rest += d;
    }
  }
  return out;
}

// --- one page: start-up, warm-up, the measured window ---------------------------
function serve(page, site) {
  const origin = new URL(site.url).origin;
  page.aborted = [];
  page.on('request', (req) => {
    const u = req.url();
    if (u.startsWith('chrome-extension://') || u.startsWith('data:')) return req.continue();
    if (u === site.url) return req.respond({ status: 200, headers: site.headers, body: FEED_HTML });
    if (u === origin + FEED_JS_PATH) {
      return req.respond({ status: 200, headers: { 'content-type': 'text/javascript; charset=utf-8' }, body: FEED_JS });
    }
    page.aborted.push(u);
    return req.abort('blockedbyclient');
  });
}

/** Real (trusted) wheel input every `every` ms, so the person is present. */
function wheel(page, every) {
  let on = true;
  let count = 0;
  const done = (async () => {
    while (on) {
      const t = Date.now();
      try {
        await page.mouse.wheel({ deltaY: 40 });
        count++;
      } catch (_) {
        return;
      }
      const wait = every - (Date.now() - t);
      if (wait > 0) await sleep(wait);
    }
  })();
  return async () => {
    on = false;
    await done;
    return count;
  };
}

async function heapUsed(session) {
  try {
    await session.send('HeapProfiler.collectGarbage');
    return (await session.send('Runtime.getHeapUsage')).usedSize;
  } catch (_) {
    return null;
  }
}

/**
 * The sensor's first message as the worker's hooks saw it, for `url`: the
 * first port from the page itself (the extension's frames connect from
 * their own extension URLs) that carried a message.
 */
async function sensorSeen(ctx, url) {
  const connects = await ctx.workerEval(() => globalThis.__thamanBench && globalThis.__thamanBench.connects);
  return (connects || []).find((c) => c.url === url && c.first) || null;
}

/** Whether the page holds an extension frame showing Thaman's counter. */
const overlayFramePresent = (page) => page.frames().some((f) => isOverlayUrl(f.url()));

async function runSite(ctx, siteName) {
  const { browser, browserSession, config, opts } = ctx;
  const withExtension = config.extension;
  const site = SITES[siteName];
  const page = await browser.newPage();
  const session = await page.createCDPSession();
  await page.evaluateOnNewDocument(`(${PROBE})(${HOST_FINDER})`);
  await page.setRequestInterception(true);
  serve(page, site);

  // Start-up, traced: the page's renderer pid and the content script's run.
  await page.tracing.start({ categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
  await page.goto(site.url, { waitUntil: 'load' });
  await page.bringToFront();
  let frame = null;
  let counterShown = false;
  if (withExtension && !config.hidden) {
    counterShown = await page.waitForFunction(COUNTER, { timeout: 15000, polling: 50 }).then(() => true, () => false);
    // Where the pill is drawn in an extension frame, its first paint is
    // read below: wait for the frame (a second) and its pill.
    for (let end = Date.now() + 1000; counterShown && !overlayFramePresent(page) && Date.now() < end;) await sleep(50);
    if (overlayFramePresent(page)) frame = await overlayFrame(page, { timeout: 5000 });
  } else if (withExtension) {
    // Hidden: the core has answered the sensor's hello (with the counter
    // off) once the sensor's first message is in; then a second for a
    // counter that should not come.
    for (let end = Date.now() + 10000; !(await sensorSeen(ctx, site.url)) && Date.now() < end;) await sleep(100);
    await sleep(1000);
    counterShown = await page.evaluate(COUNTER);
  }
  await sleep(300);
  const trace = readTrace(await page.tracing.stop(), site.url);

  const startup = {
    thamanLongTasks: trace.thamanTasksOver50, longTasksWithThaman: trace.tasksOver50WithThaman, thamanLongestMs: trace.thamanTaskMaxMs,
  };
  const pageInfo = await page.evaluate(() => ({ origin: performance.timeOrigin, overlayAt: window.__thamanBench.overlayAt }));
  if (withExtension) {
    startup.contentScriptMs = trace.contentScriptMs;
    startup.overlayMountMs = pageInfo.overlayAt;
    startup.overlayReady = Boolean(frame);
    const sensor = await sensorSeen(ctx, site.url);
    startup.firstSensorMs = sensor ? sensor.first - pageInfo.origin : null;
    startup.firstSensorType = sensor ? sensor.type : null;
    if (frame) {
      const paints = await frame.inFrame(() => ({
        origin: performance.timeOrigin,
        entries: performance.getEntriesByType('paint').map((p) => [p.name, p.startTime]),
      })).catch(() => ({ origin: 0, entries: [] }));
      const at = (name) => {
        const p = paints.entries.find(([n]) => n === name);
        return p ? paints.origin + p[1] - pageInfo.origin : null;
      };
      startup.overlayFirstPaintMs = at('first-paint');
      startup.overlayFcpMs = at('first-contentful-paint');
    }
  }

  // Warm-up: scrolling and wheel input already running, presence counted.
  await page.mouse.move(500, 400);
  await page.evaluate((speed) => window.__thamanBench.scroll(speed), opts.speed);
  const stopWheel = wheel(page, opts.wheelEvery);
  await sleep(opts.warmup * 1000);

  // The measured window.
  const heap0 = await heapUsed(session);
  const workerHeap0 = withExtension ? await ctx.workerHeap() : null;
  await page.evaluate(() => window.__thamanBench.reset());
  ctx.workerRestarts = 0;
  const host0 = hostBusySeconds();
  const cpu0 = await cpuSnapshot(browserSession);
  const extPids = [...cpu0.keys()].filter((pid) => cpu0.get(pid).type === 'renderer' && cmdline(pid).includes('--extension-process'));
  const threads0 = extensionThreads(extPids);
  const main0 = mainThreadSeconds(trace.pagePid);
  const t0 = Date.now();
  await sleep(opts.seconds * 1000);
  const t1 = Date.now();
  const main1 = mainThreadSeconds(trace.pagePid);
  const threads1 = extensionThreads(extPids);
  const cpu1 = await cpuSnapshot(browserSession);
  const host1 = hostBusySeconds();

  let pagePid = trace.pagePid;
  let pidFrom = 'trace';
  if (!pagePid) { // fallback: the busiest renderer that is neither an extension's nor the browser UI's
    pidFrom = 'busiest renderer';
    let best = -1;
    for (const [pid, p] of cpu1) {
      if (p.type !== 'renderer' || /--extension-process|--top-chrome-webui/.test(cmdline(pid))) continue;
      const d = p.cpu - (cpu0.get(pid)?.cpu ?? 0);
      if (d > best) [best, pagePid] = [d, pid];
    }
  }
  // Memory at the window's end, the page still scrolling (reading
  // smaps_rollup costs the kernel time: after the CPU snapshot).
  const browserPid = [...cpu1].find(([, p]) => p.type === 'browser')?.[0] ?? ctx.browserPid;
  const memory = memorySnapshot(browserPid, pagePid);
  const inPage = await page.evaluate(() => window.__thamanBench.read());
  const counterAtEnd = withExtension ? await page.evaluate(COUNTER) : false;
  const frameAtEnd = overlayFramePresent(page);

  // With the extension, a traced pass after the window (still scrolling):
  // the content script's time on the page's main thread, and any task over
  // 50 ms that ran extension code.
  let attribution = null;
  if (withExtension && opts.attribution > 0 && trace.pagePid) {
    await page.tracing.start({ categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
    const a0 = Date.now();
    await sleep(opts.attribution * 1000);
    const seconds = (Date.now() - a0) / 1000;
    const buffer = await page.tracing.stop();
    if (DEBUG) fs.writeFileSync(path.join(os.tmpdir(), `thaman-bench-trace-${config.name}-${siteName}.json`), Buffer.from(buffer));
    const t = readTrace(buffer, site.url, trace.pagePid);
    attribution = {
      seconds, extScriptMs: t.extScriptMs, tasksOver50: t.tasksOver50, tasksOver50WithThaman: t.tasksOver50WithThaman,
      thamanTasksOver50: t.thamanTasksOver50, thamanTaskMaxMs: t.thamanTaskMaxMs,
    };
  }
  const wheels = await stopWheel();
  await page.evaluate(() => window.__thamanBench.stop());
  const heap1 = await heapUsed(session);
  const cpu = cpuDelta(cpu0, cpu1, pagePid);

  const sample = {
    site: siteName,
    config: config.name,
    withExtension,
    hidden: config.hidden,
    seconds: (t1 - t0) / 1000,
    pagePid,
    pidFrom,
    cpu,
    memory,
    extensionThreads: extensionSplit(threads0, threads1),
    mainThread: main0 !== null && main1 !== null ? main1 - main0 : null,
    longtasks: inPage.longtasks.length,
    longtaskMs: inPage.longtasks.reduce((s, l) => s + l.dur, 0),
    heapGrowth: heap0 !== null && heap1 !== null ? heap1 - heap0 : null,
    frames: inPage.frames,
    posts: inPage.posts,
    totalPosts: inPage.totalPosts,
    feedAds: inPage.ads,
    domNodes: inPage.domNodes,
    wheels,
    hostOther: host0 !== null ? host1 - host0 - cpu.total : null,
    aborted: page.aborted.length,
  };
  // Long animation frames in the window that the page's own scripts and
  // rendering leave 50 ms or more unexplained (an extension's script would).
  sample.loafSupported = await page.evaluate(() => window.__thamanBench.hasLoaf);
  sample.loafs = inPage.loafs.length;
  sample.loafsUnexplained = inPage.loafs.filter((l) => l.unexplained >= 50).length;
  sample.attribution = attribution;
  if (withExtension) {
    // The configuration is what it claims: the counter shown (from start-up
    // to the window's end) with `with`, never with `hidden`.
    sample.counterShown = counterShown;
    sample.counterAtEnd = counterAtEnd;
    sample.overlayFrameAtEnd = frameAtEnd;
    const expected = !config.hidden;
    if (counterShown !== expected || counterAtEnd !== expected) {
      console.warn(`warning: ${config.name} on ${siteName}: the counter was ${counterShown ? '' : 'not '}shown at start-up`
        + ` and ${counterAtEnd ? '' : 'not '}at the window's end (expected ${expected ? 'shown' : 'hidden'})`);
    }
    const sets = await ctx.workerEval(() => globalThis.__thamanBench && globalThis.__thamanBench.sets);
    if (DEBUG) debug('sets', sets, 'window', t0, t1, 'connects', JSON.stringify(await ctx.workerEval(() => globalThis.__thamanBench.connects)));
    if (!sets) console.warn(`warning: no storage counter in the service worker (${ctx.workerError || 'hooks missing'})`);
    const inWindow = sets ? sets.filter((t) => t >= t0 && t <= t1) : null;
    sample.storageWrites = inWindow ? inWindow.length : null;
    sample.storageWriteTimes = inWindow ? inWindow.map((t) => t - t0) : null;
    sample.workerRestarts = ctx.workerRestarts;
    const workerHeap1 = await ctx.workerHeap();
    sample.workerHeapGrowth = workerHeap0 !== null && workerHeap1 !== null ? workerHeap1 - workerHeap0 : null;
    sample.startup = startup;
  }
  await session.detach().catch(() => {});
  await page.close();
  return sample;
}

/**
 * Opens the options page, the way the person sets Thaman, and gives the
 * settings to `change` (hidden: the counter off on every benched site,
 * the setting "hide the counter on this site" writes). Both extension
 * configurations open and close it, so they differ only in the setting.
 */
async function seedSettings(browser, config, opts) {
  const ext = await harness.extensionPage(browser, 'options.html');
  try {
    const settings = await harness.ask(ext, { type: 'get_settings' });
    if (!settings || !Array.isArray(settings.overlay_hidden)) throw new Error(`no settings from the worker: ${JSON.stringify(settings)}`);
    if (config.hidden) {
      const hidden = { ...settings, overlay_hidden: [...new Set([...settings.overlay_hidden, ...opts.sites])] };
      const reply = await harness.ask(ext, { type: 'set_settings', settings: hidden });
      if (!reply || !reply.ok) throw new Error(`the counter could not be hidden: ${JSON.stringify(reply)}`);
    }
  } finally {
    await ext.close();
  }
}

/**
 * What Thaman itself counted on each page (its export contract), asked
 * from an extension page once every window is over: a check that it saw
 * the feed's ads and the time, not a cost.
 */
async function countedByThaman(browser, samples) {
  let ext = null;
  try {
    ext = await harness.extensionPage(browser, 'options.html');
    const data = await harness.ask(ext, { type: 'export' });
    for (const s of samples) {
      const rows = ((data && data.days) || []).filter((d) => d.site === s.site);
      const total = (k) => rows.reduce((a, d) => a + (d[k] || 0), 0);
      s.counted = { ads: s.feedAds, adsRendered: total('ads_rendered'), adsViewable: total('ads_viewable'), attentionSeconds: total('attention_seconds') };
    }
  } catch (error) {
    for (const s of samples) s.counted = { error: error.message };
  } finally {
    await ext?.close().catch(() => {});
  }
}

async function runConfig(opts, name) {
  const config = { name, ...CONFIGS[name] };
  cmdlines.clear(); // pids of an earlier browser may be reused
  const browser = await launch(config.extension, config.dir);
  try {
    const browserSession = await browser.target().createCDPSession();
    const ctx = { browser, browserSession, config, opts, workerRestarts: 0, browserPid: browser.process()?.pid };
    if (config.extension) {
      // Evaluated with Runtime.evaluate in the worker's current global:
      // puppeteer's WebWorker.evaluate keeps the first execution context it
      // saw, which for an extension's worker may be one that is not the
      // global background.js runs in (hooks put there see nothing).
      const worker = async () => (await browser.waitForTarget(isThamanWorker, { timeout: 15000 })).worker();
      const evaluate = async (w, fn) => {
        if (!w) throw new Error('the service worker target has no worker');
        const r = await w.client.send('Runtime.evaluate', { expression: `(${fn})()`, returnByValue: true, awaitPromise: true });
        if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description || r.exceptionDetails.text);
        return r.result.value;
      };
      ctx.workerEval = async (fn, { tries = 5 } = {}) => {
        for (let i = 1; ; i++) {
          try {
            return await evaluate(await worker(), fn);
          } catch (error) {
            ctx.workerError = error.message;
            if (i >= tries) return null;
            await sleep(300);
          }
        }
      };
      const install = async (w) => {
        for (let i = 0; i < 50; i++) { // up to ~10 s for the worker's script to run
          const r = await evaluate(w, WORKER_HOOKS).catch((e) => `error: ${e.message}`);
          if (r !== 'not ready' && !String(r).startsWith('error')) return r;
          ctx.workerError = r;
          await sleep(200);
        }
        return ctx.workerError;
      };
      ctx.workerHeap = async () => {
        try {
          const client = (await worker()).client;
          await client.send('HeapProfiler.collectGarbage');
          return (await client.send('Runtime.getHeapUsage')).usedSize;
        } catch (_) {
          return null;
        }
      };
      // A worker that restarts gets the hooks again (counts before it are lost).
      browser.on('targetdestroyed', (t) => isThamanWorker(t) && debug('worker target destroyed', t.url()));
      browser.on('targetcreated', (t) => {
        if (!isThamanWorker(t)) return;
        debug('worker target created', t.url());
        ctx.workerRestarts++;
        t.worker().then(install).then((r) => debug('hooks (new worker):', r)).catch(() => {});
      });
      const installed = await install(await worker());
      debug('hooks:', installed, ctx.workerError || '');
      if (installed !== 'installed' && installed !== 'already') {
        console.warn(`warning: could not wrap chrome.storage.local.set in the service worker (${installed || ctx.workerError})`);
      }
      await seedSettings(browser, config, opts);
    }
    const samples = [];
    for (const site of opts.sites) samples.push(await runSite(ctx, site));
    if (config.extension) await countedByThaman(browser, samples);
    return { samples, version: await browser.version() };
  } finally {
    await browser.close();
  }
}

// --- the worker's cold start --------------------------------------------------------
// Evaluated in the content script's own isolated world (CDP Runtime.evaluate
// with its context id; the page's scripts cannot see it): notes the trusted
// inputs, and wraps chrome.runtime.connect and sendMessage so that each line
// the sensor opens records when its first message left and when the first
// answer came back, on the page's clock.
function COLD_HOOKS() {
  if (globalThis.__thamanCold) return 'already';
  const C = (globalThis.__thamanCold = { inputs: [], lines: [] });
  for (const type of ['wheel', 'pointermove', 'pointerdown', 'keydown']) {
    addEventListener(type, (e) => {
      if (e.isTrusted) C.inputs.push(e.timeStamp);
      if (C.inputs.length > 100) C.inputs.shift();
    }, { capture: true, passive: true });
  }
  const runtime = chrome.runtime;
  const connect = runtime.connect;
  runtime.connect = function (...args) {
    const line = { kind: 'port', name: args[0] && args[0].name, opened: performance.now(), sent: null, sentType: null, answered: null, answerType: null };
    C.lines.push(line);
    const port = connect.apply(this, args);
    const post = port.postMessage;
    port.postMessage = function (message, ...rest) {
      if (line.sent === null) [line.sent, line.sentType] = [performance.now(), message && message.type];
      return post.call(this, message, ...rest);
    };
    port.onMessage.addListener((message) => {
      if (line.answered === null) [line.answered, line.answerType] = [performance.now(), message && message.type];
    });
    return port;
  };
  const send = runtime.sendMessage;
  runtime.sendMessage = function (...args) {
    const message = args.find((a) => a && typeof a === 'object');
    const line = { kind: 'message', opened: performance.now(), sent: performance.now(), sentType: message && message.type, answered: null, answerType: null };
    C.lines.push(line);
    const answered = (reply) => {
      if (line.answered === null) [line.answered, line.answerType] = [performance.now(), reply && reply.type];
    };
    const callback = typeof args.at(-1) === 'function' ? args.pop() : null;
    if (callback) return send.call(this, ...args, (reply) => { answered(reply); return callback(reply); });
    const result = send.apply(this, args);
    if (result && typeof result.then === 'function') result.then(answered, () => {});
    return result;
  };
  return runtime.connect !== connect ? 'installed' : 'not writable';
}

/** The content script's isolated world in the page's main frame: its context id. */
async function contentScriptWorld(session) {
  const contexts = [];
  const seen = (e) => contexts.push(e.context);
  session.on('Runtime.executionContextCreated', seen);
  await session.send('Runtime.enable'); // reports the contexts that exist now
  const { frameTree } = await session.send('Page.getFrameTree');
  for (let end = Date.now() + 5000; Date.now() < end; await sleep(100)) {
    const c = contexts.find((x) => x.auxData && x.auxData.frameId === frameTree.frame.id && x.auxData.type === 'isolated'
      && String(x.origin).startsWith('chrome-extension://'));
    if (c) {
      session.off('Runtime.executionContextCreated', seen);
      return c.id;
    }
  }
  throw new Error('no content-script world in the page');
}

/**
 * The worker's cold start, stopped → first answer to a sensor: `opts.stops`
 * times, the sites in turn, in a browser of its own. Each time the worker
 * is stopped (CDP ServiceWorker.stopAllWorkers, as Chromium stops an idle
 * one; the sensor's line closes with it), then one trusted wheel tick: the
 * sensor opens its line again and sends; the worker starts, loads the core
 * and answers. Measured in the content script's world: from the sensor's
 * first message on the new line to the first answer on it, and from the
 * wheel event to that answer. With `year`, on a store holding a year of
 * days on every platform, as a person's after a year of use. With `dir`,
 * of another build (the floor's).
 */
async function coldStart(opts, { year = false, dir = EXTENSION_DIR } = {}) {
  const browser = await launch(true, dir);
  const floor = dir !== EXTENSION_DIR; // the floor's worker draws no counter
  const stops = [];
  const running = () => browser.targets().some(isThamanWorker);
  try {
    if (year) await seedYear(browser);
    const perSite = Math.ceil(opts.stops / opts.sites.length);
    for (const siteName of opts.sites) {
      const site = SITES[siteName];
      const page = await browser.newPage();
      await page.setRequestInterception(true);
      serve(page, site);
      await page.goto(site.url, { waitUntil: 'load' });
      await page.bringToFront();
      if (!floor) await page.waitForFunction(COUNTER, { timeout: 15000, polling: 100 }).catch(() => {});
      await sleep(1000);
      const session = await page.createCDPSession();
      const world = await contentScriptWorld(session);
      const inWorld = async (fn) => {
        const r = await session.send('Runtime.evaluate', { expression: `(${fn})()`, contextId: world, returnByValue: true });
        if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description || r.exceptionDetails.text);
        return r.result.value;
      };
      const installed = await inWorld(COLD_HOOKS);
      if (installed !== 'installed' && installed !== 'already') throw new Error(`cold start: could not wrap the sensor's lines (${installed})`);
      await session.send('ServiceWorker.enable');
      await page.mouse.move(500, 400);
      await sleep(1100); // the sensor sends an input at most once a second: the wheel below must be sent
      for (let i = 0; i < perSite && stops.length < opts.stops; i++) {
        const before = (await inWorld(() => globalThis.__thamanCold.lines.length));
        await session.send('ServiceWorker.stopAllWorkers');
        for (let end = Date.now() + 5000; running() && Date.now() < end;) await sleep(10);
        if (running()) {
          console.warn('warning: cold start: the worker did not stop');
          continue;
        }
        await page.mouse.wheel({ deltaY: 40 }); // the person scrolls again: a trusted input
        let line = null;
        for (let end = Date.now() + 10000; Date.now() < end; await sleep(25)) {
          const lines = await inWorld(() => globalThis.__thamanCold.lines);
          line = lines.slice(before).find((l) => l.answered !== null) || null;
          if (line) break;
        }
        const inputs = await inWorld(() => globalThis.__thamanCold.inputs);
        if (!line) {
          stops.push({ site: siteName, error: 'no answer within 10 s' });
          console.warn(`warning: cold start ${stops.length}: no answer to the sensor within 10 s`);
          continue;
        }
        const input = inputs.filter((t) => t <= line.opened).at(-1);
        const stop = {
          site: siteName,
          kind: line.kind,
          sentType: line.sentType,
          answerType: line.answerType,
          sentToAnswerMs: line.answered - line.sent,
          inputToAnswerMs: input === undefined ? null : line.answered - input,
        };
        stops.push(stop);
        console.log(`cold start ${stops.length} ${siteName.padEnd(8)} | sensor's ${stop.sentType} → worker's ${stop.answerType}: `
          + `${fmt(stop.sentToAnswerMs, 1)} ms | wheel → answer ${fmt(stop.inputToAnswerMs, 1)} ms`);
        await sleep(1500); // the core settles; the sensor's next input goes out (one a second)
      }
      await session.detach().catch(() => {});
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return stops;
}

/**
 * A copy of the build under test whose worker is bench/floor-worker.js:
 * the same manifest, content script and process, no core. Removed on exit.
 */
function floorBuild() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thaman-bench-floor-'));
  fs.cpSync(EXTENSION_DIR, dir, { recursive: true });
  fs.copyFileSync(path.join(HERE, 'floor-worker.js'), path.join(dir, 'background.js'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// --- sizes -----------------------------------------------------------------------
function sizes() {
  const files = [];
  const add = (rel) => {
    const body = fs.readFileSync(path.join(EXTENSION_DIR, rel));
    files.push({ file: rel, raw: body.length, gzip: zlib.gzipSync(body, { level: 9 }).length });
  };
  for (const c of CONTEXTS) {
    const pkg = path.join(EXTENSION_DIR, 'pkg', c);
    if (fs.existsSync(pkg)) for (const f of fs.readdirSync(pkg).sort()) add(`pkg/${c}/${f}`);
  }
  for (const f of fs.readdirSync(EXTENSION_DIR).filter((f) => f.endsWith('.js')).sort()) add(f);
  return files;
}

// --- statistics and the report ------------------------------------------------------
const median = (xs) => {
  const v = xs.filter((x) => x !== null && x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
/**
 * The median of paired ratios and a distribution-free interval for it: the
 * k-th smallest and k-th largest of n, k the largest with at least 90 %
 * coverage (1 − 2·P(Binomial(n, ½) < k)).
 *
 * ```text
 * 9 ratios -> [2nd, 8th], 96.1 %     5 -> [1st, 5th], 93.8 %     3 -> none
 * ```
 */
function pairedInterval(values) {
  const v = values.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  const n = v.length;
  if (!n) return null;
  const choose = (k) => { let c = 1; for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1); return c; };
  let k = 0;
  let coverage = null;
  for (let below = 0, j = 1; j <= n >> 1; j++) {
    below += choose(j - 1) / 2 ** n; // P(X < j)
    const c = 1 - 2 * below;
    if (c < 0.9) break;
    [k, coverage] = [j, c];
  }
  return { n, median: median(v), low: k ? v[k - 1] : null, high: k ? v[n - k] : null, coverage };
}
const fmt = (x, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const ratio = (a, b) => (a === null || b === null || !b ? null : a / b);

// Per-window metrics: [key, label, getter, digits, additive across sites]
// (memory is a level at one moment, in a browser with one site's tab: it
// is not summed over sites).
const mem = (s, part, kind) => (s.memory && s.memory[part] ? s.memory[part][kind] : null);
const METRICS = [
  ['cpu.total', 'CPU, all browser processes (s)', (s) => s.cpu.total, 2, true],
  ['cpu.page', '  page renderer (s)', (s) => s.cpu.page, 2, true],
  ['cpu.extension', '  extension processes (s)', (s) => s.cpu.extension, 3, true],
  ['ext.frames', '    of which their main threads: extension frames (s)', (s) => s.extensionThreads && s.extensionThreads.frames, 3, true],
  ['ext.worker', '    of which service worker thread (s)', (s) => s.extensionThreads && s.extensionThreads.worker, 3, true],
  ['ext.rest', '    of which their other threads: IO, compositor, … (s)', (s) => s.extensionThreads && s.extensionThreads.rest, 3, true],
  ['cpu.browser', '  browser process (s)', (s) => s.cpu.browser, 2, true],
  ['cpu.other', '  other (GPU, utility, …) (s)', (s) => s.cpu.other, 2, true],
  ['main', 'page main thread CPU (s)', (s) => s.mainThread, 3, true],
  ['mem.all.rss', 'memory at the window\'s end, all browser processes: RSS sum (MB)', (s) => mem(s, 'all', 'rss'), 1, false],
  ['mem.all.pss', '  PSS sum, shared pages divided (MB)', (s) => mem(s, 'all', 'pss'), 1, false],
  ['mem.ext.rss', '  extension processes: RSS sum (MB)', (s) => mem(s, 'extension', 'rss'), 1, false],
  ['mem.ext.pss', '    PSS sum (MB)', (s) => mem(s, 'extension', 'pss'), 1, false],
  ['mem.page.rss', '  page renderer: RSS (MB)', (s) => mem(s, 'page', 'rss'), 1, false],
  ['mem.browser.rss', '  browser process: RSS (MB)', (s) => mem(s, 'browser', 'rss'), 1, false],
  ['mem.processes', '  processes (count)', (s) => mem(s, 'all', 'processes'), 0, false],
  ['longtasks', 'long tasks > 50 ms (count)', (s) => s.longtasks, 1, true],
  ['loafs', 'long frames ≥ 50 ms the page does not explain (count)', (s) => (s.loafSupported ? s.loafsUnexplained : null), 1, true],
  ['heap', 'page JS heap growth (MB)', (s) => (s.heapGrowth === null ? null : s.heapGrowth / 1048576), 3, false],
  ['frames.slow', 'frames > 25 ms (count)', (s) => s.frames && s.frames.slow, 1, true],
  ['frames.missed', 'frames missed (count)', (s) => s.frames && s.frames.missed, 1, true],
  ['posts', 'posts appended in the window', (s) => s.posts, 0, true],
  ['hostOther', 'machine CPU outside the browser (s)', (s) => s.hostOther, 2, true],
];

/** What the extension's own hooks and traces say, over one configuration's samples. */
function extensionStats(samples) {
  const startupKeys = [
    ['contentScriptMs', 'content script evaluation (ms)'],
    ['firstSensorMs', 'navigation → first sensor message in the worker (ms)'],
    ['overlayMountMs', 'navigation → counter host in the page (ms)'],
    ['overlayFirstPaintMs', 'navigation → overlay frame first paint (ms; where the pill is in a frame)'],
    ['overlayFcpMs', 'navigation → overlay frame first contentful paint (ms)'],
  ];
  const startup = startupKeys.map(([key, label]) => ({
    key, label,
    value: median(samples.map((s) => s.startup && s.startup[key])),
    max: Math.max(...samples.map((s) => (s.startup && Number.isFinite(s.startup[key]) ? s.startup[key] : -Infinity))),
  }));
  // Writes a minute in steady state: the writes after each window's first,
  // over the time from its first write to its last, pooled (a count over
  // the window alone is off by one write at either edge: ±3 a minute in
  // 20 s). The plain count a minute is kept too.
  const writes = samples.filter((s) => Array.isArray(s.storageWriteTimes));
  const writeMinutes = writes.reduce((a, s) => a + s.seconds, 0) / 60;
  const writesCountedPerMinute = writeMinutes ? writes.reduce((a, s) => a + s.storageWrites, 0) / writeMinutes : null;
  const spans = writes.filter((s) => s.storageWriteTimes.length >= 2);
  const spanMinutes = spans.reduce((a, s) => a + (s.storageWriteTimes.at(-1) - s.storageWriteTimes[0]), 0) / 60000;
  const writesPerMinute = spanMinutes ? spans.reduce((a, s) => a + s.storageWriteTimes.length - 1, 0) / spanMinutes : writesCountedPerMinute;
  const workerHeap = median(samples.map((s) => (s.workerHeapGrowth === null || s.workerHeapGrowth === undefined ? null : s.workerHeapGrowth / 1048576)));
  const sum = (xs) => xs.reduce((a, x) => a + (x || 0), 0);
  const traced = samples.map((s) => s.attribution).filter(Boolean);
  const attribution = {
    seconds: sum(traced.map((a) => a.seconds)),
    extScriptMsPerS: traced.length ? sum(traced.map((a) => a.extScriptMs)) / sum(traced.map((a) => a.seconds)) : null,
    thamanTasks: sum(traced.map((a) => a.thamanTasksOver50)),
    tasks: sum(traced.map((a) => a.tasksOver50)),
    tasksWithThaman: sum(traced.map((a) => a.tasksOver50WithThaman)),
    longestMs: Math.max(0, ...traced.map((a) => a.thamanTaskMaxMs)),
    startupThamanTasks: sum(samples.map((s) => s.startup && s.startup.thamanLongTasks)),
    startupTasksWithThaman: sum(samples.map((s) => s.startup && s.startup.longTasksWithThaman)),
    startupLongestMs: Math.max(0, ...samples.map((s) => (s.startup && s.startup.thamanLongestMs) || 0)),
    startupTraced: samples.filter((s) => s.startup && s.startup.contentScriptMs !== null && s.startup.contentScriptMs !== undefined).length,
  };
  const restarts = samples.reduce((a, s) => a + (s.workerRestarts || 0), 0);
  // The configuration was what it claims (counter shown / hidden) in how many windows.
  const counterShown = samples.filter((s) => s.counterShown && s.counterAtEnd).length;
  const counterAbsent = samples.filter((s) => !s.counterShown && !s.counterAtEnd).length;
  return { samples: samples.length, startup, writesPerMinute, writesCountedPerMinute, workerHeap, attribution, restarts, counterShown, counterAbsent };
}

function summarize(opts, rounds) {
  // rounds: [{round, none: [samples], none2: […], with: […], hidden: […]}]
  const groups = [...opts.sites, ...(opts.sites.length > 1 ? ['all sites'] : [])];
  const pick = (cfg, site, get, additive) => rounds.map((r) => {
    const list = r[cfg] || [];
    if (site !== 'all sites') {
      const s = list.find((x) => x.site === site);
      return s ? get(s) : null;
    }
    if (!additive) return null;
    const vals = list.map(get);
    return vals.length && vals.every((v) => v !== null && v !== undefined) ? vals.reduce((a, b) => a + b, 0) : null;
  });
  const table = {};
  for (const g of groups) {
    table[g] = METRICS.filter(([, , , , additive]) => g !== 'all sites' || additive).map(([key, label, get, digits, additive]) => {
      const values = {};
      for (const c of opts.configs) values[c] = median(pick(c, g, get, additive));
      const ratios = {};
      const deltas = {};
      for (const c of opts.configs.filter((x) => x !== 'none')) {
        ratios[c] = ratio(values[c], values.none);
        deltas[c] = values[c] !== null && values.none !== null ? values[c] - values.none : null;
      }
      return { key, label, digits, values, ratios, deltas };
    });
  }
  // Extension processes' CPU per second of window: comparable with a
  // baseline measured with other window lengths.
  const extRate = {};
  for (const c of opts.configs) {
    extRate[c] = {};
    for (const g of groups) {
      extRate[c][g] = median(pick(c, g, (s) => s.cpu.extension / s.seconds, true));
    }
  }
  // Each configuration over `none` of the same round and site: the pairs
  // share the machine's state of that moment, so their spread is the noise
  // left once the drift between rounds is taken out.
  const paired = {};
  for (const key of ['cpu.total', 'main']) {
    const get = METRICS.find(([k]) => k === key)[2];
    paired[key] = {};
    for (const g of opts.sites) {
      paired[key][g] = {};
      for (const c of opts.configs.filter((x) => x !== 'none')) {
        paired[key][g][c] = pairedInterval(rounds.map((r) => {
          const a = (r[c] || []).find((x) => x.site === g);
          const b = (r.none || []).find((x) => x.site === g);
          return a && b ? ratio(get(a), get(b)) : null;
        }));
      }
    }
  }
  const ext = {};
  for (const c of opts.configs.filter((x) => CONFIGS[x].extension)) ext[c] = extensionStats(rounds.flatMap((r) => r[c] || []));
  const pidFallbacks = rounds.flatMap((r) => opts.configs.flatMap((c) => r[c] || [])).filter((s) => s.pidFrom !== 'trace').length;
  return { table, extRate, ext, pidFallbacks, paired };
}

// The numbers "today" is judged against (issue 18: extension processes'
// CPU at least halved, memory lower): bench/baseline.json, written by
// --save-baseline or by hand from a run on the build before the change.
const BASELINE_FILE = path.join(HERE, 'baseline.json');
function readBaseline() {
  try {
    return JSON.parse(fs.readFileSync(BASELINE_FILE, 'utf8'));
  } catch (_) {
    return null;
  }
}

/** This run's `with` numbers as a baseline (--save-baseline). */
function baselineOf(opts, meta, summary) {
  const row = (site, key) => summary.table[site].find((r) => r.key === key).values.with;
  const perSite = (key) => Object.fromEntries(opts.sites.map((s) => [s, row(s, key)]));
  const allDelta = Object.fromEntries(opts.sites.map((s) => {
    const r = summary.table[s].find((x) => x.key === 'mem.all.rss');
    return [s, r.deltas.with];
  }));
  return {
    what: 'Thaman with its counter shown, as measured by this bench; the numbers issue 18 is judged against',
    source: `node bench/run.mjs --save-baseline, ${meta.date}, ${meta.dist} version ${meta.extVersion}, commit ${meta.commit}`,
    rounds: opts.rounds,
    windowSeconds: opts.seconds,
    extensionCpuPerSecond: summary.extRate.with,
    extensionRssMB: perSite('mem.ext.rss'),
    allProcessesRssMBOverNone: allDelta,
    coldStartMs: summary.coldStart ? summary.coldStart.median : null,
  };
}

const STATUS = { true: 'met', false: '**missed**', info: 'reported' };

function targets(opts, summary, sizeList, baseline) {
  const t = [];
  const add = (what, goal, value, met) => t.push({ what, goal, value, met });
  const row = (group, key) => summary.table[group].find((r) => r.key === key);
  const x = (v) => (v === null || v === undefined ? '—' : `${fmt(v, 3)}×`);
  const hasWith = opts.configs.includes('with');
  const noise = opts.configs.includes('none2');
  // Total and main-thread CPU, each site on its own (issue 18: "on both").
  for (const [key, what] of [['cpu.total', 'total CPU'], ['main', 'page main-thread CPU']]) {
    for (const site of opts.sites) {
      const r = row(site, key);
      const v = r.ratios.with ?? null;
      const n = noise ? `; noise none2 / none ${x(r.ratios.none2)}` : '';
      const p = hasWith && summary.paired[key][site].with;
      const pair = p && p.low !== null ? `; paired by round ${x(p.median)} [${fmt(p.low, 3)}, ${fmt(p.high, 3)}]` : '';
      add(`${what}, with / none: ${site}`, '≤ 1.02×', hasWith ? `${x(v)}${pair}${n}` : 'not run', hasWith && v !== null && v <= 1.02);
    }
  }
  // Extension processes' CPU, per second of window, against the baseline.
  const all = opts.sites.length > 1 ? 'all sites' : opts.sites[0];
  const rate = hasWith ? summary.extRate.with[all] : null;
  const base = baseline && baseline.extensionCpuPerSecond ? baseline.extensionCpuPerSecond[all] : null;
  const sitesRate = hasWith ? opts.sites.map((s) => `${s} ${fmt(summary.extRate.with[s] * 1000, 1)}`).join(', ') : '';
  add(`extension processes' CPU (${all}), with, vs the baseline`,
    base ? `≤ ½ × ${fmt(base * 1000, 1)} ms/s` : '≤ ½ × baseline',
    rate === null ? 'not run' : `${fmt(rate * 1000, 1)} ms/s (${sitesRate})${base ? ` = ${x(rate / base)} the baseline` : '; no baseline (bench/baseline.json)'}`,
    base ? rate !== null && rate <= base / 2 : false);
  // Memory: reported; lower than the baseline where there is one.
  for (const [key, what, baseKey] of [
    ['mem.ext.rss', 'memory of the extension processes (RSS sum), with', 'extensionRssMB'],
    ['mem.all.rss', 'memory of all browser processes (RSS sum), with − none', 'allProcessesRssMBOverNone'],
  ]) {
    const values = opts.sites.map((s) => [s, key === 'mem.all.rss' ? row(s, key).deltas.with : row(s, key).values.with]);
    const b = baseline && baseline[baseKey];
    const measured = values.every(([, v]) => v !== null && v !== undefined);
    const lower = b && measured && values.every(([s, v]) => Number.isFinite(b[s]) && v < b[s]);
    add(what, b ? 'reported; lower than the baseline' : 'reported',
      hasWith ? values.map(([s, v]) => `${s} ${fmt(v, 1)} MB${b && Number.isFinite(b[s]) ? ` (baseline ${fmt(b[s], 1)})` : ''}`).join(', ') : 'not run',
      b ? Boolean(lower) : (measured && hasWith ? 'info' : false));
  }
  // Judged on an empty store and on a year's: a person's store grows.
  const colds = [['empty store', summary.coldStart], ['a year in the store', summary.coldStartYear]];
  // The floor is not judged: it says how much of the 50 ms the browser
  // leaves on this machine.
  const floor = summary.coldStartFloor;
  add('service worker cold start: stopped → first answer to a sensor (median)', '≤ 50 ms',
    colds.map(([what, c]) => `${what}: ${c && c.median !== null ? `${fmt(c.median, 1)} ms over ${c.n} stops (worst ${fmt(c.max, 1)}; wheel → answer ${fmt(c.inputMedian, 1)})` : 'not measured'}`).join('; ')
      + (floor && floor.median !== null ? `; the floor, a worker that loads nothing and answers at once (bench/floor-worker.js): ${fmt(floor.median, 1)} ms over ${floor.n} stops` : ''),
    colds.every(([, c]) => Boolean(c && c.median !== null && c.median <= 50)));
  // The earlier targets, judged on `with`.
  const w = summary.ext.with;
  if (w) {
    const a = w.attribution;
    const thamanTasks = a.thamanTasks + a.startupThamanTasks;
    add('long tasks attributable to Thaman', '0',
      a.seconds || a.startupTraced
        ? `${thamanTasks} (traced: ${a.startupTraced} start-ups, ${fmt(a.seconds, 0)} s of scrolling)`
        : 'not traced',
      Boolean(a.seconds || a.startupTraced) && thamanTasks === 0);
    const heapDelta = Math.max(...opts.sites.map((s) => row(s, 'heap').deltas.with).filter((d) => d !== null && d !== undefined));
    add('page JS heap growth, with − none (worst site)', '≤ 1 MB', Number.isFinite(heapDelta) ? `${fmt(heapDelta, 3)} MB` : '—',
      Number.isFinite(heapDelta) && heapDelta <= 1);
    const cs = w.startup.find((s) => s.key === 'contentScriptMs').value;
    add('content-script start (evaluation)', '≤ 5 ms', cs === null ? '—' : `${fmt(cs, 2)} ms`, cs !== null && cs <= 5);
    const writes = w.writesPerMinute;
    add('storage writes while scrolling (steady rate)', '≤ 12 / min', writes === null ? '—' : `${fmt(writes, 2)} / min`, writes !== null && writes <= 12);
  }
  // The largest context's module against the per-context target.
  const wasm = sizeList.filter((f) => f.file.endsWith('.wasm')).sort((a, b) => b.gzip - a.gzip)[0];
  add('wasm per context, gzip', '≤ 80 KB', wasm ? `${fmt(wasm.gzip / 1024, 1)} KB (${wasm.file})` : '—', Boolean(wasm) && wasm.gzip <= 80 * 1024);
  const p = summary.popup;
  if (p) add('popup open with a year of data (median)', '< 100 ms', `${fmt(p.median, 1)} ms`, p.median < 100);
  else if (summary.popupError) add('popup open with a year of data (median)', '< 100 ms', `not measured: ${summary.popupError}`, false);
  return t;
}

function markdown(opts, meta, summary, sizeList, targetList, baseline) {
  const L = [];
  const configs = shown(opts);
  const others = configs.filter((c) => c !== 'none');
  L.push('# Thaman bench results', '');
  L.push(`- date: ${meta.date}`);
  L.push(`- machine: ${meta.nproc} CPUs (${meta.cpuModel}), ${meta.memGiB} GiB, Linux ${meta.kernel}`);
  L.push(`- browser: ${meta.chromium} (headless), puppeteer-core ${meta.puppeteer}`);
  L.push(`- extension: ${meta.dist} (version ${meta.extVersion}; its checkout at ${meta.commit})`);
  L.push(`- configurations: ${configs.map((c) => `\`${c}\` (${CONFIGS[c].label})`).join(', ')}; the order rotates each round`);
  L.push(`- rounds: ${opts.rounds} per configuration; window ${opts.seconds} s after ${opts.warmup} s warm-up; scroll ${opts.speed} px/s plus a trusted wheel tick every ${opts.wheelEvery} ms; sites: ${opts.sites.join(', ')}`);
  if (opts.rounds < 9 || opts.seconds < 20) L.push(`- **${opts.rounds} round(s) of ${opts.seconds} s only: a smoke run, not a measurement** (use ≥ 9 rounds of ≥ 20 s)`);
  if (baseline) L.push(`- baseline (bench/baseline.json): ${baseline.source}`);
  L.push('', '## Targets', '', '| target | goal | measured | |', '|---|---|---|---|');
  for (const t of targetList) L.push(`| ${t.what} | ${t.goal} | ${t.value} | ${STATUS[t.met]} |`);

  // The noise and the ablation in one place: every configuration over none.
  const all = opts.sites.length > 1 ? 'all sites' : opts.sites[0];
  L.push('', `## Ratios over \`none\` (${all}, medians)`, '',
    `| | ${others.map((c) => `${c} / none`).join(' | ')} |`, `|---|${others.map(() => '---:').join('|')}|`);
  for (const key of ['cpu.total', 'main', 'cpu.page', 'cpu.browser', 'cpu.other']) {
    const r = summary.table[all].find((x) => x.key === key);
    L.push(`| ${r.label.trim()} | ${others.map((c) => (r.ratios[c] === null ? '—' : `${fmt(r.ratios[c], 3)}×`)).join(' | ')} |`);
  }
  L.push(`| extension processes' CPU (ms per s) | ${others.map((c) => fmt(summary.extRate[c][all] * 1000, 1)).join(' | ')} |`);
  L.push('', '`none2 / none` is the noise: two runs of the same thing. `hidden / none` is the same build with the counter hidden by its own setting (the ablation).');

  // The same over `none` of the same round: median and interval.
  const iv = (p) => (!p ? '—' : `${fmt(p.median, 3)}× [${fmt(p.low, 3)}, ${fmt(p.high, 3)}]`);
  const cover = Object.values(summary.paired.main).flatMap((g) => Object.values(g)).find((p) => p && p.coverage);
  L.push('', `## Paired by round: each configuration over \`none\` of the same round and site`, '',
    `Median of the per-round ratios, and an interval holding the true median with ${cover ? `${fmt(cover.coverage * 100, 1)} %` : '—'} confidence `
    + '(order statistics: no assumption about the distribution). An interval that holds 1.02 cannot call that target met or missed.', '',
    `| | ${others.map((c) => `${c} / none`).join(' | ')} |`, `|---|${others.map(() => '---:').join('|')}|`);
  for (const [key, what] of [['cpu.total', 'CPU, all browser processes'], ['main', 'page main thread CPU']]) {
    for (const site of opts.sites) L.push(`| ${what}: ${site} | ${others.map((c) => iv(summary.paired[key][site][c])).join(' | ')} |`);
  }

  for (const [group, rows] of Object.entries(summary.table)) {
    L.push('', `## ${group}: medians per ${opts.seconds} s window`, '',
      `| metric | ${configs.join(' | ')} | ${others.map((c) => `${c} / none`).join(' | ')} | ${others.filter((c) => c !== 'none2').map((c) => `${c} − none`).join(' | ')} |`,
      `|---|${[...configs, ...others, ...others.filter((c) => c !== 'none2')].map(() => '---:').join('|')}|`);
    for (const r of rows) {
      const depth = (r.label.match(/^ */)[0].length / 2) | 0;
      L.push(`| ${'↳ '.repeat(depth)}${r.label.trim()} | ${configs.map((c) => fmt(r.values[c], r.digits)).join(' | ')} | `
        + `${others.map((c) => (r.ratios[c] === null ? '—' : `${fmt(r.ratios[c], 3)}×`)).join(' | ')} | `
        + `${others.filter((c) => c !== 'none2').map((c) => fmt(r.deltas[c], r.digits)).join(' | ')} |`);
    }
  }
  const extConfigs = Object.keys(summary.ext);
  if (extConfigs.length) {
    const cols = (f) => extConfigs.map((c) => f(summary.ext[c], c)).join(' | ');
    L.push('', '## With the extension', '', `| metric | ${extConfigs.map((c) => `${c}: median`).join(' | ')} | worst |`,
      `|---|${extConfigs.map(() => '---:').join('|')}|---:|`);
    for (const s of summary.ext[extConfigs[0]].startup) {
      const worst = Math.max(...extConfigs.map((c) => summary.ext[c].startup.find((x) => x.key === s.key).max));
      L.push(`| ${s.label} | ${cols((e) => fmt(e.startup.find((x) => x.key === s.key).value, 1))} | ${Number.isFinite(worst) ? fmt(worst, 1) : '—'} |`);
    }
    L.push(`| content script on the page's main thread while scrolling (ms per s, traced) | ${cols((e) => fmt(e.attribution.extScriptMsPerS, 3))} | |`);
    L.push(`| tasks > 50 ms made long by Thaman: start-up / scrolling (traced) | ${cols((e) => `${e.attribution.startupThamanTasks} / ${e.attribution.thamanTasks}`)} | |`);
    L.push(`| tasks > 50 ms in which Thaman code ran at all: start-up / scrolling (of the long tasks traced while scrolling) | ${cols((e) => `${e.attribution.startupTasksWithThaman} / ${e.attribution.tasksWithThaman} (of ${e.attribution.tasks})`)} | |`);
    L.push(`| most Thaman time in one long task (ms) | ${cols((e) => fmt(Math.max(e.attribution.startupLongestMs, e.attribution.longestMs), 1))} | |`);
    L.push(`| storage writes per minute, steady (writes after the first ÷ first-to-last time, pooled) | ${cols((e) => fmt(e.writesPerMinute, 2))} | |`);
    L.push(`| storage writes per minute, counted in the windows | ${cols((e) => fmt(e.writesCountedPerMinute, 2))} | |`);
    L.push(`| service-worker JS heap growth per window (MB) | ${cols((e) => fmt(e.workerHeap, 3))} | |`);
    L.push(`| service-worker restarts during windows | ${cols((e) => String(e.restarts))} | |`);
    L.push(`| windows with the counter shown (start-up and end) / absent (both) | ${cols((e) => `${e.counterShown} / ${e.counterAbsent} of ${e.samples}`)} | |`);
  }
  if (summary.coldStart) {
    L.push('', '## Service worker cold start', '', '| | median | worst | stops |', '|---|---:|---:|---:|');
    for (const [what, c] of [['', summary.coldStart], [', a year in the store', summary.coldStartYear],
      [', the floor: a worker that loads nothing and answers at once', summary.coldStartFloor]]) {
      if (!c) continue;
      L.push(`| sensor's first message on the new line → the worker's first answer${what} (ms) | ${fmt(c.median, 1)} | ${fmt(c.max, 1)} | ${c.n} |`);
      L.push(`| trusted wheel event → the worker's first answer${what} (ms) | ${fmt(c.inputMedian, 1)} | ${fmt(c.inputMax, 1)} | ${c.n} |`);
      if (c.failed) L.push(`| stops with no answer within 10 s${what} | ${c.failed} | | |`);
    }
  }
  if (summary.popup) {
    L.push('', `Popup open → rendered with a year of data (${summary.popup.rows} day × site records): median ${fmt(summary.popup.median, 1)} ms, worst ${fmt(summary.popup.max, 1)} ms.`);
  }
  L.push('', '## Sizes (dist/chrome)', '', '| file | raw (KB) | gzip -9 (KB) |', '|---|---:|---:|');
  for (const f of sizeList) L.push(`| ${f.file} | ${fmt(f.raw / 1024, 1)} | ${fmt(f.gzip / 1024, 1)} |`);
  const get = (name) => sizeList.find((f) => f.file === name) || { raw: 0, gzip: 0 };
  const ctx = (label, names) => {
    const fs_ = names.map(get);
    L.push(`| *${label}* | ${fmt(fs_.reduce((a, f) => a + f.raw, 0) / 1024, 1)} | ${fmt(fs_.reduce((a, f) => a + f.gzip, 0) / 1024, 1)} |`);
  };
  ctx('page (content script)', ['content.js']);
  ctx('service worker', ['background.js', 'pkg/background/thaman.js', 'pkg/background/thaman_bg.wasm']);
  ctx('overlay frame', ['overlay.js', 'pkg/overlay/thaman.js', 'pkg/overlay/thaman_bg.wasm']);
  ctx('popup', ['popup.js', 'pkg/popup/thaman.js', 'pkg/popup/thaman_bg.wasm']);
  if (summary.pidFallbacks) L.push('', `Note: the page renderer was found by the busiest-renderer fallback in ${summary.pidFallbacks} window(s).`);
  L.push('', 'How each number is measured: bench/README.md. Raw samples: bench/results.json.', '');
  return L.join('\n');
}

// The popup opened with a year of history on every platform: ms from its
// navigation to rendered (the page notes it in body[data-ready-ms]).
async function popupOpen(opts) {
  const browser = await launch(true);
  try {
    const rows = await seedYear(browser);
    const times = [];
    for (let i = 0; i < Math.max(9, opts.rounds); i++) {
      const p = await browser.newPage();
      await p.setViewport({ width: 480, height: 600 });
      await p.goto(`chrome-extension://${EXTENSION_ID}/popup.html`);
      await p.waitForSelector('body[data-ready-ms]', { timeout: 10000 });
      times.push(Number(await p.$eval('body', (b) => b.dataset.readyMs)));
      await p.close();
    }
    return { rows, times };
  } finally {
    await browser.close();
  }
}

const EXTENSION_ID = 'ohnaalgachifdjhbceagihidhpnjnlib';

/** Imports a year of history on every platform; the number of day × site records. */
async function seedYear(browser) {
  const { seedExport } = await import('../tests/e2e/seed.mjs');
  // A page of an extension not loaded yet is refused
  // (ERR_BLOCKED_BY_CLIENT): its worker starting says it is loaded.
  await browser.waitForTarget(isThamanWorker, { timeout: 10000 });
  const page = await browser.newPage();
  await page.goto(`chrome-extension://${EXTENSION_ID}/options.html`);
  const data = seedExport(Date.now(), 365, {}, { allSites: true });
  const reply = await page.evaluate((d) => chrome.runtime.sendMessage({ type: 'import', data: d }), data);
  if (!reply || !reply.ok) throw new Error(`import failed: ${JSON.stringify(reply)}`);
  await sleep(1500); // the import's own write done
  await page.close();
  return data.days.length;
}

// --- main ---------------------------------------------------------------------------------
async function main() {
  const opts = options(process.argv.slice(2));
  if (!fs.existsSync(path.join(DIST, 'manifest.json'))) throw new Error(`no build at ${DIST}: run ./build.sh first`);
  EXTENSION_DIR = snapshotBuild();
  process.on('exit', () => EXTENSION_DIR !== DIST && fs.rmSync(EXTENSION_DIR, { recursive: true, force: true }));
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
  const order = [];
  for (let r = 0; r < opts.rounds; r++) {
    const rotated = opts.configs.map((_, i) => opts.configs[(i + r) % opts.configs.length]);
    for (const c of rotated) order.push([r, c]);
  }
  const perSite = (c) => opts.seconds + opts.warmup + 6 + (CONFIGS[c].extension ? opts.attribution + 2 : 0);
  const perRound = opts.configs.reduce((a, c) => a + opts.sites.length * perSite(c) + 4, 0);
  const extra = opts.stops * 9 + 40; // the cold starts (an empty store, a year's, the floor), the popup
  console.log(`Thaman bench: ${opts.rounds} round(s) × (${opts.configs.join(', ')}) × ${opts.sites.join('+')}, ${opts.seconds} s windows `
    + `at ${opts.speed} px/s, then ${opts.stops} cold starts (about ${Math.ceil((opts.rounds * perRound + extra) / 60)} min)`);
  const rounds = [];
  let version = null;
  for (const [r, name] of order) {
    if (!rounds[r]) rounds[r] = { round: r + 1, order: [] };
    rounds[r].order.push(name);
    const { samples, version: v } = await runConfig(opts, name);
    version = v;
    rounds[r][name] = samples;
    for (const s of samples) {
      const m = s.memory;
      const bits = [
        `round ${r + 1} ${name.padEnd(6)} ${s.site.padEnd(8)}`,
        `cpu ${fmt(s.cpu.total)} s (page ${fmt(s.cpu.page)}, ext ${fmt(s.cpu.extension, 3)}, browser ${fmt(s.cpu.browser)}, other ${fmt(s.cpu.other)})`,
        `main ${fmt(s.mainThread, 3)} s`,
        `RSS ${fmt(m.all.rss, 0)} MB (ext ${fmt(m.extension.rss, 0)}, ${m.all.processes} processes)`,
        `long tasks ${s.longtasks}`,
        `heap ${s.heapGrowth === null ? '—' : fmt(s.heapGrowth / 1048576, 2)} MB`,
        `slow frames ${s.frames ? s.frames.slow : '—'}`,
        `posts +${s.posts} (${s.totalPosts})`,
      ];
      if (s.withExtension) {
        bits.push(
          `counter ${s.counterShown ? 'shown' : 'absent'}/${s.counterAtEnd ? 'shown' : 'absent'}${s.overlayFrameAtEnd ? ' (frame)' : ''}`,
          `ext threads: main ${fmt(s.extensionThreads.frames, 3)} s, worker ${fmt(s.extensionThreads.worker, 3)} s`,
          `writes ${s.storageWrites}`,
          `cs ${fmt(s.startup.contentScriptMs)} ms`,
          `first sensor ${fmt(s.startup.firstSensorMs, 0)} ms`,
        );
        if (s.counted) bits.push(`Thaman counted: ${s.counted.adsRendered} ads rendered, ${s.counted.adsViewable} viewable (feed made ${s.counted.ads}), ${fmt(s.counted.attentionSeconds, 0)} s attention`);
        if (s.attribution) {
          const a = s.attribution;
          bits.push(`traced: cs ${fmt(a.extScriptMs / a.seconds, 2)} ms/s, tasks > 50 ms ${a.tasksOver50} (with Thaman code ${a.tasksOver50WithThaman}, made long by it ${a.thamanTasksOver50}, most ${fmt(a.thamanTaskMaxMs, 1)} ms)`);
        }
      }
      console.log(bits.join(' | '));
    }
    await sleep(1000); // let the closed browser's processes go before the next one
  }

  const sizeList = sizes();
  const summary = summarize(opts, rounds);
  if (opts.stops > 0 && opts.configs.includes('with')) {
    const summed = (stops) => {
      const ok = stops.filter((s) => !s.error);
      return {
        n: ok.length,
        failed: stops.length - ok.length,
        median: median(ok.map((s) => s.sentToAnswerMs)),
        max: ok.length ? Math.max(...ok.map((s) => s.sentToAnswerMs)) : null,
        inputMedian: median(ok.map((s) => s.inputToAnswerMs)),
        inputMax: ok.length ? Math.max(...ok.map((s) => s.inputToAnswerMs ?? -Infinity)) : null,
        stops,
      };
    };
    summary.coldStart = summed(await coldStart(opts));
    // The floor, right after: what the browser alone takes on this machine.
    try {
      summary.coldStartFloor = summed(await coldStart(opts, { dir: floorBuild() }));
    } catch (err) {
      console.error(`the cold start's floor not measured: ${err && err.message ? err.message : err}`);
    }
    // A step after the rounds that fails is reported, and the rounds kept.
    try {
      summary.coldStartYear = summed(await coldStart(opts, { year: true }));
    } catch (err) {
      console.error(`cold start with a year in the store not measured: ${err && err.message ? err.message : err}`);
    }
  }
  // A step after the rounds that fails is reported, and the rounds kept.
  try {
    const popup = await popupOpen(opts);
    summary.popup = { rows: popup.rows, median: median(popup.times), max: Math.max(...popup.times) };
    console.log(`popup with a year of data (${popup.rows} day × site records): ${popup.times.map((t) => fmt(t, 0)).join(', ')} ms`);
  } catch (err) {
    summary.popupError = String(err && err.message ? err.message : err);
    console.error(`popup not measured: ${summary.popupError}`);
  }
  const baseline = readBaseline();
  const targetList = targets(opts, summary, sizeList, baseline);
  let puppeteerVersion = '?';
  try {
    puppeteerVersion = JSON.parse(fs.readFileSync(path.join(HERE, '..', 'tests', 'e2e', 'node_modules', 'puppeteer-core', 'package.json'), 'utf8')).version;
  } catch (_) { /* unknown */ }
  let chromium = version;
  try {
    chromium = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || version;
  } catch (_) { /* keep the browser's own */ }
  let commit = '?';
  try {
    // The checkout the build lives in (THAMAN_DIST may be another's).
    commit = execFileSync('git', ['-C', DIST, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch (_) { /* not in a checkout */ }
  let extVersion = '?';
  try {
    extVersion = JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, 'manifest.json'), 'utf8')).version;
  } catch (_) { /* unknown */ }
  const meta = {
    date: new Date().toISOString(),
    nproc: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    cpuModel: (os.cpus()[0] || {}).model || '?',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    chromium,
    puppeteer: puppeteerVersion,
    dist: path.relative(path.join(HERE, '..'), DIST) || DIST,
    extVersion,
    commit,
  };
  const md = markdown(opts, meta, summary, sizeList, targetList, baseline);
  console.log(`\n${md}`);
  if (opts.write) {
    // What profiling found is written by hand in findings.md; keep it with
    // every fresh table so a re-run never loses the explanation.
    const findings = path.join(HERE, 'findings.md');
    const tail = fs.existsSync(findings) ? `\n${fs.readFileSync(findings, 'utf8')}` : '';
    fs.writeFileSync(path.join(HERE, 'results.md'), md + tail);
    fs.writeFileSync(path.join(HERE, 'results.json'), `${JSON.stringify({ meta, options: opts, rounds, sizes: sizeList, summary, baseline, targets: targetList }, null, 1)}\n`);
    console.log('wrote bench/results.md and bench/results.json');
  }
  if (opts.saveBaseline) {
    if (!opts.configs.includes('with')) throw usage('--save-baseline needs the with configuration');
    fs.writeFileSync(BASELINE_FILE, `${JSON.stringify(baselineOf(opts, meta, summary), null, 1)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), BASELINE_FILE)}`);
  }
  const count = (m) => targetList.filter((t) => t.met === m).length;
  console.log(`targets: ${count(true)} met, ${count(false)} missed, ${count('info')} reported without a goal to meet`);
}

// The page, its headers, the flags and the probe are shared with
// bench/profile.mjs, which imports them; the bench runs only when this file
// is the one invoked.
export { SITES, FLAGS, PROBE, HOST_FINDER, serve, wheel };
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error.usage ? `bench: ${error.message}` : error);
    process.exit(1);
  });
}
