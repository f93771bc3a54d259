// Arabic is first-class: the overlay and popup render right-to-left in
// Arabic when the browser's language is Arabic (checked by screenshot too).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openSite, overlayFrame, readOverlay, screenshot, extensionPage, ask, activity, clickSettled, sleep,
} from './harness.mjs';
import { localDate } from './seed.mjs';

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

// Counted words (issue 20): each count in Arabic agrees with its noun, and
// English says "1 minute". The categories come from the browser's own
// Intl.PluralRules; the words from _locales (one key per category).
const ARABIC = {
  // The panel's button: "mark the last N minutes useful".
  minutes: {
    1: 'اعتبر الدقيقة الأخيرة مفيدة',
    2: 'اعتبر الدقيقتين الأخيرتين مفيدتين',
    3: 'اعتبر آخر ٣ دقائق مفيدة',
    10: 'اعتبر آخر ١٠ دقائق مفيدة',
    11: 'اعتبر آخر ١١ دقيقة مفيدة',
  },
  // The popup's week: "…, and N viewable ads".
  ads: {
    1: 'وإعلان مرئي واحد',
    2: 'وإعلانان مرئيان',
    3: 'و٣ إعلانات مرئية',
    10: 'و١٠ إعلانات مرئية',
    11: 'و١١ إعلانًا مرئيًا',
  },
};
const ENGLISH = {
  minutes: { 1: 'Mark the last minute useful', 2: 'Mark the last 2 minutes useful', 11: 'Mark the last 11 minutes useful' },
  ads: { 1: ', 1 viewable ad', 2: ', 2 viewable ads', 11: ', 11 viewable ads' },
};

/** Whether the pill shows all it holds (the take last, nothing cut off). */
const pillFits = (frame) => frame.inPill(() => {
  const pill = document.querySelector('.pill');
  return pill.scrollWidth <= pill.clientWidth + 1;
});

/** The settings as the core holds them, asked from an extension page. */
async function settingsOf(page) { return ask(page, { type: 'get_settings' }); }
async function setSettings(page, s) { assert.deepEqual(await ask(page, { type: 'set_settings', settings: s }), { ok: true }); }

/** A store holding one day: today on `site`, `ads` viewable ads. */
function oneDay(site, ads, settings) {
  const hours = Array(24).fill(0);
  hours[12] = 1_200_000;
  return {
    schema: 1, exported_at: new Date().toISOString(),
    settings: {
      idle_threshold_seconds: 60, day_start_hour: 0, region: 'us_canada', currency: 'USD', usd_rate: 1,
      cpm_overrides: {}, prompt_minutes: 10, prompt_daily_cap: 6, week_start: 'monday', ...settings,
    },
    days: [{
      date: localDate(Date.now()), site, attention_seconds: 1200, useful_seconds: 0, ads_rendered: ads, ads_viewable: ads,
      reasons: { learned: 0, work: 0, people: 0, reach: 0 }, hours,
    }],
  };
}

test('the browser counts Arabic in six plural categories and English in two', async () => {
  const page = await extensionPage(browser, 'options.html');
  const cats = await page.evaluate(() => ['ar', 'en'].map((l) => new Intl.PluralRules(l).resolvedOptions().pluralCategories.sort()));
  // As src/i18n.rs::categories, which tests/locales.rs holds _locales to.
  assert.deepEqual(cats, [['few', 'many', 'one', 'other', 'two', 'zero'], ['one', 'other']]);
  await page.close();
});

