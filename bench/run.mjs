#!/usr/bin/env node
// Thaman's bench: what the extension costs a page, measured in real Chromium
// on a synthetic infinite feed, alternating runs without and with the
// extension (A B A B …). See bench/README.md for what each number means.
//
//   node bench/run.mjs [--rounds 9] [--seconds 12] [--warmup 2] [--speed 600]
//                      [--attribution 3] [--sites facebook,x] [--no-write]
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
import { DIST, EXTENSION_ORIGIN, isOverlayUrl, overlayFrame, sleep } from '../tests/e2e/harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DEBUG = Boolean(process.env.BENCH_DEBUG);
const debug = (...args) => DEBUG && console.log('[debug]', ...args);

// --- options -------------------------------------------------------------------
const usage = (message) => Object.assign(new Error(message), { usage: true });
function options(argv) {
  const o = { rounds: 9, seconds: 12, warmup: 2, speed: 600, wheelEvery: 500, attribution: 3, sites: ['facebook', 'x'], write: true };
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
    else if (a === '--sites') o.sites = next().split(',').filter(Boolean);
    else if (a === '--no-write') o.write = false;
    else if (a === '-h' || a === '--help') {
      console.log('usage: node bench/run.mjs [--rounds N] [--seconds S] [--warmup S] [--speed PX_PER_S] [--attribution S] [--sites facebook,x] [--no-write]');
      process.exit(0);
    } else throw usage(`unknown argument ${a} (see --help)`);
  }
  for (const s of o.sites) if (!SITES[s]) throw usage(`unknown site ${s}: one of ${Object.keys(SITES).join(', ')}`);
  if (![o.rounds, o.seconds, o.warmup, o.speed, o.attribution].every(Number.isFinite)) throw usage('numeric options must be numbers');
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

async function launch(withExtension) {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    pipe: true,
    headless: true,
    enableExtensions: withExtension ? [EXTENSION_DIR] : false,
    defaultViewport: { width: 1280, height: 800 },
    args: [...FLAGS, '--lang=en'],
    env: { ...process.env, LANGUAGE: 'en', LANG: 'en_US.UTF-8' },
  });
}

// Runs in the page's main world before any of its scripts (top frame only):
// long tasks, long animation frames with their scripts, when the overlay's
// host element appears, and the steady auto-scroll with its frame counter.
function PROBE() {
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
  // The overlay's host element, a nameless <div>, is appended to <html>
  // itself by the content script (the page's own go into head and body).
  const mo = new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (n.nodeName === 'DIV' && r.target === document.documentElement) {
          B.overlayAt = performance.now();
          mo.disconnect();
          return;
        }
        if (n === document.documentElement) mo.observe(n, { childList: true });
      }
    }
  });
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

