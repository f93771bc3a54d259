// Attention time in real Chromium: tabs share one window, so a background
// tab really is hidden and unfocused. Every number is read from the export
// contract ({type: "export"}), asked from the overlay (an extension frame)
// so the tracked tab stays in front.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  launch, openSite, overlayFrame, readOverlay, activity, askAsOptions, attentionOf, extensionPage, sleep,
  serviceWorker, EXTENSION_ORIGIN, CHROMIUM_ONLY, FIREFOX,
} from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function exported(frame, site) {
  return attentionOf(await askAsOptions(frame, { type: 'export' }), site);
}

function near(actual, expected, tolerance, what) {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual.toFixed(2)} s, expected ${expected} ± ${tolerance}`);
}

async function setIdleThreshold(frame, seconds) {
  const data = await askAsOptions(frame, { type: 'export' });
  data.settings.idle_threshold_seconds = seconds;
  const reply = await askAsOptions(frame, { type: 'import', data });
  assert.deepEqual(reply, { ok: true });
}

test('export contract: shape, schema, settings', async () => {
  const page = await openSite(browser, 'https://www.facebook.com/');
  const frame = await overlayFrame(page);
  const data = await askAsOptions(frame, { type: 'export' });
  assert.equal(data.schema, 1);
  assert.match(data.exported_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(data.settings.idle_threshold_seconds, 60);
  assert.equal(data.settings.day_start_hour, 0);
  assert.ok(Array.isArray(data.days));
  await page.close();
});

test('20 s present with scripted input => 20 ± 1 s exported', async () => {
  const page = await openSite(browser, 'https://www.facebook.com/');
  const frame = await overlayFrame(page);
  const before = await exported(frame, 'facebook');
  const start = Date.now();
  await activity(page, 20000);
  const elapsed = (Date.now() - start) / 1000;
  const gained = (await exported(frame, 'facebook')) - before;
  near(gained, elapsed, 1, 'attention for 20 s of presence');
  const shown = await readOverlay(frame);
  assert.match(shown.time, /^\d+:\d\d:\d\d$/, 'overlay shows h:mm:ss');
  await page.close();
});

test('a background tab of the same site adds nothing, even given input', async () => {
  const back = await openSite(browser, 'https://www.facebook.com/');
  const backFrame = await overlayFrame(back);
  const front = await openSite(browser, 'https://www.facebook.com/');
  const frontFrame = await overlayFrame(front);
  assert.equal(await back.evaluate(() => document.visibilityState), 'hidden');
  const before = await exported(frontFrame, 'facebook');
  const start = Date.now();
  // Both tabs get scripted input; only the one in front may count.
  await Promise.all([activity(front, 8000), activity(back, 8000, 300)]);
  const elapsed = (Date.now() - start) / 1000;
  near((await exported(frontFrame, 'facebook')) - before, elapsed, 1, 'two tabs, one counted');
  assert.equal((await readOverlay(backFrame)).counting, true, "the hidden tab's overlay follows the site's counting");
  await front.close();
  await back.close();
});

test('switching tabs moves counting to the tab in front', async () => {
  const fb = await openSite(browser, 'https://www.facebook.com/');
  const fbFrame = await overlayFrame(fb);
  const x = await openSite(browser, 'https://x.com/home', { front: false });
  await fb.bringToFront();
  const [fb0, x0] = [await exported(fbFrame, 'facebook'), await exported(fbFrame, 'x')];
  await activity(fb, 6000);
  await x.bringToFront();
  const xFrame = await overlayFrame(x);
  await activity(x, 6000);
  const [fb1, x1] = [await exported(xFrame, 'facebook'), await exported(xFrame, 'x')];
  near(fb1 - fb0, 6, 1.2, 'facebook while in front');
  near(x1 - x0, 6, 1.2, 'x after the switch');
  await fb.close();
  await x.close();
});

test('no input beyond the idle threshold: counting stops, the idle tail is not counted', async () => {
  const page = await openSite(browser, 'https://www.facebook.com/');
  const frame = await overlayFrame(page);
  await setIdleThreshold(frame, 15);
  const before = await exported(frame, 'facebook');
  await activity(page, 3000);
  await sleep(21000); // present nowhere: threshold 15 s, plus a flush
  const gained = (await exported(frame, 'facebook')) - before;
  near(gained, 3, 1, 'only the present part');
  assert.equal((await readOverlay(frame)).counting, false, 'the overlay stopped');
  await setIdleThreshold(frame, 60);
  await page.close();
});

test('the service worker stopped mid-session loses at most 5 s', { skip: CHROMIUM_ONLY }, async () => {
  const page = await openSite(browser, 'https://www.facebook.com/');
  const frame = await overlayFrame(page);
  const before = await exported(frame, 'facebook');
  const start = Date.now();
  const working = activity(page, 20000);
  await sleep(10000);
  const worker = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith(EXTENSION_ORIGIN));
  const cdp = await page.createCDPSession();
  await cdp.send('ServiceWorker.enable');
  const stopped = new Promise((resolve) => browser.on('targetdestroyed', (t) => t === worker && resolve(true)));
  await cdp.send('ServiceWorker.stopAllWorkers');
  assert.equal(await Promise.race([stopped, sleep(3000).then(() => false)]), true, 'the worker was stopped');
  await working;
  const elapsed = (Date.now() - start) / 1000;
  const gained = (await exported(frame, 'facebook')) - before;
  assert.ok(gained <= elapsed + 1, `${gained} ≤ ${elapsed} + 1`);
  assert.ok(gained >= elapsed - 5.5, `lost ${(elapsed - gained).toFixed(2)} s (at most 5)`);
  await page.close();
});

test('the browser closed and reopened on the same profile keeps the totals', {
  skip: FIREFOX && 'Firefox removes a temporary add-on, and its storage, when it closes',
}, async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'thaman-profile-'));
  let b = await launch({ userDataDir: profile });
  try {
    const page = await openSite(b, 'https://x.com/home');
    const frame = await overlayFrame(page);
    await activity(page, 8000);
    const kept = await exported(frame, 'x');
    assert.ok(kept >= 7, `counted ${kept}`);
    await b.close();
    b = await launch({ userDataDir: profile });
    const popup = await extensionPage(b);
    await serviceWorker(b);
    const after = attentionOf(await askAsOptions(popup, { type: 'export' }), 'x');
    assert.ok(after >= kept - 5 && after <= kept + 2, `before close ${kept.toFixed(2)} s, after reopening ${after.toFixed(2)} s`);
  } finally {
    await b.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});

test('a bad import is refused with a clear reason and changes nothing', async () => {
  const popup = await extensionPage(browser);
  const before = await askAsOptions(popup, { type: 'export' });
  const refusals = [
    [{ ...before, schema: 99 }, /newer/],
    [{ days: 'lots' }, /not a Thaman export/],
    [{ ...before, days: [{ date: '2026-02-30', site: 'x', attention_seconds: 1 }] }, /not a Thaman export.*date/],
    [{ ...before, days: [{ date: '2026-11-02', site: 'myspace', attention_seconds: 1 }] }, /unknown site/],
    [{ ...before, days: [{ date: '2026-11-02', site: 'x', attention_seconds: -4 }] }, /0 to 86400/],
    [{ ...before, settings: { idle_threshold_seconds: 1, day_start_hour: 0 } }, /15–600/],
  ];
  for (const [data, reason] of refusals) {
    const reply = await askAsOptions(popup, { type: 'import', data });
    assert.equal(reply.ok, false);
    assert.match(reply.error, reason);
  }
  const after = await askAsOptions(popup, { type: 'export' });
  assert.deepEqual({ ...after, exported_at: null }, { ...before, exported_at: null });
  await popup.close();
});
