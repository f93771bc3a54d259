// The store under corruption, in real Chromium: unreadable values are set
// aside (never deleted, never read again), the popup says so, and counting
// goes on from the last good state; a store from a newer Thaman is left
// untouched and reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  launch, openSite, overlayFrame, extensionPage, ask, askAsOptions, activity, sleep, restartBackground, reloadedBy, FIREFOX,
  COUNTER, stopBackground,
} from './harness.mjs';
import { seedExport, localDate } from './seed.mjs';

test('corrupt values are set aside, the popup tells, counting goes on', async () => {
  const browser = await launch();
  try {
    let ext = await extensionPage(browser, 'options.html');
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
    let site;
    ({ site, ext } = await restartBackground(browser, ext));
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
    assert.match(notice, /3 stored values could not be read and were set aside/);
    // Counting goes on, and the day written again is a good one.
    const frame = await overlayFrame(site);
    await site.bringToFront();
    const before = (await askAsOptions(frame, { type: 'export' })).days.filter((d) => d.site === 'x').reduce((s, d) => s + d.attention_seconds, 0);
    await activity(site, 4000);
    const after = (await askAsOptions(frame, { type: 'export' })).days.filter((d) => d.site === 'x').reduce((s, d) => s + d.attention_seconds, 0);
    assert.ok(after - before >= 2, `counting went on: ${before} → ${after}`);
  } finally {
    await browser.close();
  }
});

test('one implausible record is set aside alone: the other sites of its day stay', async () => {
  const browser = await launch();
  try {
    let ext = await extensionPage(browser, 'options.html');
    assert.deepEqual(await ask(ext, { type: 'import', data: seedExport(Date.now(), 5) }), { ok: true });
    const day = localDate(Date.now(), 3);
    const good = (await ext.evaluate((k) => chrome.storage.local.get(k), `day:${day}`))[`day:${day}`];
    const sites = Object.keys(good);
    assert.ok(sites.length >= 2, `the seeded day has several sites: ${sites}`);
    const [bad, ...kept] = sites;
    const corrupt = { ...good, [bad]: { ...good[bad], ads_viewable: good[bad].ads_rendered + 1 } };
    await ext.evaluate((c) => chrome.storage.local.set(c), { [`day:${day}`]: corrupt });
    ({ ext } = await restartBackground(browser, ext));
    const exported = await ask(ext, { type: 'export' });
    const stored = await ext.evaluate(() => chrome.storage.local.get(null));
    assert.deepEqual(stored[`quarantine:day:${day}`]?.value, { [bad]: corrupt[bad] }, 'only the bad record set aside');
    assert.match(stored[`quarantine:day:${day}`].reason, new RegExp(`^${bad}: `));
    assert.deepEqual(Object.keys(stored[`day:${day}`]).sort(), [...kept].sort(), 'the good records stay under the key');
    for (const site of kept) {
      assert.deepEqual(stored[`day:${day}`][site], good[site]);
      assert.ok(exported.days.some((r) => r.date === day && r.site === site), `${site} still exported`);
    }
    assert.ok(!exported.days.some((r) => r.date === day && r.site === bad), `${bad} on ${day} set aside`);
  } finally {
    await browser.close();
  }
});

