// A page that floods the DOM (about 100,000 mutations a second) and
// overrides IntersectionObserver, MutationObserver, Date, performance.now,
// addEventListener, getBoundingClientRect, hasFocus and visibilityState in
// its own world, under `default-src 'none'`: it keeps responding, and
// Thaman's counts are what they would be on an honest page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  launch, openSite, overlayFrame, activity, ask, extensionPage, sleep, until, clickSettled, clickThroughDecoy, takeDecoyAway, toldNotTaken, panelDrawn, screenshot, openAdFixture, FIXTURES, AD_FIXTURES, COUNTER,
} from './harness.mjs';
import { seedExport } from './seed.mjs';

test('a flooding, lying page keeps responding and does not change the counts', async () => {
  const browser = await launch();
  try {
    const ext = await extensionPage(browser, 'options.html');
    const reddit = async () => (await ask(ext, { type: 'export' })).days.filter((d) => d.site === 'reddit')
      .reduce((a, d) => ({ attention: a.attention + d.attention_seconds, rendered: a.rendered + d.ads_rendered, viewable: a.viewable + d.ads_viewable }),
        { attention: 0, rendered: 0, viewable: 0 });
    const before = await reddit();
    const page = await openSite(browser, 'https://www.reddit.com/r/flood/');
    const frame = await overlayFrame(page);
    assert.ok(frame, 'the overlay mounts despite the page');
    const start = await page.evaluate(() => ({ ticks: window.__ticks, mutations: window.__mutations }));
    await activity(page, 5000);
    const end = await page.evaluate(() => ({ ticks: window.__ticks, mutations: window.__mutations }));
    // The flood ran, and the page's own timer kept firing through it.
    assert.ok(end.mutations - start.mutations >= 100_000, `flooded: ${end.mutations - start.mutations} mutations`);
    assert.ok(end.ticks - start.ticks >= 20, `the page kept responding: ${end.ticks - start.ticks} ticks of its 50 ms timer in 5 s`);
    await sleep(300);
    const after = await reddit();
    // Attention: the lies about Date, focus and visibility changed nothing.
    assert.ok(after.attention - before.attention >= 4, `attention counted: ${after.attention - before.attention} s`);
    // The one ad on screen: rendered once (the flood adds none), and
    // viewable, though the page replaced IntersectionObserver and
    // getBoundingClientRect in its own world.
    assert.equal(after.rendered - before.rendered, 1);
    assert.equal(after.viewable - before.viewable, 1);
    await page.evaluate(() => clearInterval(window.__flood));
    await page.close();
  } finally {
    await browser.close();
  }
});

// Run by the page before anything of Thaman's touches its DOM: every name
// a counter might take is defined as a custom element that refuses a shadow
// root, and `customElements.define`, `attachShadow`, `showPopover` and
// `createElement` are patched in the page's world to refuse and record.
const OWN_THE_REGISTRY = `<script>
(() => {
  window.__seen = [];
  const refuse = (what) => { throw new DOMException(what + ' refused by the page', 'NotSupportedError'); };
  const names = ['thaman-overlay', 'thaman-counter', 'thaman-host', 'thaman-pill', 'thaman-root', 'extension-overlay',
    'ext-overlay', 'x-overlay', 'overlay-host', 'time-counter', 'counter-pill', 'shadow-host', 'my-overlay'];
  for (const name of names) customElements.define(name, class extends HTMLElement { static disabledFeatures = ['shadow']; });
  customElements.define = (name) => { window.__seen.push('define ' + name); refuse('define'); };
  Element.prototype.attachShadow = function () { window.__seen.push('attachShadow'); refuse('attachShadow'); };
  HTMLElement.prototype.showPopover = function () { window.__seen.push('showPopover'); refuse('showPopover'); };
  const create = Document.prototype.createElement;
  Document.prototype.createElement = function (name, options) { window.__seen.push('create ' + name); return create.call(this, name, options); };
  window.__ownsRegistry = names.every((n) => customElements.get(n));
})();
</script>`;