for (const [lang, words] of [['ar', ARABIC], ['en', ENGLISH]]) {
  test(`minutes agree with their count (${lang}): the panel's "mark the last N minutes"`, async () => {
    const ext = await extensionPage(browser, 'options.html');
    const s = await settingsOf(ext);
    // Twenty minutes on x today: enough to offer "the last 11 minutes".
    assert.deepEqual(await ask(ext, { type: 'import', data: oneDay('x', 0, s) }), { ok: true });
    await setSettings(ext, { ...s, language: lang, arabic_digits: lang === 'ar' });
    const page = await openSite(browser, 'https://x.com/home');
    const frame = await overlayFrame(page);
    await activity(page, 1500);
    await clickSettled(frame, '.pill');
    await frame.waitForFunction(() => { const r = document.querySelector('#panel').getBoundingClientRect(); return !document.querySelector('#panel').hidden && r.height > 100 && r.top >= 0 && r.bottom <= innerHeight; });
    for (const [n, want] of Object.entries(words.minutes)) {
      await setSettings(ext, { ...s, language: lang, arabic_digits: lang === 'ar', prompt_minutes: Number(n) });
      const shown = await frame.waitForFunction((w) => {
        const t = document.querySelector('#panel .mark').textContent;
        return t === w && t;
      }, { timeout: 5000 }, want).then((h) => h.jsonValue()).catch(() => frame.$eval('#panel .mark', (e) => e.textContent));
      assert.equal(shown, want, `${n} minutes`);
      if (['1', '2', '11'].includes(n)) {
        await sleep(300);
        await screenshot(page, `words-panel-${lang}-${n}`, { clip: { x: 1280 - 470, y: 800 - 330, width: 470, height: 330 } });
      }
    }
    await setSettings(ext, s);
    await page.close();
    await ext.close();
  });

  test(`ads agree with their count (${lang}): the popup's week, and the pill`, async () => {
    const ext = await extensionPage(browser, 'options.html');
    for (const [n, want] of Object.entries(words.ads)) {
      assert.deepEqual(await ask(ext, { type: 'delete_everything' }), { ok: true });
      const data = oneDay('facebook', Number(n), { language: lang, arabic_digits: lang === 'ar' });
      assert.deepEqual(await ask(ext, { type: 'import', data }), { ok: true });
      const popup = await extensionPage(browser, 'popup.html');
      await popup.setViewport({ width: 480, height: 640 });
      await popup.waitForSelector('body[data-ready]');
      const line = await popup.$eval('.week-totals', (e) => e.textContent);
      assert.ok(line.endsWith(want), `${n} ads: "${line}" should end "${want}"`);
      await screenshot(popup, `words-popup-${lang}-${n}`);
      await popup.close();
      if (['1', '2', '11'].includes(n)) {
        const page = await openSite(browser, 'https://www.facebook.com/');
        const frame = await overlayFrame(page);
        await frame.waitForFunction(() => /\d|[٠-٩]|واحد|إعلانان|\bad\b/.test(document.querySelector('.ads').textContent));
        assert.ok(await pillFits(frame), `${n} ads: the pill's words fit its frame`);
        await screenshot(page, `words-pill-${lang}-${n}`, { clip: { x: 1280 - 470, y: 800 - 120, width: 470, height: 120 } });
        await page.close();
      }
    }
    assert.deepEqual(await ask(ext, { type: 'delete_everything' }), { ok: true });
    await ext.close();
  });
}

test('the panel offers "mark the last N minutes useful" only once N minutes were counted', async () => {
  const ext = await extensionPage(browser, 'options.html');
  assert.deepEqual(await ask(ext, { type: 'delete_everything' }), { ok: true });
  const s = await settingsOf(ext);
  const en = { ...s, language: 'en', arabic_digits: false, prompt_minutes: 10 };
  await setSettings(ext, en);
  const page = await openSite(browser, 'https://x.com/home');
  const frame = await overlayFrame(page);
  await activity(page, 1500);
  await clickSettled(frame, '.pill');
  // The panel is up, and its frame has grown to hold exactly it.
  await frame.waitForFunction(() => {
    const panel = document.querySelector('#panel');
    const r = panel.getBoundingClientRect();
    return !panel.hidden && r.height > 100 && Math.abs(innerHeight - r.bottom) < 1;
  });
  await sleep(300);
  assert.equal(await frame.$eval('#panel .mark', (b) => b.hidden && getComputedStyle(b).display), 'none',
    'under a minute counted: no "last 10 minutes" to mark');
  await screenshot(page, 'words-panel-en-unoffered', { clip: { x: 1280 - 470, y: 800 - 330, width: 470, height: 330 } });
  // Twenty minutes counted today: now it is offered.
  assert.deepEqual(await ask(ext, { type: 'import', data: oneDay('x', 0, en) }), { ok: true });
  await activity(page, 1000);
  await frame.waitForFunction(() => {
    const b = document.querySelector('#panel .mark');
    return !b.hidden && b.textContent === 'Mark the last 10 minutes useful';
  }, { timeout: 5000 });
  assert.deepEqual(await ask(ext, { type: 'delete_everything' }), { ok: true });
  await page.close();
  await ext.close();
});