// A year of days is ~370 keys, ~660 KB: reading and decoding all of it
// took a starting worker ~200 ms before its first answer (bench: cold start
// with a year in the store). The sensor and the popup are answered from
// the recent days; the older ones are read when a page needs them (the
// summary, the options) or compaction does, so a bad old day is found
// then, not before.
test('a year in the store: the sensor and the popup are answered from the recent days, the rest read when a page needs it, nothing lost', async () => {
  const browser = await launch();
  try {
    const ext = await extensionPage(browser, 'options.html');
    assert.deepEqual(await ask(ext, { type: 'import', data: seedExport(Date.now(), 365) }), { ok: true });
    await sleep(1500); // the import's own write done
    const old = `day:${localDate(Date.now(), 300)}`;
    const corrupt = { x: { attention_ms: -5 } };
    await ext.evaluate((key, value) => chrome.storage.local.set({ [key]: value }), old, corrupt);
    const year = (await ask(ext, { type: 'export' })).days.filter((d) => d.date !== old.slice(4));
    const site = await openSite(browser, 'https://x.com/home');
    await site.waitForFunction(COUNTER, { timeout: 8000 });
    await stopBackground(site, browser);
    // The sensor starts the worker again, and is answered: it counts.
    await activity(site, 4000);
    const stored = await ext.evaluate(() => chrome.storage.local.get(null));
    assert.deepEqual(stored[old], corrupt, 'the old days are not read for the sensor');
    assert.equal(stored[`quarantine:${old}`], undefined);
    // The popup shows this week against the last: the recent days are enough.
    const popup = await extensionPage(browser, 'popup.html');
    await popup.waitForSelector('body[data-ready]');
    assert.deepEqual((await ext.evaluate(() => chrome.storage.local.get(null)))[old], corrupt, 'not read for the popup');
    await popup.close();
    // The summary reaches further back: the whole year is read, the bad day
    // set aside, and the popup tells.
    const summary = await extensionPage(browser, 'summary.html');
    await summary.waitForSelector('body[data-ready]');
    const again = await extensionPage(browser, 'popup.html');
    await again.waitForSelector('body[data-ready]');
    assert.match(await again.$eval('.notice', (e) => e.textContent), /1 stored value could not be read/);
    const after = await ext.evaluate(() => chrome.storage.local.get(null));
    assert.deepEqual(after[`quarantine:${old}`]?.value, corrupt, 'set aside as it was');
    const days = (await ask(ext, { type: 'export' })).days;
    const today = localDate(Date.now());
    const key = (d) => `${d.date} ${d.site}`;
    const now = new Map(days.map((d) => [key(d), d]));
    for (const d of year.filter((d) => d.date !== today)) {
      assert.deepEqual(now.get(key(d)), d, `${key(d)} as it was`);
    }
    const x = (list) => list.filter((d) => d.date === today && d.site === 'x').reduce((s, d) => s + d.attention_seconds, 0);
    assert.ok(x(days) - x(year) >= 2, `today's counting went on: ${x(year)} → ${x(days)}`);
  } finally {
    await browser.close();
  }
});

// A run left open long ago (the browser closed mid-session, reopened
// weeks later) is booked into its own day, which is not a recent one: the
// start reads that day too, or writing it would lose its other records.
test('a run left open long ago is booked into its day, the day\'s other records kept', async () => {
  const browser = await launch();
  try {
    const ext = await extensionPage(browser, 'options.html');
    assert.deepEqual(await ask(ext, { type: 'import', data: seedExport(Date.now(), 100) }), { ok: true });
    await sleep(1500); // the import's own write done
    // Noon, 60 days ago: the same local day whatever the zone.
    const then = new Date(Date.now() - 60 * 86_400_000);
    then.setHours(12, 0, 0, 0);
    const date = localDate(then.getTime());
    const before = (await ext.evaluate(() => chrome.storage.local.get(null)))[`day:${date}`];
    assert.ok(before && before.facebook && before.x, `the seed has ${date}`);
    const start = then.getTime();
    const run = { tab: 987654, site: 'x', start, last_tick: start + 60_000, last_presence: start + 60_000, media: false };
    const site = await openSite(browser, 'https://x.com/home');
    await site.waitForFunction(COUNTER, { timeout: 8000 });
    await stopBackground(site, browser);
    await ext.evaluate((r) => chrome.storage.local.set({ run: r }), run);
    await activity(site, 3000); // the worker starts again, and recovers the run
    let after;
    for (const end = Date.now() + 5000; Date.now() < end; await sleep(200)) {
      after = (await ext.evaluate(() => chrome.storage.local.get(null)))[`day:${date}`];
      if (after && after.x.attention_ms !== before.x.attention_ms) break;
    }
    assert.equal(after.x.attention_ms, before.x.attention_ms + 60_000, 'the run booked into its day');
    assert.deepEqual({ ...after, x: undefined }, { ...before, x: undefined }, 'the day\'s other sites as they were');
  } finally {
    await browser.close();
  }
});

