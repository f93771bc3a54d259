// Where the counter sits, in real Chromium: at the page's inline-end
// corner (bottom right; bottom left on a right-to-left page), never over
// the page's own fixed controls on the fixture pages; dragged, it stays
// where the person put it on that site. And how it looks in the dark.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openSite, overlayFrame, activity, ask, extensionPage, screenshot, sleep, clickSettled, AD_FIXTURES as truth, openAdFixture, CHROMIUM_ONLY, COUNTER,
} from './harness.mjs';

let browser;
let ext;
before(async () => {
  browser = await launch();
  ext = await extensionPage(browser, 'options.html');
});
after(async () => { await browser?.close(); });

const settings = () => ask(ext, { type: 'get_settings' });

/** The counter's box, and every fixed or sticky box of the page it overlaps. */
async function overlaps(page) {
  return page.evaluate((host) => {
    const h = host.getBoundingClientRect();
    const hit = [];
    for (const el of document.querySelectorAll('body *')) {
      const p = getComputedStyle(el).position;
      if (p !== 'fixed' && p !== 'sticky') continue;
      const r = el.getBoundingClientRect();
      if (r.width && r.height && r.left < h.right && r.right > h.left && r.top < h.bottom && r.bottom > h.top) {
        hit.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className}`);
      }
    }
    const { clientWidth, clientHeight } = document.documentElement; // less any scrollbar
    return { box: { left: h.left, right: clientWidth - h.right, bottom: clientHeight - h.bottom, width: h.width }, hit };
  }, await page.evaluateHandle(COUNTER));
}

async function openFixture(entry) {
  const { page, frame } = await openAdFixture(browser, entry);
  assert.ok(frame, `overlay on ${entry.url}`);
  return { page, frame };
}

test('the counter rises above a fixed control in its corner (Facebook Messenger button)', async () => {
  const page = await openSite(browser, 'https://www.facebook.com/');
  await overlayFrame(page);
  await page.waitForFunction(`${COUNTER}.getBoundingClientRect().bottom < innerHeight - 60`, { timeout: 5000 });
  const { box, hit } = await overlaps(page);
  assert.deepEqual(hit, [], 'the frame covers none of the page\'s fixed controls');
  assert.equal(box.right, 16, 'still at the right edge');
  await screenshot(page, 'placement-facebook-messenger', { clip: { x: 1280 - 480, y: 800 - 160, width: 480, height: 160 } });
  await page.close();
});

for (const entry of truth) {
  test(`${entry.file}: the counter sits at the ${entry.lang === 'ar' ? 'left' : 'right'} (inline-end) corner, over no fixed control`, async () => {
    const { page, frame } = await openFixture(entry);
    await sleep(300);
    const { box, hit } = await overlaps(page);
    assert.deepEqual(hit, []);
    const edge = entry.lang === 'ar' ? box.left : box.right;
    assert.equal(edge, 16, JSON.stringify(box));
    assert.equal(await frame.pill((root) => root.querySelector('.counter').classList.contains('left')), entry.lang === 'ar');
    if (entry.file === 'x-ar.html') await screenshot(page, 'placement-x-ar', { clip: { x: 0, y: 800 - 80, width: 480, height: 80 } });
    await page.close();
  });
}

test('dragged, the counter moves with the pointer and keeps its place on the site', async () => {
  let page = await openSite(browser, 'https://x.com/home');
  let frame = await overlayFrame(page);
  const pill = await frame.box('.pill');
  const at = { x: pill.x + pill.width / 2, y: pill.y + pill.height / 2 };
  await page.mouse.move(at.x, at.y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) {
    await page.mouse.move(at.x - 30 * i, at.y - 20 * i);
    await sleep(30);
  }
  await page.mouse.up();
  await sleep(500);
  const moved = await overlaps(page);
  assert.ok(Math.abs(moved.box.right - (16 + 300)) <= 6, `moved 300 px left: ${JSON.stringify(moved.box)}`);
  assert.ok(Math.abs(moved.box.bottom - (16 + 200)) <= 6, `moved 200 px up: ${JSON.stringify(moved.box)}`);
  assert.equal(await frame.frame({ timeout: 500 }), null, 'a drag is not a click: no panel opened');
  let place;
  for (let i = 0; i < 20 && !place; i++) {
    place = (await settings()).overlay_positions?.x;
    if (!place) await sleep(100);
  }
  assert.deepEqual(place, { inline: moved.box.right, bottom: moved.box.bottom });
  // A new page of the site starts there; another site keeps its corner.
  await page.close();
  page = await openSite(browser, 'https://x.com/home');
  frame = await overlayFrame(page);
  assert.deepEqual((await overlaps(page)).box, moved.box);
  const other = await openSite(browser, 'https://www.reddit.com/r/hostile/');
  await overlayFrame(other);
  assert.equal((await overlaps(other)).box.right, 16);
  await other.close();
  // Clicking without moving still opens the panel.
  await clickSettled(frame, '.pill');
  await (await frame.frame()).waitForFunction(() => !document.querySelector('#panel').hidden);
  const s = await settings();
  delete s.overlay_positions.x;
  assert.deepEqual(await ask(ext, { type: 'set_settings', settings: s }), { ok: true });
  await page.close();
});

for (const lang of ['en', 'ar']) {
  test(`dark mode (${lang}): the pill and the panel follow prefers-color-scheme`, { skip: CHROMIUM_ONLY }, async () => {
    const s = await settings();
    await ask(ext, { type: 'set_settings', settings: { ...s, language: lang } });
    const page = await openSite(browser, 'https://x.com/home');
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    const frame = await overlayFrame(page);
    await frame.waitForFunction(() => getComputedStyle(document.querySelector('.pill')).backgroundColor === 'rgba(16, 42, 46, 0.92)', { timeout: 3000 });
    await activity(page, 1500);
    const y = () => page.evaluate(() => window.scrollY);
    await screenshot(page, `overlay-pill-dark-${lang}`, { clip: { x: 1280 - 470, y: (await y()) + 800 - 70, width: 470, height: 70 } });
    await clickSettled(frame, '.pill');
    await (await frame.frame()).waitForFunction(() => {
      const r = document.querySelector('#panel').getBoundingClientRect();
      return r.height > 100 && Math.abs(r.top) < 1 && Math.abs(innerHeight - r.bottom) < 1;
    });
    await sleep(300);
    await screenshot(page, `overlay-panel-dark-${lang}`, { clip: { x: 1280 - 470, y: (await y()) + 800 - 330, width: 470, height: 330 } });
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    // The emulation reaches the extension's frame a moment later.
    await frame.waitForFunction(() => getComputedStyle(document.querySelector('.pill')).backgroundColor === 'rgba(255, 251, 242, 0.96)', { timeout: 3000 });
    await ask(ext, { type: 'set_settings', settings: s });
    await page.close();
  });
}