test('the options\' "ask every N minutes" agree with their count, in the chosen digits', async () => {
  const ext = await extensionPage(browser, 'options.html');
  const s = await settingsOf(ext);
  await setSettings(ext, { ...s, language: 'ar', arabic_digits: true });
  const page = await extensionPage(browser, 'options.html');
  await page.waitForSelector('body[data-ready]');
  const labels = await page.$$eval('select#prompt_minutes option', (os) => os.map((o) => o.textContent));
  assert.deepEqual(labels, ['أبدًا', 'كل ٥ دقائق', 'كل ١٠ دقائق', 'كل ١٥ دقيقة', 'كل ٢٠ دقيقة', 'كل ٣٠ دقيقة', 'كل ٤٥ دقيقة', 'كل ساعة']);
  await setSettings(ext, s);
  await page.close();
  await ext.close();
});

test('the options\' number fields show and take the chosen digits (Latin typed too)', async () => {
  const ext = await extensionPage(browser, 'options.html');
  const s = await settingsOf(ext);
  await setSettings(ext, { ...s, language: 'ar', arabic_digits: true, idle_threshold_seconds: 60, currency: 'EUR', usd_rate: 1.5 });
  const page = await extensionPage(browser, 'options.html');
  try {
    await page.waitForSelector('body[data-ready]');
    const value = (id) => page.$eval(`#${id}`, (e) => e.value);
    assert.equal(await value('idle_threshold_seconds'), '٦٠');
    assert.equal(await value('usd_rate'), '١٫٥');
    /** Types `text` into the field `id` as the person would, and leaves it. */
    const type = async (id, text) => {
      await page.$eval('.status', (e) => { e.textContent = ''; });
      await page.$eval(`#${id}`, (e) => { e.focus(); e.select(); });
      await page.keyboard.press('Backspace');
      await page.keyboard.type(text);
      await page.keyboard.press('Tab');
      await page.waitForFunction(() => document.querySelector('.status').textContent !== '');
    };
    await type('idle_threshold_seconds', '١٢٠');
    assert.equal((await settingsOf(ext)).idle_threshold_seconds, 120, 'Arabic-Indic digits read');
    assert.equal(await value('idle_threshold_seconds'), '١٢٠');
    await type('usd_rate', '٠٫٩٢');
    assert.equal((await settingsOf(ext)).usd_rate, 0.92, 'the Arabic decimal sign read');
    await type('prompt_daily_cap', '8');
    assert.equal((await settingsOf(ext)).prompt_daily_cap, 8, 'Latin digits read too');
    assert.equal(await value('prompt_daily_cap'), '٨', 'shown in the chosen digits again');
    // Out of range: refused, in the chosen digits, and the field springs back.
    await type('idle_threshold_seconds', '٥');
    assert.match(await page.$eval('.status', (e) => e.textContent), /١٥.*٦٠٠/);
    assert.equal(await value('idle_threshold_seconds'), '١٢٠');
    assert.equal((await settingsOf(ext)).idle_threshold_seconds, 120);
  } finally {
    await setSettings(ext, s);
    await page.close();
    await ext.close();
  }
});

test('Arabic with Latin digits: the pill still holds a three-decimal take', async () => {
  const ext = await extensionPage(browser, 'options.html');
  assert.deepEqual(await ask(ext, { type: 'delete_everything' }), { ok: true });
  const data = oneDay('facebook', 1, { language: 'ar', arabic_digits: false });
  assert.deepEqual(await ask(ext, { type: 'import', data }), { ok: true });
  const page = await openSite(browser, 'https://www.facebook.com/');
  const frame = await overlayFrame(page);
  await frame.waitForFunction(() => /≈/.test(document.querySelector('.take').textContent));
  const take = await frame.$eval('.take', (e) => e.textContent);
  assert.match(take, /^\u2002≈ \u2068\u200f0\.0\d\d\sUSD\u2069$/, 'the code, isolated, after the amount');
  await screenshot(page, 'words-pill-ar-latin-1', { clip: { x: 1280 - 470, y: 800 - 120, width: 470, height: 120 } });
  assert.ok(await pillFits(frame), `the pill's words fit its frame: ${await frame.inPill(() => [document.querySelector('.pill').scrollWidth, document.querySelector('.pill').clientWidth])}`);
  await page.close();
  assert.deepEqual(await ask(ext, { type: 'delete_everything' }), { ok: true });
  await ext.close();
});
