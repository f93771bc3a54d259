// Helpers for end-to-end tests: the built extension (dist/chrome) in real
// Chromium — or, with THAMAN_BROWSER=firefox, dist/firefox in Firefox ESR
// (the same tests, where the browser allows) — fixture pages served at the
// real sites' URLs, no network at all.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { launchFirefox, GECKO_ORIGIN } from './firefox.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
/** Which browser the tests drive: 'chromium' (default) or 'firefox'. */
export const BROWSER = process.env.THAMAN_BROWSER === 'firefox' ? 'firefox' : 'chromium';
export const FIREFOX = BROWSER === 'firefox';
export const DIST = process.env.THAMAN_DIST || path.join(ROOT, 'dist', FIREFOX ? 'firefox' : 'chrome');
export const FIXTURES = path.join(ROOT, 'tests', 'fixtures');
export const EXTENSION_ID = 'ohnaalgachifdjhbceagihidhpnjnlib'; // from manifest "key"
export const EXTENSION_ORIGIN = FIREFOX ? GECKO_ORIGIN : `chrome-extension://${EXTENSION_ID}`;
/**
 * Whether a URL is one of the extension's own. Chromium serves the overlay
 * frame under a per-session origin (manifest: use_dynamic_url), not
 * EXTENSION_ORIGIN, so pages cannot probe for it.
 */
export const isExtensionUrl = (u) => /^(chrome|moz)-extension:\/\//.test(u);
/** Whether a URL is the overlay frame's document. */
export const isOverlayUrl = (u) => isExtensionUrl(u) && new URL(u).pathname === '/overlay.html';
/**
 * Runs in a page: Thaman's counter host as the page itself can find it — a
 * plain element on <html> whose box is set inline — or null. It carries no
 * name, id or class to find it by (the overlay frame is found by its URL,
 * `isOverlayUrl`).
 */
export function pageHost() {
  return [...document.documentElement.children].find((e) => e.localName === 'div'
    && e.style.getPropertyValue('z-index') === '2147483647' && e.style.getPropertyPriority('z-index') === 'important') || null;
}
/** `pageHost()` as an expression, for `page.evaluate` and `page.waitForFunction`. */
export const COUNTER = `(${pageHost})()`;
/** For tests that need what only Chromium gives (CDP, service workers): their skip reason. */
export const CHROMIUM_ONLY = FIREFOX && 'Chromium only (CDP or the service worker)';

const ROUTES = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'routes.json'), 'utf8'));

// Flags that keep Chromium off the network and quiet (see shared/TESTING.md).
const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND', '--window-size=1280,800',
];

/**
 * Starts the browser with the extension. `lang` sets the browser UI
 * language. `allow` lists host permissions the person grants when the
 * extension asks (the browser's prompt, which a headless browser cannot
 * show): Firefox grants optional permissions without a prompt; headless
 * Chromium's prompt never answers, so there the built extension is copied
 * with those hosts already granted (`host_permissions`), and its request
 * for them resolves at once.
 */
export async function launch({ lang = 'en', headless = true, userDataDir, allow = [] } = {}) {
  if (!fs.existsSync(path.join(DIST, 'manifest.json'))) throw new Error(`no build at ${DIST}: run ./build.sh first`);
  if (FIREFOX) return launchFirefox(DIST, { headless, lang, grantOptional: allow.length > 0 });
  let dist = DIST;
  if (allow.length) {
    dist = fs.mkdtempSync(path.join(os.tmpdir(), 'thaman-allowed-'));
    fs.cpSync(DIST, dist, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(dist, 'manifest.json'), 'utf8'));
    manifest.host_permissions = allow;
    fs.writeFileSync(path.join(dist, 'manifest.json'), JSON.stringify(manifest));
  }
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    pipe: true,
    headless,
    enableExtensions: [dist],
    userDataDir,
    defaultViewport: { width: 1280, height: 800 },
    args: [...FLAGS, `--lang=${lang}`],
    env: { ...process.env, LANGUAGE: lang, LANG: lang === 'ar' ? 'ar_EG.UTF-8' : 'en_US.UTF-8' },
  });
}

/** The route for a URL: a fixture file in tests/fixtures with its headers. */
export function route(url) {
  const r = ROUTES[url];
  return r && { body: fs.readFileSync(path.join(FIXTURES, r.file)), headers: r.headers };
}

/**
 * Opens `url` in a new tab, served from the fixture routes (or `extra`:
 * url -> {body, headers}). Everything not routed is aborted, except the
 * extension's own resources. Returns the page; `page.thamanRequests` lists
 * every request the tab made.
 */
export async function openSite(browser, url, { extra = {}, front = true } = {}) {
  const page = await browser.newPage();
  page.thamanRequests = [];
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const u = req.url();
    page.thamanRequests.push(u);
    if (isExtensionUrl(u) || u.startsWith('data:')) return req.continue();
    const r = extra[u] || route(u);
    if (r) return req.respond({ status: 200, headers: r.headers, body: r.body });
    return req.abort('blockedbyclient');
  });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  if (front) await page.bringToFront();
  return page;
}

