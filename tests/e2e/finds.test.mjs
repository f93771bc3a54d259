// Useful finds, end to end: on the Facebook, X and Reddit fixtures (en and
// ar) a known post is centred, the shortcut (Alt+Shift+U) is pressed, and
// the export holds that post's permalink, author line and first 140
// characters — nothing else of the page; the summary lists it; delete
// removes it. The overlay's button, its confirmation and undo too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, extensionPage, ask, sleep, screenshot, clickSettled, AD_FIXTURES as truth, openAdFixture, openSite, overlayFrame,
} from './harness.mjs';

let browser;
let ledger;
before(async () => {
  browser = await launch();
  ledger = await extensionPage(browser, 'options.html');
});
after(async () => { await browser?.close(); });

/**
 * What the test expects of the n-th organic post, read from the fixture's
 * markup with the test's own selectors (not the extension's rules).
 */
const EXPECT = {
  facebook: {
    items: 'div[role="feed"] > div[data-fixture="organic"]',
    read: (item) => {
      const link = item.querySelector('a[href*="story_fbid="]');
      const url = new URL(link.href);
      for (const k of [...url.searchParams.keys()]) if (k.startsWith('__')) url.searchParams.delete(k);
      return { url: url.href, author: item.querySelector('h4').innerText, text: item.querySelector('[data-ad-preview="message"]').innerText };
    },
  },
  x: {
    items: 'div[data-testid="cellInnerDiv"][data-fixture="organic"]',
    read: (item) => ({
      url: item.querySelector('time').closest('a').href,
      author: item.querySelector('[data-testid="User-Name"] b').innerText,
      text: item.querySelector('[data-testid="tweetText"]').innerText,
    }),
  },
  reddit: {
    items: '[data-fixture="organic"]',
    read: (item) => {
      const post = item.matches('shreddit-post, shreddit-comment') ? item : item.querySelector('shreddit-post');
      const body = post.querySelector('a[slot="title"], h1[slot="title"]');
      const rest = post.querySelector('shreddit-post-text-body, div[slot="comment"]');
      return {
        url: new URL(post.getAttribute('permalink'), location.href).href,
        author: post.getAttribute('author'),
        text: [body, rest].filter(Boolean).map((e) => e.innerText).join(' — '),
      };
    },
  },
};

const clip = (t, n) => t.replace(/\s+/g, ' ').trim().slice(0, n).trimEnd();

/** Opens a fixture at its real URL and centres its `nth` organic post. */
async function openAndCentre(entry, nth) {
  const { page, frame } = await openAdFixture(browser, entry);
  assert.ok(frame, `overlay on ${entry.url}`);
  const { items, read } = EXPECT[entry.site];
  const expected = await page.evaluate((items, nth, readSource) => {
    const read = new Function(`return (${readSource})`)();
    const item = document.querySelectorAll(items)[nth];
    item.scrollIntoView({ block: 'center', behavior: 'instant' });
    // Every other organic post's text, to prove none of it is kept.
    const others = [...document.querySelectorAll(items)].filter((e) => e !== item).map((e) => read(e).text);
    return { ...read(item), others };
  }, items, nth, read.toString());
  await sleep(300);
  return { page, frame, expected };
}

async function finds() {
  return (await ask(ledger, { type: 'export' })).finds;
}

/** Waits until the export holds `n` finds. */
async function findsReach(n) {
  for (let i = 0; i < 50; i++) {
    const list = await finds();
    if (list.length >= n) return list;
    await sleep(100);
  }
  return finds();
}

async function pressShortcut(page) {
  await page.keyboard.down('Alt');
  await page.keyboard.down('Shift');
  await page.keyboard.press('KeyU');
  await page.keyboard.up('Shift');
  await page.keyboard.up('Alt');
}

