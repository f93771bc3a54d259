// The prompt, end to end: with the interval set to 1 minute through import,
// the card appears after a minute of presence in the tab in front only;
// Useful moves those seconds into useful_seconds; the pill shows time sold.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openSite, overlayFrame, activity, askAsOptions, sleep, screenshot, clockSeconds, clickSettled, clickThroughDecoy, takeDecoyAway, toldNotTaken, extensionPage, probeRing, FIREFOX, COUNTER,
} from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Whether the card is up: the counter's frame is open and shows it. */
async function cardShown(counter) {
  const frame = await counter.frame({ timeout: 0 });
  return !!frame && frame.evaluate(() => !document.querySelector('.card').hidden).catch(() => false);
}

test('after a minute of presence the card asks; Useful makes that minute useful', async () => {
  const back = await openSite(browser, 'https://www.facebook.com/');
  const backFrame = await overlayFrame(back);
  const page = await openSite(browser, 'https://www.facebook.com/');
  const frame = await overlayFrame(page);
  const data = await askAsOptions(frame, { type: 'export' });
  data.settings.prompt_minutes = 1;
  assert.deepEqual(await askAsOptions(frame, { type: 'import', data }), { ok: true });

  await activity(page, 50000);
  assert.equal(await cardShown(frame), false, 'not before the minute');
  const deadline = Date.now() + 20000;
  while (!(await cardShown(frame)) && Date.now() < deadline) await activity(page, 1000);
  assert.equal(await cardShown(frame), true, 'the card is up');
  assert.equal(await cardShown(backFrame), false, 'never in the background tab');
  const question = await frame.$eval('.question', (e) => e.textContent);
  assert.match(question, /1 minutes? on Facebook|Facebook/);
  // The frame opened to hold the card; the page still works around it.
  const size = await page.evaluate(`${COUNTER}.getBoundingClientRect().height`);
  assert.ok(size > 150, `frame height ${size}`);
  // Only what it draws takes clicks: a ring around the card and the pill reaches the page.
  await (await frame.frame()).waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
  const ring = await probeRing(page, frame);
  assert.deepEqual(ring.missed, [], `clicks beside the card (${JSON.stringify(ring.boxes)}) that did not reach the page`);
  await screenshot(page, 'prompt-card-en');
  // The same card in the dark, and in Arabic (right to left), light and dark
  // (emulating the colour scheme needs Chromium's DevTools protocol).
  if (!FIREFOX) {
    const dark = () => frame.inFrame(() => getComputedStyle(document.querySelector('.card')).backgroundColor.startsWith('rgba(16, 42, 46'));
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    await frame.waitForFunction(() => getComputedStyle(document.querySelector('.card')).backgroundColor.startsWith('rgba(16, 42, 46'));
    await frame.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    await screenshot(page, 'prompt-card-dark-en');
    const chosen = await askAsOptions(frame, { type: 'get_settings' });
    await askAsOptions(frame, { type: 'set_settings', settings: { ...chosen, language: 'ar' } });
    await frame.waitForFunction(() => document.documentElement.dir === 'rtl' && !document.querySelector('.card').hidden);
    assert.equal(await dark(), true);
    await frame.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    await screenshot(page, 'prompt-card-dark-ar');
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    await frame.waitForFunction(() => !getComputedStyle(document.querySelector('.card')).backgroundColor.startsWith('rgba(16, 42, 46'));
    await frame.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    await screenshot(page, 'prompt-card-ar');
    await askAsOptions(frame, { type: 'set_settings', settings: chosen });
    await frame.waitForFunction(() => document.documentElement.dir !== 'rtl' && !document.querySelector('.card').hidden);
  }

  const before = (await askAsOptions(frame, { type: 'export' })).days.find((d) => d.site === 'facebook');
  // The page lays a decoy over "Useful", taking no clicks: a real click
  // through it answers nothing, and the card stays.
  assert.equal(await clickThroughDecoy(page, frame, '.useful'), 1, 'the real click went through the decoy into the card');
  await toldNotTaken(frame);
  await sleep(1500);
  assert.equal(await cardShown(frame), true, 'the card is still up, unanswered');
  const decoyed = (await askAsOptions(frame, { type: 'export' })).days.find((d) => d.site === 'facebook');
  assert.equal(decoyed.useful_seconds, before.useful_seconds, 'no useful time from the decoyed click');
  // Past the moments after the counter was found covered, and seen
  // uncovered again, choices count.
  await takeDecoyAway(page);

  await clickSettled(frame, '.reason');   // "I learned something"
  await clickSettled(frame, '.useful');
  for (let i = 0; i < 30 && await cardShown(frame); i++) await sleep(100);
  assert.equal(await cardShown(frame), false, 'gone after answering');
  const row = (await askAsOptions(frame, { type: 'export' })).days.find((d) => d.site === 'facebook');
  assert.ok(row.useful_seconds - before.useful_seconds >= 55, `useful ${row.useful_seconds}`);
  assert.ok(row.useful_seconds <= row.attention_seconds + 0.001);
  assert.equal(row.reasons.learned, 1);
  // Time sold = attention − useful: the pill fell back near zero.
  const sold = clockSeconds(await frame.$eval('.time', (e) => e.textContent));
  assert.ok(sold <= row.attention_seconds - row.useful_seconds + 2, `sold ${sold}`);
  await screenshot(page, 'prompt-answered-en');
  // The toolbar badge: today's attention on tracked sites, over a minute
  // (read from an extension page: Firefox gives a frame in a web page no
  // chrome.action).
  const ext = await extensionPage(browser, 'options.html');
  const badge = await ext.evaluate(() => chrome.action.getBadgeText({}));
  assert.match(badge, /^[1-9]m$/, `badge ${badge}`);
  await ext.close();

  data.settings.prompt_minutes = 10;
  await askAsOptions(frame, { type: 'import', data: { ...data, days: [] } });
  await page.close();
  await back.close();
});