async function runSite(ctx, siteName) {
  const { browser, browserSession, withExtension, opts } = ctx;
  const site = SITES[siteName];
  const page = await browser.newPage();
  const session = await page.createCDPSession();
  await page.evaluateOnNewDocument(PROBE);
  await page.setRequestInterception(true);
  serve(page, site);

  // Start-up, traced: the page's renderer pid and the content script's run.
  await page.tracing.start({ categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
  await page.goto(site.url, { waitUntil: 'load' });
  await page.bringToFront();
  let frame = null;
  if (withExtension) frame = await overlayFrame(page, { timeout: 15000 });
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
    const hooks = await ctx.workerEval(() => globalThis.__thamanBench && globalThis.__thamanBench.connects);
    const sensor = (hooks || []).find((c) => c.name === 'sensor' && c.url === site.url && c.first);
    startup.firstSensorMs = sensor ? sensor.first - pageInfo.origin : null;
    startup.firstSensorType = sensor ? sensor.type : null;
    if (frame) {
      const paints = await frame.evaluate(() => ({
        origin: performance.timeOrigin,
        entries: performance.getEntriesByType('paint').map((p) => [p.name, p.startTime]),
      }));
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
  const inPage = await page.evaluate(() => window.__thamanBench.read());

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
    if (DEBUG) fs.writeFileSync(path.join(os.tmpdir(), `thaman-bench-trace-${siteName}.json`), Buffer.from(buffer));
    const t = readTrace(buffer, site.url, trace.pagePid);
    attribution = {
      seconds, extScriptMs: t.extScriptMs, tasksOver50: t.tasksOver50, tasksOver50WithThaman: t.tasksOver50WithThaman,
      thamanTasksOver50: t.thamanTasksOver50, thamanTaskMaxMs: t.thamanTaskMaxMs,
    };
  }
  const wheels = await stopWheel();
  await page.evaluate(() => window.__thamanBench.stop());
  const heap1 = await heapUsed(session);

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
  const cpu = cpuDelta(cpu0, cpu1, pagePid);

  const sample = {
    site: siteName,
    withExtension,
    seconds: (t1 - t0) / 1000,
    pagePid,
    pidFrom,
    cpu,
    extensionThreads: extensionSplit(threads0, threads1),
    mainThread: main0 !== null && main1 !== null ? main1 - main0 : null,
    longtasks: inPage.longtasks.length,
    longtaskMs: inPage.longtasks.reduce((s, l) => s + l.dur, 0),
    heapGrowth: heap0 !== null && heap1 !== null ? heap1 - heap0 : null,
    frames: inPage.frames,
    posts: inPage.posts,
    totalPosts: inPage.totalPosts,
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
    // What Thaman itself counted on this page (its export contract): a
    // check that it saw the feed's ads and the time, not a cost.
    try {
      const f = (frame && !frame.detached ? frame : await overlayFrame(page, { timeout: 3000 }));
      const data = f && (await f.evaluate((m) => chrome.runtime.sendMessage(m), { type: 'export' }));
      const rows = ((data && data.days) || []).filter((d) => d.site === siteName);
      const total = (k) => rows.reduce((a, d) => a + (d[k] || 0), 0);
      const made = await page.evaluate(() => (window.__feed || {}).ads || 0);
      sample.counted = { ads: made, adsRendered: total('ads_rendered'), adsViewable: total('ads_viewable'), attentionSeconds: total('attention_seconds') };
    } catch (error) {
      sample.counted = { error: error.message };
    }
  }
  await session.detach().catch(() => {});
  await page.close();
  return sample;
}

async function runConfig(opts, withExtension) {
  cmdlines.clear(); // pids of an earlier browser may be reused
  const browser = await launch(withExtension);
  try {
    const browserSession = await browser.target().createCDPSession();
    const ctx = { browser, browserSession, withExtension, opts, workerRestarts: 0 };
    if (withExtension) {
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
    }
    const samples = [];
    for (const site of opts.sites) samples.push(await runSite(ctx, site));
    return { samples, version: await browser.version() };
  } finally {
    await browser.close();
  }
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
const fmt = (x, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const ratio = (a, b) => (a === null || b === null || !b ? null : a / b);

// Per-window metrics: [key, label, getter, digits, additive across sites]
const METRICS = [
  ['cpu.total', 'CPU, all browser processes (s)', (s) => s.cpu.total, 2, true],
  ['cpu.page', '  page renderer (s)', (s) => s.cpu.page, 2, true],
  ['cpu.extension', '  extension processes (s)', (s) => s.cpu.extension, 3, true],
  ['ext.frames', '    of which extension frames: overlay (s)', (s) => s.extensionThreads && s.extensionThreads.frames, 3, true],
  ['ext.worker', '    of which service worker thread (s)', (s) => s.extensionThreads && s.extensionThreads.worker, 3, true],
  ['cpu.browser', '  browser process (s)', (s) => s.cpu.browser, 2, true],
  ['cpu.other', '  other (GPU, utility, …) (s)', (s) => s.cpu.other, 2, true],
  ['main', 'page main thread CPU (s)', (s) => s.mainThread, 3, true],
  ['longtasks', 'long tasks > 50 ms (count)', (s) => s.longtasks, 1, true],
  ['loafs', 'long frames ≥ 50 ms the page does not explain (count)', (s) => (s.loafSupported ? s.loafsUnexplained : null), 1, true],
  ['heap', 'page JS heap growth (MB)', (s) => (s.heapGrowth === null ? null : s.heapGrowth / 1048576), 3, false],
  ['frames.slow', 'frames > 25 ms (count)', (s) => s.frames && s.frames.slow, 1, true],
  ['frames.missed', 'frames missed (count)', (s) => s.frames && s.frames.missed, 1, true],
  ['posts', 'posts appended in the window', (s) => s.posts, 0, true],
  ['hostOther', 'machine CPU outside the browser (s)', (s) => s.hostOther, 2, true],
];

function summarize(opts, rounds) {
  // rounds: [{round, without: [samples], with: [samples]}]
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
      const without = median(pick('without', g, get, additive));
      const withExt = median(pick('with', g, get, additive));
      return { key, label, digits, without, with: withExt, ratio: ratio(withExt, without), delta: withExt !== null && without !== null ? withExt - without : null };
    });
  }
  const withSamples = rounds.flatMap((r) => r.with || []);
  const startupKeys = [
    ['contentScriptMs', 'content script evaluation (ms)'],
    ['firstSensorMs', 'navigation → first sensor message in the worker (ms)'],
    ['overlayMountMs', 'navigation → overlay element in the page (ms)'],
    ['overlayFirstPaintMs', 'navigation → overlay frame first paint (ms)'],
    ['overlayFcpMs', 'navigation → overlay frame first contentful paint (ms)'],
  ];
  const startup = startupKeys.map(([key, label]) => ({
    key, label,
    value: median(withSamples.map((s) => s.startup && s.startup[key])),
    max: Math.max(...withSamples.map((s) => (s.startup && Number.isFinite(s.startup[key]) ? s.startup[key] : -Infinity))),
  }));
  // Writes a minute in steady state: the writes after each window's first,
  // over the time from its first write to its last, pooled (a count over
  // the window alone is off by one write at either edge: ±3 a minute in
  // 20 s). The plain count a minute is kept too.
  const writes = withSamples.filter((s) => Array.isArray(s.storageWriteTimes));
  const writeMinutes = writes.reduce((a, s) => a + s.seconds, 0) / 60;
  const writesCountedPerMinute = writeMinutes ? writes.reduce((a, s) => a + s.storageWrites, 0) / writeMinutes : null;
  const spans = writes.filter((s) => s.storageWriteTimes.length >= 2);
  const spanMinutes = spans.reduce((a, s) => a + (s.storageWriteTimes.at(-1) - s.storageWriteTimes[0]), 0) / 60000;
  const writesPerMinute = spanMinutes ? spans.reduce((a, s) => a + s.storageWriteTimes.length - 1, 0) / spanMinutes : writesCountedPerMinute;
  const workerHeap = median(withSamples.map((s) => (s.workerHeapGrowth === null || s.workerHeapGrowth === undefined ? null : s.workerHeapGrowth / 1048576)));
  const sum = (xs) => xs.reduce((a, x) => a + (x || 0), 0);
  const traced = withSamples.map((s) => s.attribution).filter(Boolean);
  const attribution = {
    seconds: sum(traced.map((a) => a.seconds)),
    extScriptMsPerS: traced.length ? sum(traced.map((a) => a.extScriptMs)) / sum(traced.map((a) => a.seconds)) : null,
    thamanTasks: sum(traced.map((a) => a.thamanTasksOver50)),
    tasks: sum(traced.map((a) => a.tasksOver50)),
    tasksWithThaman: sum(traced.map((a) => a.tasksOver50WithThaman)),
    longestMs: Math.max(0, ...traced.map((a) => a.thamanTaskMaxMs)),
    startupThamanTasks: sum(withSamples.map((s) => s.startup && s.startup.thamanLongTasks)),
    startupTasksWithThaman: sum(withSamples.map((s) => s.startup && s.startup.longTasksWithThaman)),
    startupLongestMs: Math.max(0, ...withSamples.map((s) => (s.startup && s.startup.thamanLongestMs) || 0)),
    startupTraced: withSamples.filter((s) => s.startup && s.startup.contentScriptMs !== null).length,
  };
  const restarts = withSamples.reduce((a, s) => a + (s.workerRestarts || 0), 0);
  const pidFallbacks = rounds.flatMap((r) => [...(r.with || []), ...(r.without || [])]).filter((s) => s.pidFrom !== 'trace').length;
  return { table, startup, writesPerMinute, writesCountedPerMinute, workerHeap, attribution, restarts, pidFallbacks };
}

function targets(summary, sizeList) {
  const all = summary.table['all sites'] || Object.values(summary.table)[0];
  const row = (key) => all.find((r) => r.key === key);
  const heapDelta = Math.max(...Object.entries(summary.table).filter(([g]) => g !== 'all sites')
    .map(([, rows]) => rows.find((r) => r.key === 'heap').delta).filter((d) => d !== null));
  const cs = summary.startup.find((s) => s.key === 'contentScriptMs').value;
  // The largest context's module against the per-context target.
  const wasm = sizeList.filter((f) => f.file.endsWith('.wasm')).sort((a, b) => b.gzip - a.gzip)[0];
  const t = [];
  const add = (what, goal, value, met) => t.push({ what, goal, value, met });
  const total = row('cpu.total').ratio;
  add('total CPU, with / without', '≤ 1.03×', total === null ? '—' : `${fmt(total, 3)}×`, total !== null && total <= 1.03);
  const main = row('main').ratio;
  add('page main-thread CPU, with / without', '≤ 1.02×', main === null ? '—' : `${fmt(main, 3)}×`, main !== null && main <= 1.02);
  const a = summary.attribution;
  const thamanTasks = a.thamanTasks + a.startupThamanTasks;
  add('long tasks attributable to Thaman', '0',
    a.seconds || a.startupTraced
      ? `${thamanTasks} (traced: ${a.startupTraced} start-ups, ${fmt(a.seconds, 0)} s of scrolling)`
      : 'not traced',
    Boolean(a.seconds || a.startupTraced) && thamanTasks === 0);
  add('page JS heap growth, with − without (worst site)', '≤ 1 MB', Number.isFinite(heapDelta) ? `${fmt(heapDelta, 3)} MB` : '—',
    Number.isFinite(heapDelta) && heapDelta <= 1);
  add('content-script start (evaluation)', '≤ 5 ms', cs === null ? '—' : `${fmt(cs, 2)} ms`, cs !== null && cs <= 5);
  add('wasm per context, gzip', '≤ 80 KB', wasm ? `${fmt(wasm.gzip / 1024, 1)} KB (${wasm.file})` : '—', Boolean(wasm) && wasm.gzip <= 80 * 1024);
  const w = summary.writesPerMinute;
  add('storage writes while scrolling (steady rate)', '≤ 12 / min', w === null ? '—' : `${fmt(w, 2)} / min`, w !== null && w <= 12);
  const p = summary.popup;
  if (p) add('popup open with a year of data (median)', '< 100 ms', `${fmt(p.median, 1)} ms`, p.median < 100);
  return t;
}

function markdown(opts, meta, summary, sizeList, targetList) {
  const L = [];
  L.push('# Thaman bench results', '');
  L.push(`- date: ${meta.date}`);
  L.push(`- machine: ${meta.nproc} CPUs (${meta.cpuModel}), ${meta.memGiB} GiB, Linux ${meta.kernel}`);
  L.push(`- browser: ${meta.chromium} (headless), puppeteer-core ${meta.puppeteer}`);
  L.push(`- extension: ${meta.dist} (version ${meta.extVersion})`);
  L.push(`- rounds: ${opts.rounds} per configuration, alternating without/with; window ${opts.seconds} s after ${opts.warmup} s warm-up; scroll ${opts.speed} px/s plus a wheel tick every ${opts.wheelEvery} ms; sites: ${opts.sites.join(', ')}`);
  if (opts.rounds < 9) L.push(`- **${opts.rounds} round(s) only: a smoke run, not a measurement** (run-to-run noise is 5–15%; use ≥ 9 rounds)`);
  L.push('', '## Targets', '', '| target | goal | measured | |', '|---|---|---|---|');
  for (const t of targetList) L.push(`| ${t.what} | ${t.goal} | ${t.value} | ${t.met ? 'met' : '**missed**'} |`);
  for (const [group, rows] of Object.entries(summary.table)) {
    L.push('', `## ${group}: medians per ${opts.seconds} s window`, '', '| metric | without | with | ratio | with − without |', '|---|---:|---:|---:|---:|');
    for (const r of rows) {
      const depth = (r.label.match(/^ */)[0].length / 2) | 0;
      L.push(`| ${'↳ '.repeat(depth)}${r.label.trim()} | ${fmt(r.without, r.digits)} | ${fmt(r.with, r.digits)} | ${r.ratio === null ? '—' : `${fmt(r.ratio, 3)}×`} | ${fmt(r.delta, r.digits)} |`);
    }
  }
  L.push('', '## With the extension only', '', '| metric | median | worst |', '|---|---:|---:|');
  for (const s of summary.startup) L.push(`| ${s.label} | ${fmt(s.value, 1)} | ${Number.isFinite(s.max) ? fmt(s.max, 1) : '—'} |`);
  const a = summary.attribution;
  L.push(`| content script on the page's main thread while scrolling (ms per s, traced) | ${fmt(a.extScriptMsPerS, 3)} | |`);
  L.push(`| tasks > 50 ms made long by Thaman (over 50 ms only with its script time): start-up / scrolling (traced) | ${a.startupThamanTasks} / ${a.thamanTasks} | |`);
  L.push(`| tasks > 50 ms in which Thaman code ran at all: start-up / scrolling, of ${a.tasks} long tasks traced while scrolling | ${a.startupTasksWithThaman} / ${a.tasksWithThaman} | ${fmt(Math.max(a.startupLongestMs, a.longestMs), 1)} ms of Thaman in one |`);
  L.push(`| storage writes per minute, steady (writes after the first ÷ first-to-last time, pooled) | ${fmt(summary.writesPerMinute, 2)} | |`);
  L.push(`| storage writes per minute, counted in the windows | ${fmt(summary.writesCountedPerMinute, 2)} | |`);
  L.push(`| service-worker JS heap growth per window (MB) | ${fmt(summary.workerHeap, 3)} | |`);
  L.push(`| service-worker restarts during windows | ${summary.restarts} | |`);
  if (summary.popup) L.push(`| popup open → rendered with a year of data (${summary.popup.rows} day × site records) (ms) | ${fmt(summary.popup.median, 1)} | ${fmt(summary.popup.max, 1)} |`);
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
  const { seedExport } = await import('../tests/e2e/seed.mjs');
  const browser = await launch(true);
  try {
    const id = 'ohnaalgachifdjhbceagihidhpnjnlib';
    const page = await browser.newPage();
    await page.goto(`chrome-extension://${id}/options.html`);
    const data = seedExport(Date.now(), 365, {}, { allSites: true });
    const reply = await page.evaluate((d) => chrome.runtime.sendMessage({ type: 'import', data: d }), data);
    if (!reply || !reply.ok) throw new Error(`import failed: ${JSON.stringify(reply)}`);
    const times = [];
    for (let i = 0; i < Math.max(9, opts.rounds); i++) {
      const p = await browser.newPage();
      await p.setViewport({ width: 480, height: 600 });
      await p.goto(`chrome-extension://${id}/popup.html`);
      await p.waitForSelector('body[data-ready-ms]', { timeout: 10000 });
      times.push(Number(await p.$eval('body', (b) => b.dataset.readyMs)));
      await p.close();
    }
    return { rows: data.days.length, times };
  } finally {
    await browser.close();
  }
}

// --- main ---------------------------------------------------------------------------------
async function main() {
  const opts = options(process.argv.slice(2));
  if (!fs.existsSync(path.join(DIST, 'manifest.json'))) throw new Error(`no build at ${DIST}: run ./build.sh first`);
  EXTENSION_DIR = snapshotBuild();
  process.on('exit', () => EXTENSION_DIR !== DIST && fs.rmSync(EXTENSION_DIR, { recursive: true, force: true }));
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
  const order = [];
  for (let r = 0; r < opts.rounds; r++) order.push([r, false], [r, true]);
  const perRound = opts.sites.length * (2 * (opts.seconds + opts.warmup + 5) + opts.attribution) + 8;
  console.log(`Thaman bench: ${opts.rounds} round(s) × (without, with) × ${opts.sites.join('+')}, ${opts.seconds} s windows ` +
    `at ${opts.speed} px/s (about ${Math.ceil((opts.rounds * perRound) / 60)} min)`);
  const rounds = [];
  let version = null;
  for (const [r, withExtension] of order) {
    if (!rounds[r]) rounds[r] = { round: r + 1 };
    const { samples, version: v } = await runConfig(opts, withExtension);
    version = v;
    rounds[r][withExtension ? 'with' : 'without'] = samples;
    for (const s of samples) {
      const bits = [
        `round ${r + 1} ${withExtension ? 'with   ' : 'without'} ${s.site.padEnd(8)}`,
        `cpu ${fmt(s.cpu.total)} s (page ${fmt(s.cpu.page)}, ext ${fmt(s.cpu.extension, 3)}, browser ${fmt(s.cpu.browser)}, other ${fmt(s.cpu.other)})`,
        `main ${fmt(s.mainThread, 3)} s`,
        `long tasks ${s.longtasks}`,
        `heap ${s.heapGrowth === null ? '—' : fmt(s.heapGrowth / 1048576, 2)} MB`,
        `slow frames ${s.frames ? s.frames.slow : '—'}`,
        `posts +${s.posts} (${s.totalPosts})`,
      ];
      if (withExtension) {
        bits.push(
          `ext threads: overlay ${fmt(s.extensionThreads.frames, 3)} s, worker ${fmt(s.extensionThreads.worker, 3)} s`,
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
  const popup = await popupOpen(opts);
  summary.popup = { rows: popup.rows, median: median(popup.times), max: Math.max(...popup.times) };
  console.log(`popup with a year of data (${popup.rows} day × site records): ${popup.times.map((t) => fmt(t, 0)).join(', ')} ms`);
  const targetList = targets(summary, sizeList);
  let puppeteerVersion = '?';
  try {
    puppeteerVersion = JSON.parse(fs.readFileSync(path.join(HERE, '..', 'tests', 'e2e', 'node_modules', 'puppeteer-core', 'package.json'), 'utf8')).version;
  } catch (_) { /* unknown */ }
  let chromium = version;
  try {
    chromium = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || version;
  } catch (_) { /* keep the browser's own */ }
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
  };
  const md = markdown(opts, meta, summary, sizeList, targetList);
  console.log(`\n${md}`);
  if (opts.write) {
    // What profiling found is written by hand in findings.md; keep it with
    // every fresh table so a re-run never loses the explanation.
    const findings = path.join(HERE, 'findings.md');
    const tail = fs.existsSync(findings) ? `\n${fs.readFileSync(findings, 'utf8')}` : '';
    fs.writeFileSync(path.join(HERE, 'results.md'), md + tail);
    fs.writeFileSync(path.join(HERE, 'results.json'), `${JSON.stringify({ meta, options: opts, rounds, sizes: sizeList, summary, targets: targetList }, null, 1)}\n`);
    console.log('wrote bench/results.md and bench/results.json');
  }
  const missed = targetList.filter((t) => !t.met).length;
  console.log(`targets: ${targetList.length - missed} met, ${missed} missed`);
}

main().catch((error) => {
  console.error(error.usage ? `bench: ${error.message}` : error);
  process.exit(1);
});
