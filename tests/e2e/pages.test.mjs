// The popup, the weekly summary and the options page, in real Chromium:
// a known history goes in through import, and every number the pages show
// is checked against the export. Export → delete → import restores the
// same data; a bad import changes nothing; settings take effect without a
// reload; the week's alarm is armed again after the worker restarts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  launch, openSite, overlayFrame, extensionPage, ask, screenshot, sleep, activity, attentionOf, restartBackground, reloadedBy,
  CHROMIUM_ONLY, EXTENSION_ORIGIN, COUNTER,
} from './harness.mjs';
import { seedExport, localDate } from './seed.mjs';

let browser;
let page; // an extension page to ask from
const NOW = Date.now();
const SEED = seedExport(NOW, 15);

before(async () => {
  browser = await launch();
  page = await extensionPage(browser, 'options.html');
  assert.deepEqual(await ask(page, { type: 'import', data: SEED }), { ok: true });
});
after(async () => { await browser?.close(); });

const sum = (rows, f) => rows.reduce((s, r) => s + f(r), 0);
const close = (a, b, what, eps = 0.01) => assert.ok(Math.abs(a - b) <= eps, `${what}: ${a} ≠ ${b}`);
const strip = (e) => ({ ...e, exported_at: undefined });

/** Monday (the seed's week start) of the week holding `date`. */
function monday(date) {
  const d = new Date(`${date}T12:00:00`);
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return localDate(d.getTime());
}

async function open(file, opts = {}) {
  const p = await extensionPage(browser, file);
  if (opts.viewport) await p.setViewport(opts.viewport);
  await p.waitForSelector('body[data-ready]', { timeout: 8000 });
  return p;
}

/** `data-value` of every stat in `scope`. */
function stats(p, scope) {
  return p.$$eval(`${scope} .stats dd`, (dds) => Object.fromEntries(dds.map((d) => [d.parentElement.className, Number(d.dataset.value)])));
}

