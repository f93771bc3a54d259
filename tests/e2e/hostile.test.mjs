// A page that floods the DOM (about 100,000 mutations a second) and
// overrides IntersectionObserver, MutationObserver, Date, performance.now,
// addEventListener, getBoundingClientRect, hasFocus and visibilityState in
// its own world, under `default-src 'none'`: it keeps responding, and
// Thaman's counts are what they would be on an honest page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openSite, overlayFrame, activity, ask, extensionPage, sleep } from './harness.mjs';

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
