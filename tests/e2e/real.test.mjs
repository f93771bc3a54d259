// Real captured pages (../shared/fixtures/real, provenance and ground truth
// in its README), each served at its platform's URL with none of the site's
// CSS but what the live site also gives every custom element (display:block),
// walked top to bottom in a tall window: the ads counted rendered and viewable
// must equal the ads the README lists, zero on the organic controls. The files
// are read where they lie (never copied into the tree); without them the tests
// skip, except under CI=true, where that fails the run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, openSite, overlayFrame, askAsOptions, sleep, extensionPage, ROOT, FIREFOX } from './harness.mjs';

const REAL = path.resolve(ROOT, '..', 'shared', 'fixtures', 'real');
const PRESENT = fs.existsSync(path.join(REAL, 'README.md'));
const CI = process.env.CI === 'true';

// A tall window and a step of one window: every element no taller than the
// window has at least half of itself in view at some step, so a few steps
// walk a 60,000 px page. Each step is held past the 1 s display rule (the
// 2 s video rule on the watch page). Narrow, because without the site's CSS
// every icon is as wide as its column (a 1280 px window makes the YouTube
// captures 80,000-170,000 px long, 400 px 30,000-70,000).
const WINDOW = { width: 400, height: 4000 };
const DWELL_MS = 1400;
const VIDEO_DWELL_MS = 2600;

// The current-era captures and the ads their README counts.
const CURRENT = [
  ['youtube/home-grid-adslot-en.html', 'https://www.youtube.com/', 1],
  ['youtube/home-grid-adslot-es.html', 'https://www.youtube.com/?hl=es', 1],
  ['youtube/home-grid-adslot-it.html', 'https://www.youtube.com/?hl=it', 1],
  ['youtube/home-grid-displayad-de.html', 'https://www.youtube.com/?hl=de', 1],
  ['youtube/home-grid-displayad-fr.html', 'https://www.youtube.com/?hl=fr', 1],
  ['youtube/home-grid-displayad-zh-TW.html', 'https://www.youtube.com/?hl=zh-TW', 1],
  ['youtube/home-masthead-fr.html', 'https://www.youtube.com/?hl=fr&masthead', 1],
  ['youtube/search-pyv-fr.html', 'https://www.youtube.com/results?search_query=diem+metaverse+', 1],
  ['youtube/search-sparkles-fr.html', 'https://www.youtube.com/results?search_query=arduino+drone', 1],
  ['youtube/search-carousel-ad-en.html', 'https://www.youtube.com/results?search_query=carousel', 1],
  ['youtube/watch-player-ad-showing-en.html', 'https://www.youtube.com/watch?v=nrQNDcZjErw', 1, VIDEO_DWELL_MS, true],
  ['facebook/comet-2020-feed-sponsored-en.html', 'https://www.facebook.com/', 1],
  ['twitter/x-2025-home-timeline-organic-en.html', 'https://x.com/home', 0],
  ['twitter/x-2025-profile-video-placementtracking-organic-en.html', 'https://x.com/badlogicgames', 0],
  ['tiktok/foryou-2022-organic-fr.html', 'https://www.tiktok.com/foryou', 0],
].map(([file, url, ads, dwell = DWELL_MS, plays = false]) => ({ file, url, ads, dwell, plays, site: siteOf(url) }));

/**
 * Runs in the page: its player plays its ad, as on the live site. The
 * capture's <video> has no source (the ad's media was never captured), and
 * a video ad counts only while it plays: it gets one (a canvas stream, no
 * network), muted.
 */
async function playTheAd() {
  const video = document.querySelector('.html5-video-player video');
  const canvas = Object.assign(document.createElement('canvas'), { width: 64, height: 36 });
  const ctx = canvas.getContext('2d');
  setInterval(() => { ctx.fillStyle = `hsl(${(Date.now() / 10) % 360} 60% 50%)`; ctx.fillRect(0, 0, 64, 36); }, 50);
  video.muted = true;
  video.srcObject = canvas.captureStream(20);
  await video.play();
}

// The captures holding a <video> element. Firefox ESR 153 (headless, over
// WebDriver BiDi) stops parsing about 1 in 5 such documents served by
// network.provideResponse at an https URL: readyState stays 'loading' (still
// so 14 s on, through input, scrolling and bringToFront), with the response
// complete, no request pending and no error.
// Measured on the watch capture: 14 of 77 loads without the add-on too; 0 of
// 41 as a data: URL (interception on or off), 0 of 20 each with <video> made
// <div> or <audio>; still stuck with the video display:none, the favicon
// answered 404, the HTTP cache off, no site isolation, a same-origin page
// first, or hardware decoding, picture-in-picture and autoplay off. Such a
// tab is closed and the capture served again (walk); nothing else is retried.
// Five tries: at that rate three all stalled about once in 170 loads of a
// capture, and did, in a full run (2026-12-01, the zh-TW grid).
const STALL_TRIES = 5;
const VIDEO = new Set([
  'youtube/home-grid-displayad-fr.html',
  'youtube/home-grid-displayad-zh-TW.html',
  'youtube/watch-player-ad-showing-en.html',
]);