test('the popup shows today and this week as the store holds them', async () => {
  const p = await open('popup.html', { viewport: { width: 480, height: 600 } });
  const today = localDate(NOW);
  const rows = SEED.days.filter((r) => r.date === today);
  const shown = await stats(p, '.today');
  close(shown.sold, sum(rows, (r) => r.attention_seconds - r.useful_seconds), 'sold today');
  close(shown.useful, sum(rows, (r) => r.useful_seconds), 'useful today');
  assert.equal(shown.ads, sum(rows, (r) => r.ads_viewable));
  const exported = await ask(page, { type: 'export' });
  const takeToday = sum(exported.days.filter((r) => r.date === today && r.take), (r) => r.take.typical);
  close(shown.take, takeToday, 'take today', 1e-9);
  // The words say the same as the numbers: "1 h 13 min".
  const soldText = await p.$eval('.today .sold dd', (e) => e.textContent);
  const m = Math.round(shown.sold / 60);
  assert.equal(soldText, m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`);

  // This week: seven bars from Monday, each titled with its platforms.
  const from = monday(today);
  const days = await p.$$eval('svg.chart g.day', (gs) => gs.map((g) => g.dataset.date));
  assert.equal(days.length, 7);
  assert.equal(days[0], from);
  const week = SEED.days.filter((r) => r.date >= from && r.date <= today);
  const table = await p.$$eval('.week table.sites tbody tr', (trs) => trs.map((tr) => [tr.dataset.site, Number(tr.querySelector('.time').dataset.value)]));
  for (const [site, secs] of table) close(secs, sum(week.filter((r) => r.site === site), (r) => r.attention_seconds), `week ${site}`);
  assert.equal(table.length, new Set(week.map((r) => r.site)).size);
  assert.match(await p.$eval('svg.chart', (s) => s.getAttribute('aria-label')), /Attention by day/);
  const size = await p.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
  assert.ok(size[0] <= 800 && size[1] <= 600, `the popup fits 800×600: ${size}`);
  await screenshot(p, 'popup-en');
  await p.close();
});

test('the weekly summary shows last week per platform, against the week before', async () => {
  const p = await open('summary.html');
  const thisMonday = monday(localDate(NOW));
  const lastMonday = localDate(new Date(`${thisMonday}T12:00:00`).getTime() - 7 * 86_400_000);
  const last = SEED.days.filter((r) => r.date >= lastMonday && r.date < thisMonday);
  const rows = await p.$$eval('#last-week table.sites tbody tr', (trs) => trs.map((tr) => ({
    site: tr.dataset.site,
    time: Number(tr.querySelector('.time').dataset.value),
    sold: Number(tr.querySelector('.sold').dataset.value),
    ads: Number(tr.querySelector('.ads').dataset.value),
    hour: tr.querySelector('.hour').textContent,
  })));
  assert.equal(rows.length, 4);
  for (const r of rows) {
    const mine = last.filter((d) => d.site === r.site);
    close(r.time, sum(mine, (d) => d.attention_seconds), `${r.site} time`);
    close(r.sold, sum(mine, (d) => d.attention_seconds - d.useful_seconds), `${r.site} sold`);
    assert.equal(r.ads, sum(mine, (d) => d.ads_viewable), `${r.site} ads`);
    assert.match(r.hour, /≈ \u2068\$[\d.]+\u2069 an hour/, `${r.site}: what an hour was worth`);
  }
  const shown = await stats(p, '#last-week');
  close(shown.sold, sum(last, (d) => d.attention_seconds - d.useful_seconds), 'sold last week');
  const text = await p.$eval('#last-week', (e) => e.textContent);
  assert.match(text, /than the week before/);
  assert.match(text, /most around .*21:00–22:00/, 'the seed gives most at 21:00');
  assert.match(text, /I learned something: \d+/);
  assert.ok(await p.$('#this-week table.sites'), 'the current week to date');

  // Against the week before, per platform: each number with its change.
  const beforeMonday = localDate(new Date(`${lastMonday}T12:00:00`).getTime() - 7 * 86_400_000);
  const prior = SEED.days.filter((r) => r.date >= beforeMonday && r.date < lastMonday);
  const exported = await ask(page, { type: 'export' });
  const takeOf = (from, to, site) => sum(exported.days.filter((r) => r.date >= from && r.date < to && r.site === site && r.take), (r) => r.take.typical);
  const compared = await p.$$eval('#last-week table.compare tbody tr', (trs) => trs.map((tr) => ({
    site: tr.dataset.site,
    cells: Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.className, {
      now: Number(td.dataset.value), before: Number(td.dataset.before),
      move: td.querySelector('.move')?.textContent, kind: td.querySelector('.move')?.dataset.change,
    }])),
  })));
  assert.deepEqual(compared.map((r) => r.site).sort(), [...new Set([...last, ...prior].map((d) => d.site))].sort());
  const pct = new Intl.NumberFormat('en-US', { style: 'percent', signDisplay: 'exceptZero', maximumFractionDigits: 0 });
  /** The change as the page must word it: "new" from nothing, never "+∞%". */
  const moved = (now, before, least) => (before >= least ? pct.format((now - before) / before) : now >= least ? 'new' : '—');
  for (const { site, cells } of compared) {
    const mine = last.filter((d) => d.site === site);
    const theirs = prior.filter((d) => d.site === site);
    const want = {
      time: [sum(mine, (d) => d.attention_seconds), sum(theirs, (d) => d.attention_seconds), 60],
      sold: [sum(mine, (d) => d.attention_seconds - d.useful_seconds), sum(theirs, (d) => d.attention_seconds - d.useful_seconds), 60],
      ads: [sum(mine, (d) => d.ads_viewable), sum(theirs, (d) => d.ads_viewable), 1],
      take: [takeOf(lastMonday, thisMonday, site), takeOf(beforeMonday, lastMonday, site), 0.001],
    };
    for (const [col, [now, before, least]] of Object.entries(want)) {
      const cell = cells[col];
      if (col === 'take' && !(now || before)) continue; // no CPM for this platform
      close(cell.now, now, `${site} ${col} this week`, col === 'take' ? 1e-9 : 0.01);
      close(cell.before, before, `${site} ${col} the week before`, col === 'take' ? 1e-9 : 0.01);
      assert.equal(cell.move, moved(now, before, least), `${site} ${col}: ${now} against ${before}`);
      assert.doesNotMatch(cell.move, /∞|NaN/);
    }
  }
  const total = await p.$eval('#last-week table.compare tfoot .time', (td) => Number(td.dataset.value));
  close(total, sum(last, (d) => d.attention_seconds), 'all platforms');

  // Dates as a reader writes them: a lone day once, a range by Intl.
  const days = await p.evaluate((ranges) => {
    const f = new Intl.DateTimeFormat('en-US', { day: 'numeric', month: 'long', timeZone: 'UTC' });
    const d = (s) => new Date(`${s}T00:00:00Z`);
    return ranges.map(([from, to]) => (from === to ? f.format(d(from)) : f.formatRange(d(from), d(to))));
  }, [[lastMonday, localDate(new Date(`${thisMonday}T12:00:00`).getTime() - 86_400_000)], [thisMonday, localDate(NOW)]]);
  assert.equal(await p.$eval('#last-week h2', (e) => e.textContent), `Last week (${days[0]})`);
  assert.equal(await p.$eval('#this-week h2', (e) => e.textContent), `This week so far (${days[1]})`);

  // How this is estimated: each source by what it is and its year; the
  // citations as published folded away, with their links.
  const how = await p.$eval('#how', (e) => ({
    heading: e.querySelector('h2').textContent,
    lines: [...e.querySelectorAll('.sources li')].map((li) => li.textContent),
    open: e.querySelector('details').open,
    links: [...e.querySelectorAll('details a')].map((a) => a.href),
  }));
  assert.equal(how.heading, 'How this is estimated');
  assert.ok(how.lines.some((l) => /^Facebook: ad prices per thousand views, .*\(20\d\d\)$/.test(l)), how.lines.join('\n'));
  assert.ok(how.lines.some((l) => /^Reddit: revenue per user.*\(20\d\d\)$/.test(l)), 'Reddit has no CPM: its hour from revenue per user');
  assert.equal(how.open, false, 'the citations are folded away');
  assert.ok(how.links.length > 0 && how.links.every((h) => h.startsWith('https://')), 'with their links');
  await screenshot(p, 'summary-en', { fullPage: true });
  await p.close();
});

test('options: a setting takes effect at once; a bad value is refused and springs back', async () => {
  const p = await open('options.html');
  await p.$eval('#idle_threshold_seconds', (e) => { e.value = '30'; e.dispatchEvent(new Event('change')); });
  await p.waitForFunction(() => document.querySelector('#status').textContent === 'Saved.');
  assert.equal((await ask(page, { type: 'export' })).settings.idle_threshold_seconds, 30);
  await p.$eval('#idle_threshold_seconds', (e) => { e.value = '5'; e.dispatchEvent(new Event('change')); });
  await p.waitForFunction(() => document.querySelector('#status').classList.contains('error'));
  assert.match(await p.$eval('#status', (e) => e.textContent), /15 to 600/);
  assert.equal(await p.$eval('#idle_threshold_seconds', (e) => e.value), '30', 'the field springs back');
  assert.equal((await ask(page, { type: 'export' })).settings.idle_threshold_seconds, 30);
  // A refused currency comes back from the core with its reason.
  await p.$eval('#currency', (e) => { e.value = 'E1'; e.dispatchEvent(new Event('change')); });
  await p.waitForFunction(() => /Not saved/.test(document.querySelector('#status').textContent));
  assert.equal(await p.$eval('#currency', (e) => e.value), 'USD');
  await screenshot(p, 'options-en', { fullPage: true });
  await p.close();
});

test('a site turned off stops counting on its open page; turned on again it counts there, no reload', async () => {
  const site = await openSite(browser, 'https://x.com/home');
  assert.ok(await overlayFrame(site), 'the counter is up');
  const settings = await ask(page, { type: 'get_settings' });
  const xSeconds = async () => attentionOf(await ask(page, { type: 'export' }), 'x');
  assert.deepEqual(await ask(page, { type: 'set_settings', settings: { ...settings, sites_off: ['x'] } }), { ok: true });
  await site.waitForFunction(`!${COUNTER}`, { timeout: 5000 });
  const off = await xSeconds();
  await activity(site, 3000);
  assert.equal(await xSeconds(), off, 'nothing counted while off');
  assert.deepEqual(await ask(page, { type: 'set_settings', settings }), { ok: true });
  await site.waitForFunction(COUNTER, { timeout: 5000 });
  assert.ok(await overlayFrame(site), 'the counter is back');
  await activity(site, 4000);
  const gained = (await xSeconds()) - off;
  assert.ok(gained >= 2.5, `counting again on the same page: +${gained.toFixed(2)} s`);
  await site.close();
});

test('a sleeping page does not start a stopped worker again; the settings turning its site on wake it', { skip: CHROMIUM_ONLY }, async () => {
  const site = await openSite(browser, 'https://x.com/home');
  assert.ok(await overlayFrame(site), 'the counter is up');
  const settings = await ask(page, { type: 'get_settings' });
  assert.deepEqual(await ask(page, { type: 'set_settings', settings: { ...settings, sites_off: ['x'] } }), { ok: true });
  try {
    await asleepThenWoken(site, settings);
  } finally {
    await ask(page, { type: 'set_settings', settings }); // the next tests count x
    await site.close();
  }
});

async function asleepThenWoken(site, settings) {
  await site.waitForFunction(`!${COUNTER}`, { timeout: 5000 });
  // The worker stops, as an idle one does; the sleeping sensor's line goes.
  const running = () => browser.targets().some((t) => t.type() === 'service_worker' && t.url().startsWith(EXTENSION_ORIGIN));
  const cdp = await site.createCDPSession();
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  for (let end = Date.now() + 5000; Date.now() < end && running();) await sleep(100);
  assert.equal(running(), false, 'the worker stopped');
  await activity(site, 2000);
  assert.equal(running(), false, 'the sleeping page did not start it again');
  // Turned on again (the options write the settings): the page hears it
  // from storage, says hello, and counts.
  assert.deepEqual(await ask(page, { type: 'set_settings', settings }), { ok: true });
  await site.waitForFunction(COUNTER, { timeout: 5000 });
  assert.ok(await overlayFrame(site), 'the counter is back');
}

test('hiding the counter on a site removes it from an open page, no reload', async () => {
  const site = await openSite(browser, 'https://x.com/home');
  await site.waitForFunction(COUNTER, { timeout: 8000 });
  const settings = (await ask(page, { type: 'get_settings' }));
  const hidden = { ...settings, overlay_hidden: ['x'] };
  assert.deepEqual(await ask(page, { type: 'set_settings', settings: hidden }), { ok: true });
  await site.waitForFunction(`!${COUNTER}`, { timeout: 5000 });
  assert.deepEqual(await ask(page, { type: 'set_settings', settings }), { ok: true });
  await site.waitForFunction(COUNTER, { timeout: 5000 });
  await site.close();
});

test('the badge turns red past the daily goal', async () => {
  const settings = await ask(page, { type: 'get_settings' });
  const colour = () => page.evaluate(() => chrome.action.getBadgeBackgroundColor({}));
  assert.deepEqual(await ask(page, { type: 'set_settings', settings: { ...settings, daily_goal_minutes: 1 } }), { ok: true });
  await sleep(200);
  assert.deepEqual((await colour()).slice(0, 3), [0xb3, 0x26, 0x1e]);
  assert.deepEqual(await ask(page, { type: 'set_settings', settings: { ...settings, daily_goal_minutes: 0 } }), { ok: true });
  await sleep(200);
  assert.deepEqual((await colour()).slice(0, 3), [0x10, 0x2a, 0x2e]);
});

test('export → delete everything (asked twice) → import restores the same export', async () => {
  const before = await ask(page, { type: 'export' });
  const p = await open('options.html');
  await p.click('#delete-1');
  assert.equal(await p.$eval('.confirm', (e) => e.hidden), false, 'asks first');
  await reloadedBy(p, () => p.click('#delete-2'));
  const empty = await ask(page, { type: 'export' });
  assert.equal(empty.days.length, 0);
  assert.equal(empty.settings.idle_threshold_seconds, 60, 'settings back to defaults');
  const stored = await page.evaluate(() => chrome.storage.local.get(null));
  assert.ok(!Object.keys(stored).some((k) => k.startsWith('day:')), `nothing old survives: ${Object.keys(stored)}`);

  // Import through the page: a preview first, then the data.
  await p.waitForSelector('body[data-ready]');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thaman-')), 'export.json');
  fs.writeFileSync(file, JSON.stringify(before));
  await (await p.$('#import-file')).uploadFile(file);
  await p.waitForSelector('#import-confirm', { timeout: 5000 });
  const preview = await p.$eval('#import-preview', (e) => e.textContent);
  assert.match(preview, new RegExp(`adds ${new Set(before.days.map((d) => d.date)).size} days and replaces 0 days`));
  assert.match(preview, /Away after/, 'names the settings it changes');
  await p.click('#import-confirm');
  await p.waitForFunction(() => document.querySelector('#status').textContent === 'Imported.');
  const after = await ask(page, { type: 'export' });
  assert.deepEqual(strip(after), strip(before));
  await p.close();
});

test('a bad import is refused with its reason and changes nothing', async () => {
  const before = await ask(page, { type: 'export' });
  const p = await open('options.html');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thaman-'));
  const cases = [
    ['not-json.json', '{"schema": 1, "days": [', /not JSON/],
    ['newer.json', JSON.stringify({ ...before, schema: 99 }), /newer than this version/],
    ['negative.json', JSON.stringify({ ...before, days: [{ ...before.days[0], attention_seconds: -5 }] }), /must be a number from 0 to 86400/],
  ];
  for (const [name, body, reason] of cases) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, body);
    await p.$eval('#status', (e) => { e.textContent = ''; });
    await (await p.$('#import-file')).uploadFile(file);
    await p.waitForFunction(() => document.querySelector('#status').textContent !== '', { timeout: 5000 });
    const status = await p.$eval('#status', (e) => e.textContent);
    assert.match(status, /Import refused, nothing changed/);
    assert.match(status, reason);
    assert.equal(await p.$('#import-confirm'), null, 'nothing to confirm');
  }
  assert.deepEqual(strip(await ask(page, { type: 'export' })), strip(before));
  await p.close();
});

test('CSV export: one row per day and site', async () => {
  const csv = await ask(page, { type: 'export_csv' });
  const lines = csv.trim().split('\r\n');
  assert.match(lines[0], /^date,site,attention_seconds,useful_seconds,sold_seconds,ads_rendered,ads_viewable,take_low_usd/);
  assert.equal(lines.length - 1, SEED.days.length);
  const [date, site, attention] = lines[1].split(',');
  const first = SEED.days.find((r) => r.date === date && r.site === site);
  close(Number(attention), first.attention_seconds, 'csv attention');
});

test('the week-end alarm is armed again when the worker restarts, and a missed week is told', async () => {
  // A browser of its own: once puppeteer has attached to the worker, a
  // restarted worker is held at start. Extension pages can read alarms
  // and storage themselves, so this test never attaches to it.
  const b = await launch();
  try {
    let p = await extensionPage(b, 'options.html');
    assert.deepEqual(await ask(p, { type: 'import', data: SEED }), { ok: true });
    await p.evaluate(() => Promise.all([chrome.alarms.clearAll(), chrome.storage.local.remove('told_week')]));
    ({ ext: p } = await restartBackground(b, p));
    await ask(p, { type: 'get_settings' });
    let alarm = null;
    for (let i = 0; i < 20 && !alarm; i++) {
      alarm = await p.evaluate(() => chrome.alarms.get('week-end'));
      if (!alarm) await sleep(100);
    }
    assert.ok(alarm, 'the alarm exists after a restart');
    const nextMonday = new Date(`${monday(localDate(NOW))}T00:00:00`).getTime() + 7 * 86_400_000;
    close(alarm.scheduledTime, nextMonday + 60_000, 'fires a minute after the week ends', 1000);
    // The seeded last week had not been told: it is, once, at start.
    const told = await p.evaluate(() => chrome.storage.local.get('told_week'));
    const lastMonday = localDate(new Date(`${monday(localDate(NOW))}T12:00:00`).getTime() - 7 * 86_400_000);
    assert.equal(told.told_week, lastMonday);
  } finally {
    await b.close();
  }
});

test('the popup, summary and options in Arabic (the person chose it)', async () => {
  const settings = await ask(page, { type: 'get_settings' });
  assert.deepEqual(await ask(page, { type: 'set_settings', settings: { ...settings, language: 'ar', arabic_digits: true } }), { ok: true });
  for (const [file, shot, viewport] of [['popup.html', 'popup-ar', { width: 480, height: 600 }], ['summary.html', 'summary-ar'], ['options.html', 'options-ar']]) {
    const p = await open(file, { viewport });
    const { dir, lang } = await p.evaluate(() => ({ dir: document.documentElement.dir, lang: document.documentElement.lang }));
    assert.equal(dir, 'rtl', file);
    assert.equal(lang, 'ar', file);
    // The sources are cited as published, in English; everything else is Arabic.
    const text = await p.evaluate(() => [...document.querySelectorAll('main > *:not(.notes)')].map((e) => e.innerText).join('\n'));
    assert.ok(/[\u0660-\u0669]/.test(text), `${file} writes Arabic-Indic digits`);
    assert.ok(!/\b(Today|Last week|Options|Count)\b/.test(text), `${file} has no English left`);
    if (file === 'summary.html') {
      // No English citation on the Arabic page, but inside the folded list.
      let outside = await p.evaluate(() => {
        const main = document.querySelector('main').cloneNode(true);
        main.querySelectorAll('details').forEach((d) => d.remove());
        return main.textContent;
      });
      // (The finds' shortcut is named by its keys: "Alt+Shift+U".)
      outside = outside.replace(/Alt\+Shift\+U/g, '');
      assert.doesNotMatch(outside, /[A-Za-z]/, `Latin text outside the folded citations: ${outside.match(/.{0,40}[A-Za-z]+.{0,40}/)}`);
      const how = await p.$eval('#how', (e) => ({
        heading: e.querySelector('h2').textContent,
        lines: [...e.querySelectorAll('.sources li')].map((li) => li.textContent),
        folded: e.querySelector('details ul').getAttribute('lang'),
      }));
      assert.equal(how.heading, 'كيف قُدِّرت هذه الأرقام');
      assert.ok(how.lines.length > 0 && how.lines.every((l) => /\([٠-٩]{4}\)$|الخيارات$/.test(l)), how.lines.join('\n'));
      assert.ok(how.lines.some((l) => l.startsWith('فيسبوك: أسعار الإعلانات لكل ألف ظهور')), how.lines.join('\n'));
      assert.equal(how.folded, 'en', 'the citations as published, marked English');
      // Per platform against the week before, the changes in Arabic.
      const moves = await p.$$eval('#last-week table.compare tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('.move')].map((m) => m.textContent)));
      assert.equal(moves.length, 4);
      for (const m of moves.flat()) assert.match(m, /^(?:[^\d]*[٠-٩]+٪[^\d]*|جديد|—)$/, m);
      // A lone day once, a range by Intl, in Arabic-Indic digits.
      const monday0 = monday(localDate(NOW));
      const want = await p.evaluate((from, to) => {
        const f = new Intl.DateTimeFormat('ar', { day: 'numeric', month: 'long', timeZone: 'UTC', numberingSystem: 'arab' });
        const d = (s) => new Date(`${s}T00:00:00Z`);
        return from === to ? f.format(d(from)) : f.formatRange(d(from), d(to));
      }, monday0, localDate(NOW));
      assert.equal(await p.$eval('#this-week h2', (e) => e.textContent), `هذا الأسبوع حتى الآن (${want})`);
    }
    // Full-page captures of a right-to-left page come out blank; the popup
    // fits its viewport anyway.
    await screenshot(p, shot, { fullPage: !viewport });
    await p.close();
  }
  assert.deepEqual(await ask(page, { type: 'set_settings', settings }), { ok: true });
});
