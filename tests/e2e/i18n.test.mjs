// Arabic is first-class: the overlay and popup render right-to-left in
// Arabic when the browser's language is Arabic (checked by screenshot too).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openSite, overlayFrame, readOverlay, screenshot, extensionPage } from './harness.mjs';

let browser;
before(async () => { browser = await launch({ lang: 'ar' }); });
after(async () => { await browser?.close(); });

test('overlay in Arabic: right-to-left, Arabic words', async () => {
  const page = await openSite(browser, 'https://www.facebook.com/');
  const frame = await overlayFrame(page);
  assert.ok(frame, 'the overlay frame appears');
  const state = await readOverlay(frame);
  assert.equal(state.dir, 'rtl');
  assert.equal(state.lang, 'ar');
  assert.equal(state.site, 'فيسبوك');
  assert.equal(state.label, 'بِيعت اليوم');
  await screenshot(page, 'foundation-facebook-ar');
  await page.close();
});

test('popup in Arabic: right-to-left', async () => {
  const page = await extensionPage(browser, 'popup.html');
  await page.waitForSelector('.popup h1');
  const dir = await page.evaluate(() => document.documentElement.dir);
  assert.equal(dir, 'rtl');
  assert.match(await page.$eval('.popup h1', (e) => e.textContent), /ثمن/);
  await screenshot(page, 'popup-ar', { clip: { x: 0, y: 0, width: 320, height: 180 } });
  await page.close();
});