// Classic Facebook (2018) is a retired layout: what it gives is reported,
// not asserted, and the rules are not tuned for it.
const RETIRED = [
  'facebook/legacy-2018-feed-ad-decoy-letters-en.html',
  'facebook/legacy-2018-feed-political-ad-paid-for-en.html',
  'facebook/legacy-2018-feed-organic-post-en.html',
  'facebook/legacy-2018-right-column-ads-en.html',
].map((file) => ({ file, url: `https://www.facebook.com/?legacy=${path.basename(file, '.html')}`, site: 'facebook', dwell: DWELL_MS }));

function siteOf(url) {
  const host = new URL(url).hostname;
  return host === 'x.com' ? 'x' : host.split('.').at(-2);
}

let browser;
let ledger; // an extension page in a background tab, to ask
before(async () => {
  if (!PRESENT) return;
  browser = await launch();
  ledger = await extensionPage(browser);
});
after(async () => { await browser?.close(); });

if (!PRESENT && CI) {
  test('the real captures are present (CI)', () => assert.fail(`${REAL} is missing: the real-page tests cannot run`));
}

/** ads_rendered and ads_viewable summed over every day, for a site. */
async function adCounts(site) {
  const data = await askAsOptions(ledger, { type: 'export' });
  return data.days.filter((d) => d.site === site)
    .reduce((acc, d) => ({ rendered: acc.rendered + d.ads_rendered, viewable: acc.viewable + d.ads_viewable }), { rendered: 0, viewable: 0 });
}

/**
 * The capture as served: its own document, with one rule before its
 * markup — custom elements are blocks, as their own styles make them on the
 * live site (an undefined custom element is inline by default).
 */
function served(file) {
  const html = fs.readFileSync(path.join(REAL, file), 'utf8');
  const style = '<style>:not(:defined){display:block}</style>';
  const body = html.includes('</head>') ? html.replace('</head>', `${style}</head>`) : style + html;
  return { body, headers: { 'content-type': 'text/html; charset=utf-8' } };
}

/** A site's ad counts once no report is still coming in (two reads 1 s apart agree). */
async function settledCounts(site) {
  for (let last = await adCounts(site); ; ) {
    await sleep(1000);
    const now = await adCounts(site);
    if (now.rendered === last.rendered && now.viewable === last.viewable) return now;
    last = now;
  }
}

/**
 * Opens a capture; returns {page, before} (the site's counts just before).
 * In Firefox a tab whose <video> capture never finished parsing (see VIDEO)
 * is closed and the capture opened again; `before` is then read once that
 * tab's reports have settled, so only the page that loaded is measured.
 */
async function openCapture({ file, url, site }, t) {
  let before = await adCounts(site);
  for (let attempt = 1; ; attempt++) {
    const open = new Set(await browser.pages());
    try {
      return { page: await openSite(browser, url, { extra: { [url]: served(file) } }), before };
    } catch (e) {
      if (!(FIREFOX && VIDEO.has(file)) || attempt === STALL_TRIES) throw e;
      // The stalled tab is the new one (its url() stays about:blank over BiDi).
      const stalled = [];
      for (const p of await browser.pages()) {
        if (open.has(p)) continue;
        stalled.push(await p.evaluate(() => `${document.readyState}, ${document.getElementsByTagName('*').length} elements`).catch(() => '?'));
        await p.close();
      }
      t.diagnostic(`${file}: attempt ${attempt} never finished loading (${e.message}; ${stalled.join('; ') || 'no tab found'}); served again`);
      before = await settledCounts(site);
    }
  }
}

/** Serves a capture, walks it window by window, returns the change in its site's ad counts. */
async function walk(capture, t) {
  const { url, dwell, site, plays } = capture;
  const { page, before } = await openCapture(capture, t);
  await page.setViewport(WINDOW);
  assert.ok(await overlayFrame(page), `overlay on ${url}`);
  if (plays) await page.evaluate(playTheAd);
  await sleep(500); // the sensor's first pass
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const step = await page.evaluate(() => innerHeight);
  for (let y = 0; ; y += step) {
    await page.evaluate((top) => window.scrollTo({ top, behavior: 'instant' }), y);
    await sleep(dwell);
    if (y + step >= height) break;
  }
  await page.evaluate(() => window.scrollTo({ top: 0, behavior: 'instant' }));
  await sleep(400);
  const after = await adCounts(site);
  await page.close();
  return { rendered: after.rendered - before.rendered, viewable: after.viewable - before.viewable, steps: Math.ceil(height / step) };
}

for (const capture of CURRENT) {
  test(`real ${capture.file}: ${capture.ads} ad(s), rendered and viewable`, async (t) => {
    if (!PRESENT) return t.skip(`${REAL} is absent`);
    const { rendered, viewable, steps } = await walk(capture, t);
    t.diagnostic(`${capture.file}: ${rendered} rendered, ${viewable} viewable (${steps} steps)`);
    assert.deepEqual({ rendered, viewable }, { rendered: capture.ads, viewable: capture.ads });
  });
}

for (const capture of RETIRED) {
  test(`real ${capture.file}: retired layout, reported only`, async (t) => {
    if (!PRESENT) return t.skip(`${REAL} is absent`);
    const { rendered, viewable } = await walk(capture, t);
    t.diagnostic(`${capture.file} (retired layout, not asserted): ${rendered} rendered, ${viewable} viewable`);
  });
}
