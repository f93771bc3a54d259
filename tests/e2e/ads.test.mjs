// Viewable ads, end to end: fixture pages at the real sites' URLs, scrolled
// with scripted timing; the export's ads_rendered and ads_viewable must be
// exact. Real LinkedIn pages (French labels) come from ../shared.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  launch, openSite, overlayFrame, askAsOptions, sleep, readOverlay, screenshot, extensionPage, ROOT, FIXTURES,
} from './harness.mjs';

const REAL = path.resolve(ROOT, '..', 'shared', 'fixtures', 'real', 'linkedin');
const ADS = path.join(FIXTURES, 'ads');

let browser;
let ledger; // an extension page kept open in a background tab, to ask
before(async () => {
  browser = await launch();
  ledger = await extensionPage(browser);
});
after(async () => { await browser?.close(); });

/** ads_rendered and ads_viewable summed over every day, for a site. */
async function adCounts(frame, site) {
  const data = await askAsOptions(frame, { type: 'export' });
  return data.days.filter((d) => d.site === site)
    .reduce((acc, d) => ({ rendered: acc.rendered + d.ads_rendered, viewable: acc.viewable + d.ads_viewable }), { rendered: 0, viewable: 0 });
}

/** Centres each element matching `selector`, in order, for its dwell. */
async function visit(page, selector, dwellOf) {
  const count = await page.$$eval(selector, (els) => els.length);
  for (let i = 0; i < count; i++) {
    const dwell = await page.evaluate((sel, i, dwells) => {
      const el = document.querySelectorAll(sel)[i];
      el.scrollIntoView({ block: 'center', behavior: 'instant' });
      return dwells[el.getAttribute('data-fixture')] ?? dwells.default;
    }, selector, i, dwellOf);
    await sleep(dwell);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  await sleep(400);
}

/** Serves a page, walks it, returns the change in the site's ad counts. */
async function walk(url, body, headers, site, selector, dwells) {
  const before = await adCounts(ledger, site);
  const page = await openSite(browser, url, { extra: { [url]: { body, headers } } });
  const frame = await overlayFrame(page);
  assert.ok(frame, `overlay on ${url}`);
  await sleep(500); // the sensor's first pass
  await visit(page, selector, dwells);
  const after = await adCounts(ledger, site);
  return { page, frame, rendered: after.rendered - before.rendered, viewable: after.viewable - before.viewable };
}

const HTML = { 'content-type': 'text/html; charset=utf-8' };

test('facebook fixture: the /ads/about/ post is one viewable ad', async () => {
  const file = path.join(FIXTURES, 'sites', 'facebook-feed.html');
  const { page, frame, rendered, viewable } = await walk('https://www.facebook.com/?ads', fs.readFileSync(file),
    HTML, 'facebook', 'div[role="feed"] > div', { default: 1500 });
  assert.deepEqual({ rendered, viewable }, { rendered: 1, viewable: 1 });
  assert.match((await readOverlay(frame)).ads, /[1-9]/);

  // The platform's take: the table's arithmetic, for this browser's region
  // (en-US: United States & Canada).
  const rates = JSON.parse(fs.readFileSync(path.join(ROOT, 'data', 'valuation.json'), 'utf8'));
  const cpm = rates.platforms.facebook.cpm.us_canada;
  const rows = (await askAsOptions(ledger, { type: 'export' })).days.filter((d) => d.site === 'facebook');
  for (const row of rows) {
    for (const k of ['low', 'typical', 'high']) {
      assert.ok(Math.abs(row.take[k] - row.ads_viewable * cpm[k] / 1000) < 1e-9, `${k}: ${row.take[k]}`);
    }
  }
  const today = rows.at(-1);
  const shown = await frame.inPill(() => ({ text: document.querySelector('.take').textContent, title: document.querySelector('.take').title }));
  const expected = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: today.take.typical < 0.1 ? 3 : 2 }).format(today.take.typical);
  // After an en space, the amount isolated for bidi (FSI … PDI).
  assert.equal(shown.text, `\u2002≈ \u2068${expected}\u2069`);
  assert.match(shown.title, /Superads|Source/);
  await screenshot(page, 'overlay-take-en');
  await page.close();
});

const linkedinTruth = {
  'feed-real-sponsored.html': 1, 'feed-real-ads.html': 2, 'feed-real-legit.html': 1, 'feed-real-mixed.html': 2,
  'feed-real-organic.html': 0, 'feed-real-suggested.html': 0, 'feed-real-suggestions.html': 0,
};

for (const [file, sponsored] of Object.entries(linkedinTruth)) {
  test(`real LinkedIn page ${file}: ${sponsored} sponsored, each viewable once seen`, async (t) => {
    if (!fs.existsSync(REAL)) return t.skip(`${REAL} is absent`);
    const fragment = fs.readFileSync(path.join(REAL, file), 'utf8');
    const body = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>LinkedIn</title></head><body>${fragment}<div style="height:900px"></div></body></html>`;
    const url = `https://www.linkedin.com/feed/?fixture=${encodeURIComponent(file)}`;
    const { page, rendered, viewable } = await walk(url, body, HTML, 'linkedin',
      '[role="listitem"][componentkey^="expandedFeedType_"], div.feed-shared-update-v2', { default: 1300 });
    assert.deepEqual({ rendered, viewable }, { rendered: sponsored, viewable: sponsored });
    await page.close();
  });
}

// Pages written for every platform, en and ar, with ground truth and traps.
const truth = fs.existsSync(path.join(ADS, 'truth.json')) ? JSON.parse(fs.readFileSync(path.join(ADS, 'truth.json'), 'utf8')) : [];
for (const entry of truth) {
  test(`${entry.file}: ${entry.ads_rendered} rendered, ${entry.ads_viewable} viewable`, async () => {
    const body = fs.readFileSync(path.join(ADS, entry.file));
    const headers = { ...HTML, ...(entry.csp ? { 'content-security-policy': entry.csp } : {}) };
    const { page, rendered, viewable } = await walk(entry.url, body, headers, entry.site, '[data-fixture]',
      // Hidden and collapsed items have no box to centre on: no dwell.
      { default: 1500, 'ad-fast': 400, 'ad-hidden': 0, 'ad-collapsed': 0 });
    if (entry.file === 'facebook-ar.html') await screenshot(page, 'ads-facebook-ar');
    assert.deepEqual({ rendered, viewable }, { rendered: entry.ads_rendered, viewable: entry.ads_viewable }, entry.notes);
    await page.close();
  });
}
