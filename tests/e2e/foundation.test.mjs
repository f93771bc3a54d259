// The foundation, end to end: the built extension in Chromium shows its
// overlay on tracked sites (strict CSP too), counts while the page is in
// front and the person is there, and stays away from everything else.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openSite, overlayFrame, readOverlay, clockSeconds, ask,
  screenshot, sleep, activity, extensionPage, BROWSER, isExtensionUrl, COUNTER, stopBackground,
} from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function assertCounts(page) {
  const frame = await overlayFrame(page);
  assert.ok(frame, 'the overlay frame appears');
  await activity(page, 600);
  const first = await readOverlay(frame);
  await activity(page, 2600);
  const second = await readOverlay(frame);
  assert.ok(second.counting, 'the overlay says it is counting');
  const advanced = clockSeconds(second.time) - clockSeconds(first.time);
  assert.ok(advanced >= 2 && advanced <= 3, `counter advanced by ${advanced}s in 2.6s (${first.time} -> ${second.time})`);
  return { frame, state: second };
}

test('facebook.com: overlay appears inside a closed shadow root and counts', async () => {
  const page = await openSite(browser, 'https://www.facebook.com/');
  const { state } = await assertCounts(page);
  assert.equal(state.site, 'Facebook');
  assert.equal(state.label, 'sold today');
  const host = await (await page.evaluateHandle(COUNTER)).evaluate((el) => {
    return el && { shadowOpen: el.shadowRoot !== null, position: getComputedStyle(el).position };
  });
  assert.deepEqual(host, { shadowOpen: false, position: 'fixed' }, 'page sees only a closed host element');
  await screenshot(page, 'foundation-facebook-en');
  await page.close();
});

test('x.com with a strict CSP (default-src none; script-src self): overlay still counts', async () => {
  const page = await openSite(browser, 'https://x.com/home');
  const { state } = await assertCounts(page);
  assert.equal(state.site, 'X');
  const inlineRan = await page.evaluate(() => document.documentElement.dataset.inlineScriptRan ?? 'blocked');
  assert.equal(inlineRan, 'blocked', "the fixture's CSP is really in force");
  await screenshot(page, 'foundation-x-strict-csp-en');
  await page.close();
});

test('a site outside the catalog gets no overlay and no sensor', async () => {
  const page = await openSite(browser, 'https://www.example.com/');
  assert.equal(await overlayFrame(page, { timeout: 2500 }), null);
  assert.equal(await page.evaluate(COUNTER), null);
  assert.ok(!page.thamanRequests.some(isExtensionUrl), 'no extension resource loaded');
  await page.close();
});

test('a tab in the background stops counting; back in front it resumes', async () => {
  const page = await openSite(browser, 'https://www.facebook.com/');
  const frame = await overlayFrame(page);
  assert.ok(frame);
  await activity(page, 1200);
  const other = await openSite(browser, 'https://www.example.com/');
  assert.equal(await page.evaluate(() => document.visibilityState), 'hidden');
  await sleep(300);
  const hidden = await readOverlay(frame);
  assert.equal(hidden.counting, false, 'stopped while hidden');
  await sleep(2000);
  const stillHidden = await readOverlay(frame);
  assert.equal(stillHidden.time, hidden.time, 'no time added while hidden');
  await page.bringToFront();
  await activity(page, 2200);
  const back = await readOverlay(frame);
  assert.ok(back.counting);
  assert.ok(clockSeconds(back.time) > clockSeconds(hidden.time), `${hidden.time} -> ${back.time}`);
  await other.close();
  await page.close();
});

test('the popup renders from the core', async () => {
  const page = await extensionPage(browser, 'popup.html');
  await page.waitForSelector('.popup h1');
  const title = await page.$eval('.popup h1', (e) => e.textContent);
  assert.match(title, /Thaman/);
  await screenshot(page, 'popup-en', { clip: { x: 0, y: 0, width: 320, height: 180 } });
  await page.close();
});

test('the pill\'s clock stops by itself when presence runs out (stops_in), and does not tick on', async () => {
  const ext = await extensionPage(browser, 'options.html', { background: true });
  const s = await ask(ext, { type: 'get_settings' });
  assert.deepEqual(await ask(ext, { type: 'set_settings', settings: { ...s, idle_threshold_seconds: 15 } }), { ok: true });
  const page = await openSite(browser, 'https://www.facebook.com/');
  const counter = await overlayFrame(page);
  await activity(page, 2000);
  const lastInput = Date.now();
  await sleep(1500); // the last input has reached the core, and its words the pill
  // The worker stops: no word comes from the core now; the pill goes on alone.
  await stopBackground(page, browser);
  const readings = [];
  while (Date.now() - lastInput < 19000) {
    const shown = await readOverlay(counter);
    readings.push({ at: (Date.now() - lastInput) / 1000, s: clockSeconds(shown.time), counting: shown.counting });
    await sleep(250);
  }
  const last = readings.at(-1);
  const stop = readings.find((r) => r.s === last.s);
  assert.ok(readings[0].counting && readings[0].s < last.s, `it ticked after the worker stopped: ${JSON.stringify(readings[0])} -> ${JSON.stringify(last)}`);
  assert.ok(stop.at >= 13.5 && stop.at <= 16.5, `it stopped ${stop.at} s after the last input (15 s idle): ${JSON.stringify(readings)}`);
  assert.ok(last.at - stop.at >= 2, 'and did not tick on');
  assert.equal(last.counting, false, 'it no longer shows counting');
  await page.close();
  assert.deepEqual(await ask(ext, { type: 'set_settings', settings: s }), { ok: true });
  await ext.close();
});

// The harness itself. Tests wait in the counter's frame from the moment it
// is attached, before its wasm has drawn anything; a waited-for function
// that reads a part not yet there throws. Such a wait must go on polling
// (CI failed twice on 2026-12-01 waiting 30 s for a panel long shown).
test('harness: a wait whose function throws until the part exists still ends', async () => {
  const page = await browser.newPage();
  await page.setContent('<body></body>');
  const later = (id) => setTimeout(() => page.evaluate((i) => document.body.append(Object.assign(document.createElement('p'), { id: i })), id).catch(() => {}), 300);
  later('panel');
  await page.waitForFunction(() => !document.querySelector('#panel').hidden, { timeout: 5000 });
  later('card'); // an expression, as a string, too
  await page.waitForFunction('!document.querySelector("#card").hidden', { timeout: 5000 });
  await page.close();
});