for (const site of ['facebook', 'x', 'reddit']) {
  for (const lang of ['en', 'ar']) {
    const entry = truth.find((e) => e.site === site && e.lang === lang);
    test(`${entry.file}: the shortcut keeps the centred post's link, author and first 140 characters, nothing else`, async () => {
      const before = await finds();
      // Thaman speaks the page's language here, so the confirmation does.
      const settings = await ask(ledger, { type: 'get_settings' });
      await ask(ledger, { type: 'set_settings', settings: { ...settings, language: lang } });
      const { page, frame, expected } = await openAndCentre(entry, 1);
      await pressShortcut(page);
      const after = await findsReach(before.length + 1);
      assert.equal(after.length, before.length + 1, 'one find saved');
      const find = after.find((f) => !before.some((b) => b.id === f.id));
      assert.deepEqual(Object.keys(find).sort(), ['author', 'date', 'id', 'saved_at', 'site', 'text', 'url']);
      assert.equal(find.site, site);
      assert.equal(find.url, expected.url);
      assert.equal(find.text, clip(expected.text, 140));
      assert.ok(find.author.includes(expected.author), `${find.author} ⊇ ${expected.author}`);
      const kept = JSON.stringify(find);
      for (const other of expected.others) {
        assert.ok(!kept.includes(clip(other, 40)), `nothing of another post: ${other.slice(0, 40)}`);
      }
      // The overlay confirms, in the page's language of Thaman.
      await frame.waitForSelector('.saved:not([hidden])', { timeout: 3000 });
      if (site === 'x') {
        await frame.waitForFunction(() => { const r = document.querySelector('.saved').getBoundingClientRect(); return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight; }, { timeout: 3000 });
        const y = await page.evaluate(() => window.scrollY); // clips are in page coordinates
        await screenshot(page, `finds-saved-${lang}`, { clip: { x: 1280 - 470, y: y + 800 - 130, width: 470, height: 130 } });
      }

      // The summary lists it; its delete button removes it.
      const summary = await extensionPage(browser, 'summary.html');
      await summary.waitForSelector('body[data-ready]');
      const listed = await summary.$$eval('.finds .find', (els) => els.map((e) => ({ href: e.querySelector('a').href, text: e.querySelector('a').textContent })));
      assert.ok(listed.some((l) => l.href === expected.url && l.text === find.text), JSON.stringify(listed));
      await summary.click(`.finds .find[data-id="${find.id}"] .find-delete`);
      await summary.waitForFunction((id) => !document.querySelector(`.finds .find[data-id="${id}"]`), {}, find.id);
      assert.ok(!(await finds()).some((f) => f.id === find.id), 'deleted from the store');
      await summary.close();
      await page.close();
      await ask(ledger, { type: 'set_settings', settings });
    });
  }
}

test('the overlay button saves the post in view; undo takes it back; export and import carry finds', async () => {
  const entry = truth.find((e) => e.site === 'x' && e.lang === 'en');
  const before = await finds();
  const { page, frame, expected } = await openAndCentre(entry, 2);
  await clickSettled(frame, '.pill');
  await frame.waitForSelector('.panel:not([hidden]) .mark-post');
  await clickSettled(frame, '.mark-post');
  const after = await findsReach(before.length + 1);
  const find = after.at(-1);
  assert.equal(find.url, expected.url);
  await frame.waitForSelector('.saved:not([hidden]) .undo:not([hidden])', { timeout: 3000 });
  // The frame has grown to hold the confirmation (the sensor resizes it).
  await frame.waitForFunction(() => { const r = document.querySelector('.saved').getBoundingClientRect(); return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight; }, { timeout: 3000 });
  assert.match(await frame.$eval('.saved-text', (e) => e.textContent), /Saved as useful/);
  // Export → delete everything → import: the find comes back.
  const exported = await ask(ledger, { type: 'export' });
  assert.ok(exported.finds.some((f) => f.id === find.id));
  const csv = await ask(ledger, { type: 'export_finds_csv' });
  assert.match(csv, new RegExp(`^id,saved_at,date,site,url,author,text\\r\\n(.*\\r\\n)*${find.id},`));
  // Undo from the overlay.
  await clickSettled(frame, '.undo');
  for (let i = 0; i < 30 && (await finds()).some((f) => f.id === find.id); i++) await sleep(100);
  assert.ok(!(await finds()).some((f) => f.id === find.id), 'undo removed it');
  assert.deepEqual(await ask(ledger, { type: 'import', data: exported }), { ok: true });
  assert.ok((await finds()).some((f) => f.id === find.id), 'import brought it back');
  // A find that is not a web link of its site is refused with the import.
  const bad = { ...exported, finds: [{ ...find, id: find.id + 1, url: 'javascript:alert(1)' }] };
  const refused = await ask(ledger, { type: 'import', data: bad });
  assert.equal(refused.ok, false);
  assert.match(refused.error, /useful finds/);
  await page.close();
});