test('a page that owns every custom element name and patches its DOM: counter shown, ads counted exactly', async () => {
  const browser = await launch();
  try {
    const entry = AD_FIXTURES.find((e) => e.file === 'facebook-en.html');
    const html = fs.readFileSync(path.join(FIXTURES, 'ads', entry.file), 'utf8').replace('<head>', `<head>${OWN_THE_REGISTRY}`);
    const headers = { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': entry.csp };
    const ext = await extensionPage(browser, 'options.html');
    const counts = async () => (await ask(ext, { type: 'export' })).days.filter((d) => d.site === entry.site)
      .reduce((a, d) => ({ rendered: a.rendered + d.ads_rendered, viewable: a.viewable + d.ads_viewable }), { rendered: 0, viewable: 0 });
    const before = await counts();
    const page = await openSite(browser, entry.url, { extra: { [entry.url]: { body: html, headers } } });
    assert.equal(await page.evaluate(() => window.__ownsRegistry), true, 'the page owns the names before Thaman mounts');
    const frame = await overlayFrame(page);
    assert.ok(frame, 'the counter is shown');
    // The host is a plain element: no custom element, nothing named Thaman.
    const host = await (await page.evaluateHandle(COUNTER)).evaluate((h) => h && {
      name: h.localName, attributes: [...h.attributes].map((a) => a.name).sort(), custom: h.localName.includes('-'),
    });
    assert.deepEqual(host, { name: 'div', attributes: ['popover', 'style'], custom: false });
    assert.doesNotMatch(await page.evaluate(() => document.documentElement.outerHTML.replace(/<script>[^]*?<\/script>/g, '')), /thaman/i);
    // The page's patches ran in its own world only: Thaman never called them.
    assert.deepEqual(await page.evaluate(() => window.__seen), []);
    await sleep(500); // the sensor's first pass
    const dwells = { default: 1500, 'ad-fast': 400, 'ad-hidden': 0, 'ad-collapsed': 0 };
    const n = await page.$$eval('[data-fixture]', (els) => els.length);
    for (let i = 0; i < n; i++) {
      const dwell = await page.evaluate((i, dwells) => {
        const el = document.querySelectorAll('[data-fixture]')[i];
        el.scrollIntoView({ block: 'center', behavior: 'instant' });
        return dwells[el.getAttribute('data-fixture')] ?? dwells.default;
      }, i, dwells);
      await sleep(dwell);
    }
    await page.evaluate(() => window.scrollTo(0, 0));
    await sleep(400);
    const after = await counts();
    assert.deepEqual({ rendered: after.rendered - before.rendered, viewable: after.viewable - before.viewable },
      { rendered: entry.ads_rendered, viewable: entry.ads_viewable });
    await page.close();
  } finally {
    await browser.close();
  }
});

test('a page that hides, moves, covers or closes the counter: it is shown again within a second', async () => {
  const browser = await launch();
  try {
    const page = await openSite(browser, 'https://x.com/home');
    assert.ok(await overlayFrame(page), 'the counter is shown');
    // Shown, a child of <html>, and the element on top at its centre.
    const onTop = `(() => {
      const h = ${COUNTER};
      if (!h || h.parentNode !== document.documentElement || !h.checkVisibility()) return false;
      const r = h.getBoundingClientRect();
      return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === h;
    })()`;
    const back = async (what, attack) => {
      await page.evaluate(attack, await page.evaluateHandle(COUNTER));
      await page.waitForFunction(onTop, { timeout: 1500 }).catch(() => assert.fail(`${what}: the counter is not back on top within a second`));
    };
    await page.waitForFunction(onTop, { timeout: 3000 });
    await back('moved into a display:none parent', (h) => {
      const hidden = Object.assign(document.createElement('div'), { style: 'display:none' });
      document.body.append(hidden);
      hidden.append(h);
    });
    await back('covered by a fixed element at max z-index', () => {
      const cover = Object.assign(document.createElement('div'), { style: 'position:fixed;inset:0;z-index:2147483647;background:#c00' });
      document.body.append(cover);
    });
    await back("covered by the page's own popover, opened later", () => {
      const cover = Object.assign(document.createElement('div'), { style: 'position:fixed;inset:0;margin:0;width:auto;height:auto;background:#0c0;border:0' });
      cover.popover = 'manual';
      document.body.append(cover);
      cover.showPopover();
    });
    // A modal dialog makes the rest of the page inert, the counter too, so
    // no hit test finds it there: raised means shown again after it, above.
    await page.evaluate((h) => {
      window.__raised = false;
      window.__raises = 0;
      h.addEventListener('toggle', (e) => {
        if (e.newState !== 'open') return;
        window.__raised = true;
        window.__raises++;
      });
      const cover = Object.assign(document.createElement('dialog'), {
        style: 'position:fixed;inset:0;margin:0;width:auto;height:auto;max-width:none;max-height:none;background:#00c;border:0',
      });
      document.body.append(cover);
      cover.showModal();
    }, await page.evaluateHandle(COUNTER));
    await page.waitForFunction(() => window.__raised, { timeout: 1500 })
      .catch(() => assert.fail("covered by the page's own modal dialog: the counter is not raised above it within a second"));
    // Above it, it stays there: not hidden and shown again every second.
    await sleep(2500);
    assert.equal(await page.evaluate(() => window.__raises), 1, 'raised once above the modal dialog');
    await page.evaluate(() => document.querySelector('dialog').remove());
    await back('closed by the page (hidePopover)', (h) => h.hidePopover());
    await back('its popover attribute removed', (h) => h.removeAttribute('popover'));
    await page.close();
  } finally {
    await browser.close();
  }
});

// The page's own popover (top layer, opened after the counter's) over the
// panel, inviting a click it lets through: pointer-events: none. Laid in
// the document, or inside a closed shadow root of the page's, where no
// event of its opening reaches the document. Over each of the panel's
// choices that change what Thaman keeps: the settings, useful time, finds.
const TARGETS = {
  'Pause here for today': { button: '.pause-today', kept: (ext) => ask(ext, { type: 'get_settings' }) },
  'Mark the last N minutes useful': { button: '.mark', kept: (ext) => keptOf(ext, (d) => d.useful_seconds) },
  'This post was useful': { button: '.mark-post', kept: (ext) => ask(ext, { type: 'export' }).then((e) => e.finds) },
};
/** The export's days on X, by `pick`. */
const keptOf = async (ext, pick) => (await ask(ext, { type: 'export' })).days.filter((d) => d.site === 'x').map(pick);
// The person is told, in their language, that the click was not taken
// (a screenshot of the note in each language: `shot`).
// One case tries again once the decoy is gone (`retry`).
for (const [target, where, lang, shot, retry] of [
  ['Pause here for today', 'the document', 'en', true, false],
  ['Pause here for today', 'a closed shadow root', 'en', false, false],
  ['Mark the last N minutes useful', 'the document', 'ar', true, true],
  ['This post was useful', 'the document', 'en', false, false],
]) {
  test(`a decoy the page lays over "${target}" (in ${where}), taking no clicks: a real click through it changes nothing kept, and the person is told (${lang})`, async () => {
    await decoyOverPanel(TARGETS[target], where, lang, shot, retry);
  });
}

async function decoyOverPanel(target, where, lang, shot, retry) {
  const browser = await launch();
  try {
    const ext = await extensionPage(browser, 'options.html');
    // Some 18 minutes on X today, so the panel offers to mark the last 10
    // useful, and a real capture of X with a post in the middle to keep.
    const seed = seedExport(Date.now(), 1);
    assert.deepEqual(await ask(ext, { type: 'import', data: { ...seed, days: seed.days.filter((d) => d.site === 'x') } }), { ok: true });
    if (lang !== 'en') {
      const settings = await ask(ext, { type: 'get_settings' });
      assert.deepEqual(await ask(ext, { type: 'set_settings', settings: { ...settings, language: lang, arabic_digits: true } }), { ok: true });
    }
    const { page, frame: counter } = await openAdFixture(browser, AD_FIXTURES.find((e) => e.site === 'x' && e.lang === 'en'));
    assert.ok(counter, 'the counter is shown');
    await page.evaluate(() => document.querySelectorAll('div[data-testid="cellInnerDiv"][data-fixture="organic"]')[1]
      .scrollIntoView({ block: 'center', behavior: 'instant' }));
    const before = await target.kept(ext);
    await clickSettled(counter, '.pill');
    const frame = await counter.frame();
    await panelDrawn(frame);
    await sleep(300); // the browser has seen the panel, uncovered
    assert.equal(await clickThroughDecoy(page, counter, `#panel ${target.button}`, where !== 'the document'), 1,
      'the real click went through the decoy into the panel');
    await toldNotTaken(counter, lang, { panel: true });
    if (shot) await sleep(400).then(() => screenshot(page, `overlay-refused-${lang}`)); // risen
    await sleep(2000);
    assert.deepEqual(await target.kept(ext), before, 'nothing kept changed');
    assert.equal(await page.evaluate(`!!${COUNTER}`), true, 'the counter is still on the page');
    if (retry) {
      // The decoy gone, the same choice again in the panel left open: taken,
      // and the note that the first was not goes with the panel.
      await takeDecoyAway(page);
      await clickSettled(counter, `#panel ${target.button}`);
      await until(async () => !isDeepStrictEqual(await target.kept(ext), before),
        'the choice made again, on the counter in plain sight, is not taken');
      // Nothing else to show: the frame goes with them.
      const gone = () => document.querySelector('#panel').hidden && document.querySelector('.saved').hidden;
      await until(async () => {
        const frame = await counter.frame({ timeout: 0 });
        return !frame || await frame.evaluate(gone).catch(() => true);
      }, 'the panel and the note that the click was not taken are still shown after the choice was taken');
    }
    await page.close();
  } finally {
    await browser.close();
  }
}
