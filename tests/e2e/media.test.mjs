// Media presence is real playback only (README "What counts as attention"):
// a media element extends presence while it is in the document, really
// playing, and audible, in fullscreen or picture-in-picture, or started by
// the person. Forged events, a muted feed video playing by itself and a
// video taken out of the page keep no clock running. Idle threshold 15 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openSite, overlayFrame, askAsOptions, attentionOf, sleep } from './harness.mjs';

const IDLE_S = 15;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const exported = async (frame) => attentionOf(await askAsOptions(frame, { type: 'export' }), 'facebook');

async function setIdleThreshold(frame, seconds) {
  const data = await askAsOptions(frame, { type: 'export' });
  data.settings.idle_threshold_seconds = seconds;
  assert.deepEqual(await askAsOptions(frame, { type: 'import', data }), { ok: true });
}

/** Opens the Facebook fixture (its CSP allows blob: media) with the threshold at 15 s. */
async function open() {
  const page = await openSite(browser, 'https://www.facebook.com/');
  const frame = await overlayFrame(page);
  assert.ok(frame, 'the counter is shown');
  await setIdleThreshold(frame, IDLE_S);
  return { page, frame };
}

test('forged playing events and a muted video playing by itself, nobody there: no more than the idle threshold', async () => {
  const { page, frame } = await open();
  const start = await exported(frame);
  const played = await page.evaluate(async () => {
    // A muted feed video fed by a canvas (no network), autoplaying.
    const canvas = Object.assign(document.createElement('canvas'), { width: 64, height: 36 });
    const ctx = canvas.getContext('2d');
    setInterval(() => { ctx.fillStyle = `hsl(${Date.now() % 360} 60% 50%)`; ctx.fillRect(0, 0, 64, 36); }, 100);
    const feed = Object.assign(document.createElement('video'), { muted: true, autoplay: true, srcObject: canvas.captureStream(10) });
    document.body.prepend(feed);
    await feed.play();
    // A paused video the page says is playing, over and over; and one
    // taken out of the page.
    const idle = document.createElement('video');
    document.body.append(idle);
    const gone = document.createElement('video');
    window.__forge = setInterval(() => {
      for (const v of [idle, feed, gone]) for (const type of ['play', 'playing']) v.dispatchEvent(new Event(type, { bubbles: true }));
      document.dispatchEvent(new Event('playing'));
    }, 500);
    window.__feed = feed;
    return !feed.paused;
  });
  assert.ok(played, 'the muted video plays');
  const t0 = await page.evaluate(() => window.__feed.currentTime);
  await sleep(32000);
  const gained = (await exported(frame)) - start;
  assert.ok(await page.evaluate((t0) => window.__feed.currentTime > t0 + 20, t0), 'the muted video kept playing');
  assert.ok(gained <= IDLE_S + 1, `counted ${gained.toFixed(2)} s with nobody there (idle threshold ${IDLE_S} s)`);
  await page.evaluate(() => clearInterval(window.__forge));
  await page.close();
});

test('an audible video the person started counts past the idle threshold; taken out of the page, presence ends', async () => {
  const { page, frame } = await open();
  await page.evaluate(() => {
    // A 2 s, 440 Hz tone as 16-bit PCM WAV, looped: sound, no network.
    const rate = 8000;
    const n = rate * 2;
    const wav = new DataView(new ArrayBuffer(44 + n * 2));
    const text = (at, s) => [...s].forEach((c, i) => wav.setUint8(at + i, c.charCodeAt(0)));
    text(0, 'RIFF'); wav.setUint32(4, 36 + n * 2, true); text(8, 'WAVEfmt ');
    wav.setUint32(16, 16, true); wav.setUint16(20, 1, true); wav.setUint16(22, 1, true);
    wav.setUint32(24, rate, true); wav.setUint32(28, rate * 2, true); wav.setUint16(32, 2, true); wav.setUint16(34, 16, true);
    text(36, 'data'); wav.setUint32(40, n * 2, true);
    for (let i = 0; i < n; i++) wav.setInt16(44 + i * 2, Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), true);
    const video = document.createElement('video');
    video.loop = true;
    video.src = URL.createObjectURL(new Blob([wav.buffer], { type: 'audio/wav' }));
    video.style.cssText = 'position:fixed;left:200px;top:200px;width:320px;height:180px;background:#000;z-index:99999';
    // The page's own player: a click on the video plays it.
    video.addEventListener('click', () => video.play());
    document.body.append(video);
    window.__video = video;
  });
  await page.waitForFunction(() => window.__video.readyState >= 2, { timeout: 5000 });
  const start = await exported(frame);
  const clicked = Date.now();
  await page.mouse.click(360, 290); // the person presses play
  await page.waitForFunction(() => !window.__video.paused && window.__video.currentTime > 0.2, { timeout: 5000 });
  await sleep(IDLE_S * 1000 + 7000);
  const playing = (await exported(frame)) - start;
  const elapsed = (Date.now() - clicked) / 1000;
  assert.ok(await page.evaluate(() => !window.__video.paused && !window.__video.muted), 'still playing, with sound');
  assert.ok(playing >= elapsed - 2, `the person's video counted ${playing.toFixed(2)} s of ${elapsed.toFixed(2)} s (past the ${IDLE_S} s threshold)`);

  // The page takes the playing video out: no longer proof of anyone. (The
  // core shows a stretch without input as counted until the idle
  // threshold has passed, then cuts it back to the last proof.)
  await page.evaluate(() => window.__video.remove());
  const removed = await exported(frame);
  await sleep(IDLE_S * 1000 + 4000);
  const afterwards = (await exported(frame)) - removed;
  assert.ok(afterwards <= 1.5, `${afterwards.toFixed(2)} s counted after the video left the page`);
  await page.close();
});
