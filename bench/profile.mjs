#!/usr/bin/env node
// Where the content script's time goes on the page's main thread: a V8 CPU
// profile of the page while the bench's feed scrolls (as in run.mjs: 600 px/s
// plus a trusted wheel tick every 500 ms), its self time per script and, for
// the extension's scripts, per function, with the browser's own functions
// (getBoundingClientRect, postMessage: a forced layout, a message sent)
// charged to the script line that called them. One run, not a measurement of
// what Thaman costs (run.mjs is): a map of where to look, and a before/after
// for one change, run alternately a few times (bench/findings.md).
//
//   node bench/profile.mjs [--site facebook|x] [--seconds 20] [--dist DIR]
//
// DIR is a build (default dist/chrome, or THAMAN_DIST); `none` profiles the
// page without the extension.
import path from 'node:path';
import puppeteer from '../tests/e2e/node_modules/puppeteer-core/lib/esm/puppeteer/puppeteer-core.js';
import { DIST, sleep } from '../tests/e2e/harness.mjs';
import { SITES, FLAGS, PROBE, HOST_FINDER, serve, wheel } from './run.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const siteName = args.site || 'facebook';
const seconds = Number(args.seconds || 20);
const dist = args.dist === 'none' ? null : path.resolve(args.dist || DIST);
if (!SITES[siteName] || !(seconds > 0)) {
  console.error('usage: node bench/profile.mjs [--site facebook|x] [--seconds 20] [--dist DIR|none]');
  process.exit(2);
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  pipe: true,
  headless: true,
  enableExtensions: dist ? [dist] : false,
  defaultViewport: { width: 1280, height: 800 },
  args: [...FLAGS, '--lang=en'],
});
try {
  const page = await browser.newPage();
  await page.evaluateOnNewDocument(`(${PROBE})(${HOST_FINDER})`);
  await page.setRequestInterception(true);
  serve(page, SITES[siteName]);
  await page.goto(SITES[siteName].url, { waitUntil: 'load' });
  await page.bringToFront();
  await sleep(3000); // the counter up, the sensor's first pass done
  await page.mouse.move(500, 400);
  await page.evaluate(() => window.__thamanBench.scroll(600));
  const stopWheel = wheel(page, 500);
  await sleep(2000);
  const session = await page.createCDPSession();
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: 200 });
  await session.send('Profiler.start');
  await sleep(seconds * 1000);
  const { profile } = await session.send('Profiler.stop');
  await stopWheel();
  report(profile);
} finally {
  await browser.close();
}

/** Prints self time per script, and per function of the extension's, in ms per second. */
function report(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children || []) parent.set(child, n.id);
  // A browser function (no url) is charged to its nearest caller with one.
  const caller = (id) => {
    for (let i = id; i !== undefined; i = parent.get(i)) if (nodes.get(i).callFrame.url) return nodes.get(i).callFrame;
    return null;
  };
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) || 0) + profile.timeDeltas[i]));
  const byScript = new Map();
  const byFunction = new Map();
  const add = (map, key, us) => map.set(key, (map.get(key) || 0) + us);
  for (const [id, us] of self) {
    const own = nodes.get(id).callFrame;
    const at = caller(id) || own;
    add(byScript, at.url ? at.url.replace(/^chrome-extension:\/\/[a-p]{32}/, 'extension:') : `(${own.functionName || 'program'})`, us);
    if (at.url.startsWith('chrome-extension://')) {
      add(byFunction, `${at.functionName || '(anonymous)'}:${at.lineNumber + 1}${own.url ? '' : ` > ${own.functionName}`}`, us);
    }
  }
  const span = (profile.endTime - profile.startTime) / 1e6;
  const rate = (us) => (us / 1000 / span).toFixed(3).padStart(8);
  console.log(`${siteName}, ${dist || 'no extension'}: ${span.toFixed(1)} s profiled; ms of the page's main thread per second`);
  for (const [key, us] of [...byScript].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`${rate(us)}  ${key}`);
  console.log('the extension\'s scripts, by function (line):');
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${rate(us)}  ${key}`);
}
