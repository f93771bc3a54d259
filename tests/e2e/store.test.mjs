// The store under corruption, in real Chromium: unreadable values are set
// aside (never deleted, never read again), the popup says so, and counting
// goes on from the last good state; a store from a newer Thaman is left
// untouched and reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openSite, overlayFrame, extensionPage, ask, activity, sleep } from './harness.mjs';
import { seedExport, localDate } from './seed.mjs';

/** Restarts the service worker: stopped through DevTools, woken by the
 * tracked page's sensor (see pages.test.mjs on why not an extension page). */
async function restartWorker(browser) {
  const site = await openSite(browser, 'https://x.com/home');
  await site.waitForSelector('thaman-overlay', { timeout: 8000 });
  const cdp = await site.createCDPSession();
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await sleep(1500);
  return site;
}

test('corrupt values are set aside, the popup tells, counting goes on', async () => {
  const browser = await launch();
  try {
    const ext = await extensionPage(browser, 'options.html');
    const seed = seedExport(Date.now(), 5);
    assert.deepEqual(await ask(ext, { type: 'import', data: seed }), { ok: true });
    const yesterday = localDate(Date.now(), 1);
    const good = await ext.evaluate(() => chrome.storage.local.get(null));
    const corrupt = {
      [`day:${yesterday}`]: { x: { attention_ms: -5 } }, // impossible
      settings: { idle_threshold_seconds: 'soon' }, // wrong type
      run: 'half a wri', // truncated
    };
    await ext.evaluate((c) => chrome.storage.local.set(c), corrupt);
    const site = await restartWorker(browser);
    await ask(ext, { type: 'get_settings' });
    const stored = await ext.evaluate(() => chrome.storage.local.get(null));
    for (const key of Object.keys(corrupt)) {
      assert.deepEqual(stored[`quarantine:${key}`]?.value, corrupt[key], `${key} set aside as it was`);
      assert.ok(stored[`quarantine:${key}`].reason, `${key}: the reason is kept`);
    }
    assert.equal(stored.settings, undefined, 'the bad settings are gone from their key');
    // The other days are intact; settings fell back to defaults.
    assert.deepEqual(stored[`day:${localDate(Date.now(), 2)}`], good[`day:${localDate(Date.now(), 2)}`]);
    assert.equal((await ask(ext, { type: 'get_settings' })).idle_threshold_seconds, 60);
    // The popup says so.
    const popup = await extensionPage(browser, 'popup.html');
    await popup.waitForSelector('body[data-ready]');
    const notice = await popup.$eval('.notice', (e) => e.textContent);
    assert.match(notice, /3 stored value\(s\) could not be read and were set aside/);
    // Counting goes on, and the day written again is a good one.
    const frame = await overlayFrame(site);
    await site.bringToFront();
    const before = (await ask(frame, { type: 'export' })).days.filter((d) => d.site === 'x').reduce((s, d) => s + d.attention_seconds, 0);
    await activity(site, 4000);
    const after = (await ask(frame, { type: 'export' })).days.filter((d) => d.site === 'x').reduce((s, d) => s + d.attention_seconds, 0);
    assert.ok(after - before >= 2, `counting went on: ${before} → ${after}`);
  } finally {
    await browser.close();
  }
});

test('a store from a newer Thaman is left untouched and reported', async () => {
  const browser = await launch();
  try {
    const ext = await extensionPage(browser, 'options.html');
    await ext.evaluate(() => chrome.storage.local.set({ schema: 99, 'day:2030-01-01': { x: { future_field: 1 } }, settings: { v99: true } }));
    const site = await restartWorker(browser);
    await ask(ext, { type: 'get_settings' });
    const before = await ext.evaluate(() => chrome.storage.local.get(null));
    await site.bringToFront();
    await activity(site, 6000);
    await sleep(5500); // past a write batch
    const after = await ext.evaluate(() => chrome.storage.local.get(null));
    assert.deepEqual(after, before, 'nothing written over a newer store');
    assert.equal(after.schema, 99);
    const popup = await extensionPage(browser, 'popup.html');
    await popup.waitForSelector('body[data-ready]');
    assert.match(await popup.$eval('.notice', (e) => e.textContent), /newer version of Thaman \(schema 99\)/);
  } finally {
    await browser.close();
  }
});