/** The extension's service worker, to evaluate code in. */
export async function serviceWorker(browser) {
  if (FIREFOX) throw new Error('Firefox runs the background as an event page, not a service worker');
  const target = await browser.waitForTarget(
    (t) => t.type() === 'service_worker' && t.url().startsWith(EXTENSION_ORIGIN), { timeout: 10000 });
  return target.worker();
}

/**
 * Restarts the extension's background with a tracked page open, as the
 * browser does to an idle one. Chromium: the service worker is stopped
 * through DevTools and the page's sensor wakes it. Firefox has no service
 * worker to stop: the add-on is reloaded (its storage stays, its pages
 * close, its content script comes back into open tabs). Returns the
 * tracked page and an extension page to ask from (`ext`, or a new one).
 */
export async function restartBackground(browser, ext) {
  const site = await openSite(browser, 'https://x.com/home');
  await site.waitForFunction(COUNTER, { timeout: 8000 });
  if (FIREFOX) {
    ext.evaluate(() => chrome.runtime.reload()).catch(() => {}); // its page goes with it
    await sleep(1000);
    // A page opened while the old add-on is still going is closed with it.
    for (const end = Date.now() + 15000; ; await sleep(250)) {
      ext = await extensionPage(browser, 'options.html').catch(() => null);
      if (ext && await ext.evaluate(() => chrome.runtime.sendMessage({ type: 'get_settings' })).then(() => true, () => false)) break;
      await ext?.close().catch(() => {});
      if (Date.now() > end) throw new Error('the add-on did not come back after its reload');
    }
  } else {
    const cdp = await site.createCDPSession();
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await sleep(1500);
  }
  return { site, ext };
}

/** The overlay frame in `page`, or null after `timeout` ms. */
export async function overlayFrame(page, { timeout = 8000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const frame = await findFrame(page, isOverlayUrl);
    if (frame) {
      try {
        await frame.waitForSelector('.pill .time:not(:empty)', { timeout: Math.max(100, deadline - Date.now()) });
        return frame;
      } catch (e) {
        if (Date.now() >= deadline) return null;
      }
    }
    if (Date.now() >= deadline) return null;
    await sleep(100);
  }
}

/** The frame of `page` whose document's URL passes `test`, if any. */
async function findFrame(page, test) {
  if (!FIREFOX) return page.frames().find((f) => test(f.url()));
  // Over WebDriver BiDi an extension frame's url() stays about:blank: ask it.
  for (const f of page.frames().slice(1)) {
    if (test(await f.evaluate(() => location.href).catch(() => ''))) return f;
  }
  return undefined;
}

/** What the overlay shows: {site, time, counting, dir, lang}. */
export async function readOverlay(frame) {
  return frame.evaluate(() => ({
    site: document.querySelector('.site').textContent,
    time: document.querySelector('.time').textContent,
    label: document.querySelector('.label').textContent,
    ads: document.querySelector('.ads')?.textContent ?? '',
    counting: document.querySelector('.pill').classList.contains('counting'),
    dir: document.documentElement.dir,
    lang: document.documentElement.lang,
  }));
}

/** "1:02:05" or "0:07" -> seconds (Latin or Arabic-Indic digits). */
export function clockSeconds(text) {
  const latin = text.replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660));
  return latin.split(':').map(Number).reduce((acc, n) => acc * 60 + n, 0);
}

/** Saves a screenshot under target/screenshots (or THAMAN_SHOTS); returns its path. */
export async function screenshot(page, name, options = {}) {
  const dir = process.env.THAMAN_SHOTS || path.join(ROOT, 'target', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, ...options });
  console.log(`screenshot: ${file}`);
  return file;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Scripted presence: real (trusted) pointer moves on `page` for `ms`. */
export async function activity(page, ms, every = 400) {
  const end = Date.now() + ms;
  for (let i = 0; Date.now() < end; i++) {
    await page.mouse.move(300 + (i % 40) * 5, 300 + (i % 7) * 9);
    await sleep(every);
  }
}

/** The core's refusal of a request only the options page may make (src/ports.rs `may_ask`). */
const OPTIONS_ONLY = /^only Thaman's options page may ask this/;
const optionsBehind = new WeakMap();

/**
 * Sends a request to the background from an extension context: a frame or
 * page of the extension (the overlay frame keeps the tracked tab in front).
 * What only the options page may ask (export, import, settings, delete:
 * issue 19) and `context` may not, is asked from an options page opened
 * behind the other tabs, so the tracked tab stays in front. (To see a page
 * refused, evaluate `chrome.runtime.sendMessage` in it directly.)
 */