test('the popup lists the newest finds in Arabic, right to left', async () => {
  const entry = truth.find((e) => e.site === 'reddit' && e.lang === 'ar');
  const s = await ask(ledger, { type: 'get_settings' });
  await ask(ledger, { type: 'set_settings', settings: { ...s, language: 'ar' } });
  const before = (await finds()).length;
  const { page } = await openAndCentre(entry, 0);
  await pressShortcut(page);
  assert.equal((await findsReach(before + 1)).length, before + 1);
  const popup = await extensionPage(browser, 'popup.html');
  await popup.setViewport({ width: 480, height: 600 });
  await popup.waitForSelector('body[data-ready]');
  assert.equal(await popup.evaluate(() => document.documentElement.dir), 'rtl');
  assert.ok(await popup.$('.finds .find a[href^="https://www.reddit.com/r/"]'), 'the find is listed with its link');
  await popup.evaluate(() => document.querySelector('.finds').scrollIntoView());
  await screenshot(popup, 'finds-popup-ar');
  const summary = await extensionPage(browser, 'summary.html');
  await summary.waitForSelector('body[data-ready]');
  await summary.evaluate(() => document.querySelector('.finds').scrollIntoView());
  await screenshot(summary, 'finds-summary-ar');
  await ask(ledger, { type: 'set_settings', settings: s });
  await popup.close();
  await summary.close();
  await page.close();
});

test('no post in view (a messages page): nothing of the page is saved, and the overlay says so', async () => {
  const url = 'https://x.com/messages';
  const body = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Messages with Layla</title></head>'
    + '<body><main><h1>Messages</h1><p>Layla: see you at eight</p></main></body></html>';
  const before = await finds();
  const page = await openSite(browser, url, { extra: { [url]: { body, headers: { 'content-type': 'text/html; charset=utf-8' } } } });
  const frame = await overlayFrame(page);
  assert.ok(frame, 'the counter is shown');
  await pressShortcut(page);
  await frame.waitForSelector('.saved:not([hidden])', { timeout: 3000 });
  assert.equal(await frame.$eval('.saved-text', (e) => e.textContent), 'No post in view: nothing saved');
  assert.equal(await frame.$eval('.undo', (e) => e.hidden), true, 'nothing to undo');
  await sleep(500);
  assert.deepEqual(await finds(), before, 'no find: not the address, not the title');
  await page.close();
});

test('a shortcut the page forges (untrusted keys) saves nothing', async () => {
  const entry = truth.find((e) => e.site === 'x' && e.lang === 'en');
  const before = await finds();
  const { page, frame } = await openAndCentre(entry, 1);
  await page.evaluate(() => {
    for (const target of [document.body, document, window]) {
      target.dispatchEvent(new KeyboardEvent('keydown', { code: 'KeyU', key: 'U', altKey: true, shiftKey: true, bubbles: true }));
    }
  });
  await sleep(1500);
  assert.deepEqual(await finds(), before, 'nothing saved');
  assert.equal(await frame.frame({ timeout: 500 }), null, 'nothing confirmed (no note, so no frame)');
  await page.close();
});

test('a find that pushes the oldest out past the cap says so in the overlay, and the popup tells', async () => {
  const entry = truth.find((e) => e.site === 'x' && e.lang === 'en');
  const data = await ask(ledger, { type: 'export' });
  const base = 1_700_000_000_000;
  const old = Array.from({ length: 10 }, (_, i) => ({
    id: base + i, saved_at: new Date(base + i).toISOString(), date: '2023-11-14', site: 'x',
    url: `https://x.com/someone/status/${i + 1}`, author: 'Someone', text: 'an old find',
  }));
  const file = { ...data, settings: { ...data.settings, finds_cap: 10 }, finds: old };
  assert.deepEqual(await ask(ledger, { type: 'import', data: file }), { ok: true });
  assert.equal((await finds()).length, 10, 'at the cap');
  const { page, frame } = await openAndCentre(entry, 3);
  await pressShortcut(page);
  await frame.waitForSelector('.saved:not([hidden])', { timeout: 3000 });
  assert.equal(await frame.$eval('.saved-text', (e) => e.textContent), 'Saved as useful; the oldest one was dropped (limit reached)');
  const kept = await finds();
  assert.equal(kept.length, 10);
  assert.ok(!kept.some((f) => f.id === base), 'the oldest went');
  const popup = await extensionPage(browser, 'popup.html');
  await popup.waitForSelector('body[data-ready]');
  assert.match(await popup.$$eval('.notice', (els) => els.map((e) => e.textContent).join(' ')), /dropped to stay under your limit of 10/);
  await popup.close();
  await page.close();
  assert.deepEqual(await ask(ledger, { type: 'set_settings', settings: data.settings }), { ok: true });
});