test('a store from a newer Thaman is left untouched and reported', async () => {
  const browser = await launch();
  try {
    let ext = await extensionPage(browser, 'options.html');
    await ext.evaluate(() => chrome.storage.local.set({ schema: 99, 'day:2030-01-01': { x: { future_field: 1 } }, settings: { v99: true } }));
    let site;
    ({ site, ext } = await restartBackground(browser, ext));
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

test('storage full: the oldest detail becomes weekly totals, the popup tells, nothing is lost', {
  skip: FIREFOX && "Firefox's storage.local has no quota to fill (nor getBytesInUse)",
}, async () => {
  const browser = await launch();
  try {
    let ext = await extensionPage(browser, 'options.html');
    // A year and a month of history on ten platforms, then the rest of the
    // 10 MB quota filled by something else, leaving a few bytes.
    const seed = seedExport(Date.now(), 400, {}, { allSites: true });
    assert.deepEqual(await ask(ext, { type: 'import', data: seed }), { ok: true });
    await sleep(500);
    const total = (rows) => rows.reduce((s, r) => s + r.attention_seconds, 0);
    const before = await ask(ext, { type: 'export' });
    const filled = await ext.evaluate(async () => {
      const used = await chrome.storage.local.getBytesInUse(null);
      const room = chrome.storage.local.QUOTA_BYTES - used - 'filler'.length - 64;
      await chrome.storage.local.set({ filler: 'x'.repeat(room) });
      return chrome.storage.local.QUOTA_BYTES - (await chrome.storage.local.getBytesInUse(null));
    });
    assert.ok(filled < 200, `${filled} bytes left`);
    // Counting writes the open run: the browser refuses it for the quota.
    const site = await openSite(browser, 'https://x.com/home');
    await overlayFrame(site);
    await activity(site, 3000);
    const popup = await extensionPage(browser, 'popup.html');
    await popup.waitForSelector('body[data-ready]');
    assert.match(await popup.$eval('.notice', (e) => e.textContent), /Storage was full: days up to .* were merged into weekly totals/);
    const after = await ask(ext, { type: 'export' });
    const old = after.days.filter((r) => r.merged_days);
    assert.ok(old.length > 0 && old.every((r) => !r.hours), 'old days are weeks without hours');
    const today = localDate(Date.now());
    const past = (rows) => total(rows.filter((r) => r.date !== today));
    assert.ok(Math.abs(past(after.days) - past(before.days)) < 1, `the weeks hold every second the days held: ${past(before.days)} → ${past(after.days)}`);
    assert.ok(total(after.days) > total(before.days), 'and counting went on');
    const stored = await ext.evaluate(async () => Object.keys(await chrome.storage.local.get(null)).filter((k) => k.startsWith('day:')).length);
    assert.ok(stored < 400, `${stored} day keys left`);
  } finally {
    await browser.close();
  }
});

/** The store's keys that hold the person's data, as storage has them. */
/**
 * 400 days imported (the default retention keeps them all), from the options
 * page: that page, the stored keys, and the key of a day 390 days back.
 */
async function pastAYear(browser) {
  const ext = await extensionPage(browser, 'options.html');
  assert.deepEqual(await ask(ext, { type: 'import', data: seedExport(Date.now(), 400) }), { ok: true });
  await sleep(1500); // the import's own write done
  const keys = async () => Object.keys(await ext.evaluate(() => chrome.storage.local.get(null)));
  const old = `day:${localDate(Date.now(), 390)}`;
  assert.ok((await keys()).includes(old), `the seed has ${old}`);
  return { ext, keys, old };
}

// Days past the retention are merged once the whole history is read: at
// the week's alarm, or when a page reads it. A browser never running at a
// week's end, whose person never opens the summary or the options, must
// not keep them past the retention: a start a week or more after the last
// merge reads the history once, and merges.
test('days past the retention are merged at a start, when a week has gone by since the last merge, and not read again at the next', async () => {
  const browser = await launch();
  try {
    const { ext, keys, old } = await pastAYear(browser);
    const site = await openSite(browser, 'https://x.com/home');
    await site.waitForFunction(COUNTER, { timeout: 8000 });
    // The retention becomes a year, as a worker that never ran a week's
    // alarm since left it (the last merge, if noted, long ago).
    await stopBackground(site, browser);
    await ext.evaluate(async () => {
      const { settings } = await chrome.storage.local.get('settings');
      await chrome.storage.local.set({ settings: { ...settings, retention_days: 365 } });
      await chrome.storage.local.remove('compacted');
    });
    await activity(site, 3000); // the sensor starts the worker again
    let left;
    for (const end = Date.now() + 8000; Date.now() < end; await sleep(250)) {
      left = (await keys()).filter((k) => k.startsWith('day:') && k < `day:${localDate(Date.now(), 366)}`);
      if (!left.includes(old)) break;
    }
    assert.ok(!left.includes(old), `merged at the start, no page asking: ${old} is gone`);
    // Merged, and noted: the next start does not read the old days again.
    const bad = `day:${localDate(Date.now(), 200)}`;
    await stopBackground(site, browser);
    await ext.evaluate((key) => chrome.storage.local.set({ [key]: { x: { attention_ms: -5 } } }), bad);
    await activity(site, 3000);
    await sleep(1000);
    const stored = await ext.evaluate(() => chrome.storage.local.get(null));
    assert.deepEqual(stored[bad], { x: { attention_ms: -5 } }, 'the next start reads only the recent days');
    assert.equal(stored[`quarantine:${bad}`], undefined);
  } finally {
    await browser.close();
  }
});

test('a shorter retention saved in the options merges the days past it at once', async () => {
  const browser = await launch();
  try {
    const { ext, keys, old } = await pastAYear(browser);
    const settings = await ask(ext, { type: 'get_settings' });
    assert.deepEqual(await ask(ext, { type: 'set_settings', settings: { ...settings, retention_days: 365 } }), { ok: true });
    let left = [];
    for (const end = Date.now() + 3000; Date.now() < end; await sleep(200)) {
      left = await keys();
      if (!left.includes(old)) break;
    }
    assert.ok(!left.includes(old), `${old} merged when the setting was saved`);
    const rows = (await ask(ext, { type: 'export' })).days.filter((d) => d.date < localDate(Date.now(), 365));
    assert.ok(rows.length > 0 && rows.every((d) => d.merged_days >= 1 && !d.hours), 'weekly totals, without hours');
  } finally {
    await browser.close();
  }
});

const held = (ext) => ext.evaluate(async () => {
  const all = await chrome.storage.local.get(null);
  return Object.fromEntries(Object.entries(all).filter(([k]) => k === 'settings' || k === 'finds' || k.startsWith('day:')));
});

/** Loads `ext` again (Firefox sends no load event for an extension page). */
const reload = (ext) => reloadedBy(ext, () => ext.evaluate(() => setTimeout(() => location.reload(), 0)));

/** Chromium stops the service worker (the page's next ask starts it again). */
async function stopWorker(ext) {
  const cdp = await ext.createCDPSession();
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await cdp.detach();
  await sleep(1000);
}

test('an import is undone once from the options page, after a restart, to exactly the store before', async () => {
  const browser = await launch();
  try {
    const ext = await extensionPage(browser, 'options.html');
    assert.deepEqual(await ask(ext, { type: 'import', data: seedExport(Date.now(), 5, { idle_threshold_seconds: 30 }) }), { ok: true });
    await sleep(500);
    const before = await held(ext);
    // Another file, through the page: more days, every site, other settings.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thaman-undo-')), 'backup.json');
    fs.writeFileSync(file, JSON.stringify(seedExport(Date.now(), 9, { idle_threshold_seconds: 120 }, { allSites: true })));
    await reload(ext);
    await (await ext.waitForSelector('#import-file')).uploadFile(file);
    await (await ext.waitForSelector('#import-confirm')).click();
    await ext.waitForFunction(() => document.querySelector('.status')?.textContent === 'Imported.');
    await ext.waitForSelector('.undo-import:not([hidden]) #import-undo');
    await sleep(500);
    assert.notDeepEqual(await held(ext), before, 'the import changed the store');
    assert.ok((await ext.evaluate(() => chrome.storage.local.get('undo_import'))).undo_import, 'the store before is kept in storage');
    // The worker restarts (Chromium; Firefox keeps its event page): the undo is still there.
    if (!FIREFOX) await stopWorker(ext);
    await reload(ext);
    await (await ext.waitForSelector('.undo-import:not([hidden]) #import-undo')).click();
    await ext.waitForFunction(() => /^Import undone/.test(document.querySelector('.status')?.textContent));
    await sleep(500);
    assert.deepEqual(await held(ext), before, 'exactly the store before the import');
    assert.equal((await ext.evaluate(() => chrome.storage.local.get('undo_import'))).undo_import, undefined, 'its copy is gone');
    assert.equal((await ask(ext, { type: 'get_settings' })).idle_threshold_seconds, 30);
    // Once.
    const again = await ext.evaluate(() => chrome.runtime.sendMessage({ type: 'undo_import' }));
    assert.deepEqual([again.ok, again.why], [false, 'nothing_to_undo']);
    // After another change: refused, with its reason, and nothing changes.
    assert.deepEqual(await ask(ext, { type: 'import', data: seedExport(Date.now(), 3) }), { ok: true });
    const settings = await ask(ext, { type: 'get_settings' });
    assert.deepEqual(await ask(ext, { type: 'set_settings', settings: { ...settings, idle_threshold_seconds: 45 } }), { ok: true });
    await sleep(500);
    const changed = await held(ext);
    await reload(ext);
    await ext.waitForSelector('#import-file');
    assert.equal(await ext.$('.undo-import:not([hidden])'), null, 'no undo offered');
    const refused = await ext.evaluate(() => chrome.runtime.sendMessage({ type: 'undo_import' }));
    assert.deepEqual([refused.ok, refused.why], [false, 'changed_since']);
    assert.deepEqual(await held(ext), changed);
  } finally {
    await browser.close();
  }
});

test('after an import or its undo the options show the settings held: a later edit keeps them', async () => {
  const browser = await launch();
  try {
    const ext = await extensionPage(browser, 'options.html');
    assert.deepEqual(await ask(ext, { type: 'import', data: seedExport(Date.now(), 2, { idle_threshold_seconds: 30 }) }), { ok: true });
    await reload(ext);
    await ext.waitForSelector('body[data-ready]');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thaman-refresh-'));
    /** Imports a backup holding `settings` through the page. */
    const importFile = async (name, settings) => {
      const file = path.join(dir, `${name}.json`);
      fs.writeFileSync(file, JSON.stringify(seedExport(Date.now(), 2, settings)));
      await (await ext.waitForSelector('#import-file')).uploadFile(file);
      await (await ext.waitForSelector('#import-confirm')).click();
      await ext.waitForFunction(() => document.querySelector('.status')?.textContent === 'Imported.');
    };
    const shown = (id, value) => ext.waitForFunction((i, v) => document.querySelector(`#${i}`).value === v, { timeout: 5000 }, id, value);
    /** Changes another field on the page, as the person would. */
    const edit = async (id, value) => {
      await ext.$eval(`#${id}`, (e, v) => { e.value = v; e.dispatchEvent(new Event('change')); }, value);
      await ext.waitForFunction(() => document.querySelector('.status')?.textContent === 'Saved.');
      await ext.$eval('.status', (e) => { e.textContent = ''; });
    };
    const held = async () => {
      const s = await ask(ext, { type: 'get_settings' });
      return { idle: s.idle_threshold_seconds, cap: s.prompt_daily_cap };
    };
    // An import with another idle threshold, then another field changed.
    await importFile('idle-120', { idle_threshold_seconds: 120 });
    await edit('prompt_daily_cap', '9');
    assert.deepEqual(await held(), { idle: 120, cap: 9 }, 'the imported setting stays');
    await shown('idle_threshold_seconds', '120');
    // Another import, the page read again, the import undone: the page
    // shows the settings from before it, and an edit keeps them.
    await importFile('idle-90', { idle_threshold_seconds: 90 });
    await reload(ext);
    await (await ext.waitForSelector('.undo-import:not([hidden]) #import-undo')).click();
    await ext.waitForFunction(() => /^Import undone/.test(document.querySelector('.status')?.textContent));
    await shown('prompt_daily_cap', '9');
    await edit('prompt_daily_cap', '7');
    assert.deepEqual(await held(), { idle: 120, cap: 7 }, 'the setting the undo put back stays');
    await shown('idle_threshold_seconds', '120');
  } finally {
    await browser.close();
  }
});

test('a file over the largest export is refused before it is read, in the person\'s words', async () => {
  const browser = await launch();
  try {
    const ext = await extensionPage(browser, 'options.html');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thaman-big-')), 'big.json');
    fs.writeFileSync(file, Buffer.alloc(9_000_000, 0x20)); // 9 MB of spaces: over the bound
    const before = await held(ext);
    await (await ext.waitForSelector('#import-file')).uploadFile(file);
    await ext.waitForFunction(() => document.querySelector('.status.error'));
    assert.equal(
      await ext.$eval('.status', (e) => e.textContent),
      'Import refused, nothing changed: the file is 9 MB; a Thaman export is at most 8 MB',
    );
    assert.equal(await ext.$('#import-confirm'), null, 'no preview');
    assert.deepEqual(await held(ext), before);
  } finally {
    await browser.close();
  }
});
