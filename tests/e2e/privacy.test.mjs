// Privacy is a feature tests prove: during a session that uses what Thaman
// has (counting, ads, the take, the popup, export, import, a worker
// restart), the extension makes no network request of its own. Every
// request seen from the service worker, the page and the extension's frames
// is either the extension's own file or the fixture page the test served.
// In Firefox the background is not a service worker to listen to; there
// every connection the browser itself tries to open (the background's
// included) reaches a recording dead-end proxy, and none may.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openSite, overlayFrame, activity, askAsOptions, extensionPage, sleep, EXTENSION_ORIGIN, FIREFOX, isExtensionUrl,
  openAdFixture, AD_FIXTURES,
} from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Records every request of every service worker (restarts included). */
async function recordWorkers(seen) {
  const attach = async (target) => {
    if (target.type() !== 'service_worker') return;
    try {
      const cdp = await target.createCDPSession();
      cdp.on('Network.requestWillBeSent', (e) => seen.push({ from: 'worker', url: e.request.url }));
      await cdp.send('Network.enable');
    } catch (_) { /* a worker that stopped while we attached */ }
  };
  browser.on('targetcreated', attach);
  await Promise.all(browser.targets().map(attach));
}

test('a full session makes no request beyond the extension and the page itself', async () => {
  const seen = [];
  if (!FIREFOX) await recordWorkers(seen);
  const pages = [];
  const served = new Set(['https://www.facebook.com/', 'https://x.com/home']);
  // Who started a request: the extension (its frames, or its content
  // script on the stack), or the page and browser themselves.
  // (The overlay frame has a per-session origin of its own in Chromium.)
  const byExtension = (r) => isExtensionUrl(r.frame()?.url() ?? '')
    || /(chrome|moz)-extension:\/\//.test(JSON.stringify(r.initiator() ?? {}));
  const watch = (page, name) => {
    page.on('request', (r) => seen.push({ from: byExtension(r) ? `${name}: extension` : name, url: r.url() }));
    pages.push(page);
    return page;
  };

  const fb = watch(await openSite(browser, 'https://www.facebook.com/'), 'facebook');
  const frame = await overlayFrame(fb);
  assert.ok(frame);
  await activity(fb, 3000);
  await fb.evaluate(() => window.scrollBy(0, 400));
  await activity(fb, 1500);
  // X with real posts (a find keeps only a post with its own link).
  const { page: xPage } = await openAdFixture(browser, AD_FIXTURES.find((e) => e.file === 'x-en.html'));
  const x = watch(xPage, 'x');
  await x.evaluate(() => document.querySelector('article[data-testid="tweet"]').scrollIntoView({ block: 'center' }));
  await activity(x, 1500);
  // A post marked useful (the shortcut), and the summary that lists it.
  for (const k of ['Alt', 'Shift']) await x.keyboard.down(k);
  await x.keyboard.press('KeyU');
  for (const k of ['Shift', 'Alt']) await x.keyboard.up(k);
  await sleep(500);

  const popup = watch(await extensionPage(browser), 'popup');
  const data = await askAsOptions(popup, { type: 'export' });
  assert.equal(data.finds.length, 1, 'the post was kept');
  const summary = watch(await extensionPage(browser, 'summary.html'), 'summary');
  await summary.waitForSelector('.finds .find');
  assert.deepEqual(await askAsOptions(popup, { type: 'import', data }), { ok: true });

  // A worker restart reloads the core and its files, still locally.
  if (!FIREFOX) {
    const cdp = await fb.createCDPSession();
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
  }
  await fb.bringToFront();
  await activity(fb, 2000);
  await sleep(500);

  // The recorders are not blind: Chromium's saw the extension's own files;
  // Firefox's proxy sees a request the test makes from an extension page.
  if (!FIREFOX) assert.ok(seen.some((r) => r.url.startsWith(EXTENSION_ORIGIN)), 'the recorder saw the extension load its files');
  const ours = seen.filter((r) => r.from === 'worker' || r.from.endsWith('extension'));
  assert.deepEqual(ours.filter((r) => !isExtensionUrl(r.url)), [], "the extension's own requests that would leave the machine");
  // Everything else is the page itself (and the browser's favicon for it).
  const favicon = (u) => /^https:\/\/[^/]+\/favicon\.ico$/.test(u);
  const outside = seen.filter((r) => !isExtensionUrl(r.url) && !served.has(r.url) && !favicon(r.url) && !r.url.startsWith('data:'));
  assert.deepEqual(outside, [], 'requests that would leave the machine');
  if (FIREFOX) {
    assert.deepEqual(browser.thamanConnections, [], 'connections Firefox tried to open itself');
    // The control comes from a blank tab: the extension's own pages may not
    // connect anywhere (the test below).
    const blank = await browser.newPage();
    await blank.evaluate(() => fetch('https://control.invalid/').catch(() => 'refused'));
    await sleep(300);
    await blank.close();
    // (Firefox tries a refused connection a few times.)
    assert.deepEqual([...new Set(browser.thamanConnections)], ['CONNECT control.invalid:443 HTTP/1.1'], 'the control request reached the recorder');
  }
  for (const page of pages) await page.close();
});

// "No network" is enforced by the browser, not only observed: the extension
// pages' Content-Security-Policy has `connect-src 'self'`, so a request an
// extension page tries to another origin is refused before it leaves (a
// CSP violation), while the extension's own files still load.
test("the extension's pages cannot connect anywhere but the extension", async () => {
  const popup = await extensionPage(browser);
  const tried = FIREFOX ? browser.thamanConnections.length : 0;
  const result = await popup.evaluate(async () => {
    const violated = [];
    document.addEventListener('securitypolicyviolation', (e) => violated.push(e.violatedDirective));
    const outside = await fetch('https://control.invalid/').then(() => 'sent', () => 'refused');
    const own = await fetch('manifest.json').then((r) => r.ok, () => false);
    await new Promise((r) => setTimeout(r, 200));
    return { outside, own, violated };
  });
  assert.equal(result.outside, 'refused');
  assert.ok(result.violated.some((d) => d.startsWith('connect-src')), `a connect-src violation, saw ${JSON.stringify(result.violated)}`);
  assert.equal(result.own, true, "the extension's own files still load");
  if (FIREFOX) assert.deepEqual(browser.thamanConnections.slice(tried), [], 'no connection was tried');
  await popup.close();
});
