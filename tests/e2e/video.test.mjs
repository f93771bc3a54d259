// Video ads, end to end: a YouTube-like watch page whose player (always
// there, never re-added) is marked `ad-showing` while it shows an ad, as
// YouTube marks it, and loads each video it plays — every ad of a pod, the
// content — as a new media source in its one <video>. Each ad counts once,
// rendered, and viewable only when at least half the player was in view for
// 2 continuous seconds of it playing; an in-page navigation neither resets
// the count nor counts an ad twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openSite, overlayFrame, askAsOptions, sleep, extensionPage } from './harness.mjs';

const WATCH = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>YouTube</title>
<style>body{margin:0}#movie_player{width:640px;height:360px;background:#000}video{width:100%;height:100%}.below{height:3000px}</style></head>
<body><div id="player"><div class="html5-video-player ytp-large-width-mode playing-mode" id="movie_player" aria-label="YouTube Video Player"><div class="html5-video-container"><video class="video-stream html5-main-video"></video></div></div></div>
<div class="below"></div>
<script>
// The player loads a video: a new media source (a canvas stream, no
// network) in its one <video>, played muted, as YouTube plays ads.
window.feed = async () => {
  const video = document.querySelector('video');
  const canvas = Object.assign(document.createElement('canvas'), { width: 64, height: 36 });
  const ctx = canvas.getContext('2d');
  const hue = Math.random() * 360;
  setInterval(() => { ctx.fillStyle = 'hsl(' + ((hue + Date.now() / 10) % 360) + ' 60% 50%)'; ctx.fillRect(0, 0, 64, 36); }, 50);
  video.muted = true;
  video.srcObject = canvas.captureStream(20);
  await video.play();
};
</script></body></html>`;

let browser;
let ledger;
before(async () => {
  browser = await launch();
  ledger = await extensionPage(browser);
});
after(async () => { await browser?.close(); });

async function adCounts() {
  const data = await askAsOptions(ledger, { type: 'export' });
  return data.days.filter((d) => d.site === 'youtube')
    .reduce((acc, d) => ({ rendered: acc.rendered + d.ads_rendered, viewable: acc.viewable + d.ads_viewable }), { rendered: 0, viewable: 0 });
}

/** Opens the watch page, runs `play(page)`, returns the change in YouTube's ad counts. */
async function watch(name, play) {
  const url = `https://www.youtube.com/watch?v=${name}`;
  const before = await adCounts();
  const page = await openSite(browser, url, { extra: { [url]: { body: WATCH, headers: { 'content-type': 'text/html; charset=utf-8' } } } });
  assert.ok(await overlayFrame(page), 'overlay');
  await sleep(500); // the sensor's first pass finds the player, not yet an ad
  await play(page);
  await sleep(500);
  const after = await adCounts();
  await page.close();
  return { rendered: after.rendered - before.rendered, viewable: after.viewable - before.viewable };
}

// An ad starts: the player is marked and loads the ad. It ends: the mark
// goes and the player loads the content. The next ad of a pod: the player
// loads it, the mark stays.
const adOn = (page) => page.evaluate(() => {
  document.querySelector('#movie_player').classList.add('ad-created', 'ad-showing', 'ad-interrupting');
  return window.feed();
});
const adOff = (page) => page.evaluate(() => {
  document.querySelector('#movie_player').classList.remove('ad-showing', 'ad-interrupting');
  return window.feed();
});
const nextInPod = (page) => page.evaluate(() => window.feed());
const pause = (page) => page.evaluate(() => document.querySelector('video').pause());
const resume = (page) => page.evaluate(() => document.querySelector('video').play());
const scrollTo = (page, top) => page.evaluate((y) => window.scrollTo({ top: y, behavior: 'instant' }), top);

test('two ads of 3 s in view, one after the other, across an in-page navigation: 2 viewable', async () => {
  const counts = await watch('two-ads', async (page) => {
    await adOn(page);
    await sleep(3000);
    await adOff(page);
    await sleep(200);
    await adOn(page);
    await sleep(1000);
    // YouTube moves to another video without loading a page.
    await page.evaluate(() => {
      history.pushState({}, '', '/watch?v=next');
      document.dispatchEvent(new CustomEvent('yt-navigate-finish'));
    });
    await sleep(2000);
    await adOff(page);
    await sleep(1000);
    // The player's other classes change while no ad shows: not an ad.
    await page.evaluate(() => document.querySelector('#movie_player').classList.replace('playing-mode', 'paused-mode'));
  });
  assert.deepEqual(counts, { rendered: 2, viewable: 2 });
});

test('an ad shown 1.5 s: rendered, not viewable', async () => {
  const counts = await watch('short-ad', async (page) => {
    await adOn(page);
    await sleep(1500);
    await adOff(page);
  });
  assert.deepEqual(counts, { rendered: 1, viewable: 0 });
});

test('an ad scrolled out of view while it plays (1.2 s in, 1.2 s out, 1.2 s in): not viewable', async () => {
  const counts = await watch('scrolled-ad', async (page) => {
    await adOn(page);
    await sleep(1200);
    await scrollTo(page, 2000);
    await sleep(1200);
    await scrollTo(page, 0);
    await sleep(1200);
    await adOff(page);
  });
  assert.deepEqual(counts, { rendered: 1, viewable: 0 });
});

test('a pod of two ads of 3 s each, the mark kept on between them: 2 viewable', async () => {
  const counts = await watch('pod', async (page) => {
    await adOn(page); // "Ad 1 of 2"
    await sleep(3000);
    await nextInPod(page); // "Ad 2 of 2": a new source, ad-showing stays
    await sleep(3000);
    await adOff(page);
  });
  assert.deepEqual(counts, { rendered: 2, viewable: 2 });
});

test('an ad paused in full view does not accrue (1.2 s playing, 2 s paused, 1.2 s playing): not viewable', async () => {
  const counts = await watch('paused-ad', async (page) => {
    await adOn(page);
    await sleep(1200);
    await pause(page);
    await sleep(2000);
    await resume(page);
    await sleep(1200);
    await adOff(page);
  });
  assert.deepEqual(counts, { rendered: 1, viewable: 0 });
});

test('an ad never started (the mark on, its video paused 3 s in view): not viewable', async () => {
  const counts = await watch('never-played', async (page) => {
    await page.evaluate(() => document.querySelector('#movie_player').classList.add('ad-showing'));
    await sleep(3000);
    await page.evaluate(() => document.querySelector('#movie_player').classList.remove('ad-showing'));
  });
  assert.deepEqual(counts, { rendered: 1, viewable: 0 });
});

// The sensor batches what can wait (at most a message a second). A new ad
// cannot: its clock starts only once the core has called it an ad. The
// person's input just before the ad (the first after a pause goes at once)
// would hold the ad's report back for most of a second of its 2.
test('an ad that starts just after the person moved the mouse, 2.4 s in view: viewable', async () => {
  const counts = await watch('after-input', async (page) => {
    await page.mouse.move(300, 200);
    await page.mouse.move(320, 210);
    await adOn(page);
    await sleep(2400);
    await scrollTo(page, 2000);
    await sleep(300);
  });
  assert.deepEqual(counts, { rendered: 1, viewable: 1 });
});