export async function ask(context, message) {
  const send = (m) => chrome.runtime.sendMessage(m);
  const reply = await context.evaluate(send, message);
  if (!OPTIONS_ONLY.test(reply?.error ?? '')) return reply;
  const browser = (typeof context.page === 'function' ? context.page() : context).browser();
  const open = async () => {
    const page = await extensionPage(browser, 'options.html', { background: true });
    optionsBehind.set(browser, page);
    return page;
  };
  const options = optionsBehind.get(browser);
  if (!options || options.isClosed()) return (await open()).evaluate(send, message);
  // (An add-on reloaded in Firefox closed the old page under us.)
  return options.evaluate(send, message).catch(async () => (await open()).evaluate(send, message));
}

/** Opens an extension page in a new tab (takes the front, unless `background`). */
export async function extensionPage(browser, file = 'popup.html', { background = false } = {}) {
  const page = await browser.newPage({ background });
  if (FIREFOX) return firefoxExtensionPage(page, `${EXTENSION_ORIGIN}/${file}`);
  // Right after launch the extension may not be registered yet: its pages are
  // then refused (ERR_BLOCKED_BY_CLIENT) for a moment.
  for (let tries = 0; ; tries++) {
    try {
      await page.goto(`${EXTENSION_ORIGIN}/${file}`);
      return page;
    } catch (e) {
      if (tries >= 20 || !/ERR_BLOCKED_BY_CLIENT/.test(e.message)) throw e;
      await sleep(250);
    }
  }
}

// Firefox sends no load event for an extension page over BiDi, so goto()
// would never settle: start it, then wait for the document itself.
async function firefoxExtensionPage(page, url) {
  page.goto(url, { timeout: 0 }).catch(() => {});
  for (const end = Date.now() + 15000; Date.now() < end; await sleep(100)) {
    const [href, state] = await page.evaluate(() => [location.href, document.readyState]).catch(() => []);
    if (href === url && state === 'complete') return page;
  }
  throw new Error(`${url} did not load`);
}

/** Runs `action`, which makes `page` load itself again, and waits for the new document. */
export async function reloadedBy(page, action) {
  if (!FIREFOX) {
    const loaded = page.waitForNavigation();
    await action();
    return loaded;
  }
  // No navigation events for extension pages over BiDi: mark the old document.
  await page.evaluate(() => { window.thamanOldDocument = true; });
  await action();
  for (const end = Date.now() + 10000; Date.now() < end; await sleep(100)) {
    if (await page.evaluate(() => !window.thamanOldDocument && document.readyState === 'complete').catch(() => false)) return;
  }
  throw new Error(`${page.url()} did not load again`);
}

/** Attention seconds in an export, for one site (all days) or every site. */
export function attentionOf(data, site) {
  return data.days.filter((d) => !site || d.site === site).reduce((s, d) => s + d.attention_seconds, 0);
}

/**
 * Clicks `selector` in the overlay frame once it is wholly inside the
 * frame's box and no animation moves it (the frame grows by a message
 * round trip; a click computed before that lands elsewhere).
 */
export async function clickSettled(frame, selector, { timeout = 5000 } = {}) {
  await frame.waitForFunction((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && document.getAnimations().every((a) => a.playState !== 'running');
  }, { timeout }, selector);
  // Under load, headless Chromium can route a click made right after the
  // frame's hit-test region changed to the page beneath it: the frame then
  // sees no pointerdown at all. Only that case is clicked again; a click the
  // frame did receive is never repeated.
  const reached = () => frame.evaluate(() => window.__thamanPresses || 0);
  await frame.evaluate(() => {
    if (window.__thamanPresses !== undefined) return;
    window.__thamanPresses = 0;
    addEventListener('pointerdown', (e) => { if (e.isTrusted) window.__thamanPresses++; }, true);
  });
  for (let attempt = 1; ; attempt++) {
    const before = await reached();
    await frame.click(selector);
    const deadline = Date.now() + 1000;
    while ((await reached()) === before && Date.now() < deadline) await sleep(50);
    if ((await reached()) > before) return;
    if (attempt === 3) throw new Error(`three clicks on ${selector} never reached the overlay frame`);
    console.log(`# click on ${selector} did not reach the overlay frame; again (${attempt})`);
  }
}

/** The ad fixture pages (`tests/fixtures/ads/truth.json`): file, url, site, lang, csp. */
export const AD_FIXTURES = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'ads', 'truth.json'), 'utf8'));

/**
 * Opens an ad fixture at its real URL with its own CSP and waits for the
 * overlay; returns {page, frame} (frame null if it never came).
 */
export async function openAdFixture(browser, entry) {
  const body = fs.readFileSync(path.join(FIXTURES, 'ads', entry.file));
  const headers = { 'content-type': 'text/html; charset=utf-8', ...(entry.csp ? { 'content-security-policy': entry.csp } : {}) };
  const page = await openSite(browser, entry.url, { extra: { [entry.url]: { body, headers } } });
  return { page, frame: await overlayFrame(page) };
}
