// Helpers for end-to-end tests: the built extension (dist/chrome) in real
// Chromium — or, with THAMAN_BROWSER=firefox, dist/firefox in Firefox ESR
// (the same tests, where the browser allows) — fixture pages served at the
// real sites' URLs, no network at all.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { Frame } from 'puppeteer-core';
import { launchFirefox, GECKO_ORIGIN, GECKO_ID } from './firefox.mjs';

// puppeteer's polling stops for good the first time a waited-for function
// throws (its rejection is dropped), and the wait then runs out its whole
// timeout. Tests wait in the counter's frame from the moment it is
// attached, before its wasm has drawn the parts they read: a function that
// throws is taken as "not yet", as waitForSelector takes a part not there.
const waitForFunction = Frame.prototype.waitForFunction;
Frame.prototype.waitForFunction = function (fn, options, ...args) {
  // puppeteer sends the source (an expression is the body of a function,
  // as puppeteer makes it): the guarded function is made from that source.
  const source = typeof fn === 'string' ? `() => (${fn})` : String(fn);
  const notYet = new Function(`return (...args) => {
    try {
      const value = (${source})(...args);
      return value instanceof Promise ? value.catch(() => false) : value;
    } catch {
      return false;
    }
  };`)();
  return waitForFunction.call(this, notYet, options, ...args);
};

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
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    pipe: true,
    headless,
    enableExtensions: [dist],
    userDataDir,
    defaultViewport: { width: 1280, height: 800 },
    args: [...FLAGS, `--lang=${lang}`],
    env: { ...process.env, LANGUAGE: lang, LANG: lang === 'ar' ? 'ar_EG.UTF-8' : 'en_US.UTF-8' },
  });
  // The extension is loaded once its worker has started (at install, or
  // with a profile that has it): a page opened before then can miss its
  // content script, and stay without a counter (in CI, a test's first page).
  // (A profile that already has it may start no worker until asked: then
  // this waits 5 s, and goes on.)
  await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith(EXTENSION_ORIGIN), { timeout: 5000 })
    .catch(() => {});
  return browser;
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

/** Runs `expression` in Firefox's own (chrome) scope (firefox.mjs allows it); its value. */
async function inFirefox(b, expression) {
  const tree = await b.connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
  const { contexts } = tree.result ?? tree;
  const r = await b.connection.send('script.evaluate', { expression, target: { context: contexts[0].context }, awaitPromise: true });
  const { result } = r.result ?? r;
  if (!result) throw new Error(`${expression}: ${JSON.stringify(r)}`);
  return result.value;
}
const FIREFOX_DEBUG = `ChromeUtils.importESModule('resource://gre/modules/ExtensionParent.sys.mjs').ExtensionParent.DebugUtils`;

/** Whether the extension's background (Chromium's service worker, Firefox's event page) runs. */
export async function backgroundRunning(browser) {
  if (FIREFOX) return (await inFirefox(browser, `${FIREFOX_DEBUG}.isBackgroundScriptRunning('${GECKO_ID}')`)) === true;
  return browser.targets().some((t) => t.type() === 'service_worker' && t.url().startsWith(EXTENSION_ORIGIN));
}

/**
 * Readies `stop()`, which stops the extension's background as the browser
 * stops an idle one, and waits until it is gone: Chromium's service worker
 * through DevTools; Firefox's event page as about:debugging's "Terminate
 * background script" does. The page's sensor stays; its next event starts
 * the background again.
 */
export async function backgroundStopper(page, browser) {
  const gone = async () => {
    for (let end = Date.now() + 5000; Date.now() < end && await backgroundRunning(browser);) await sleep(20);
    if (await backgroundRunning(browser)) throw new Error('the background did not stop');
  };
  if (FIREFOX) {
    return async () => {
      await inFirefox(browser, `${FIREFOX_DEBUG}.terminateBackgroundScript('${GECKO_ID}').then(() => true)`);
      await gone();
    };
  }
  const cdp = await page.createCDPSession();
  await cdp.send('ServiceWorker.enable');
  return async () => {
    await cdp.send('ServiceWorker.stopAllWorkers');
    await gone();
    await cdp.detach();
  };
}

/** Stops the extension's background now (see `backgroundStopper`). */
export async function stopBackground(page, browser) {
  await (await backgroundStopper(page, browser))();
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

/**
 * The counter in `page` — the pill the sensor draws in its closed shadow
 * root, and the extension frame it opens above it for the card or the
 * panel — once the pill shows a time; or null after `timeout` ms.
 */
export async function overlayFrame(page, { timeout = 8000 } = {}) {
  const counter = new Counter(page);
  for (const deadline = Date.now() + timeout; ; await sleep(100)) {
    const time = await counter.pill((root) => root.querySelector('.pill:not([hidden]) .time')?.textContent || '').catch(() => '');
    if (time) return counter;
    if (Date.now() >= deadline) return null;
  }
}

// What a test's selector or waited-for function names in the frame, not
// the pill: it then runs in the frame (the names of the card's, the panel's
// and the note's parts). `Counter.inFrame` / `inPill` take no guess.
const FRAME_PARTS = /#panel|\.panel|\.card|\.saved|\.undo|\.mark|\.question|\.reason|\.answers|\.useful|\.later|\.pause|\.hide(?!den)|\.options|\.today|\.stat-|innerHeight|document\.body|getAnimations/;
const inFrame = (what) => FRAME_PARTS.test(String(what));
// What a driver says of a frame that closed under a call (Chromium's CDP,
// Firefox's BiDi: "Browsing context already closed").
const FRAME_GONE = /detached|context was destroyed|context already closed|Target closed|no such frame|no longer exist|Navigating frame/i;

/**
 * Thaman's counter in a page. A test reads the pill through the driver,
 * which can see into a closed shadow root (CDP's DOM in Chromium, BiDi's
 * `includeShadowTree` in Firefox) — the page itself never can — and the
 * card and panel in the extension frame, while it is open. A test runs
 * its own function in one or the other, as it says: `inPill` or `inFrame`.
 * `waitForFunction`, `$eval`, `waitForSelector`, `click` and `focus` run
 * where what they name is: `document` is the shadow root for the pill.
 */
export class Counter {
  constructor(page) {
    this.page = page;
  }

  /** Runs `fn(root, ...args)` in the page, `root` the counter's closed shadow root; returns its value (JSON). */
  async pill(fn, ...args) {
    return callInRoot(this.page, `function (json) { return (${fn}).apply(null, [this, ...JSON.parse(json)]); }`, args);
  }

  /** The extension frame while open (card, panel or note), or null after `timeout` ms. */
  async frame({ timeout = 5000 } = {}) {
    for (const deadline = Date.now() + timeout; ; await sleep(100)) {
      const frame = await findFrame(this.page, isOverlayUrl);
      if (frame) return frame;
      if (Date.now() >= deadline) return null;
    }
  }

  /**
   * Runs `call(frame, ms left)` in the frame, which a test expects open. The
   * frame may be replaced meanwhile (it closes when its panel does, and
   * opens again for a note): a call cut off by that runs in the new one.
   */
  async #callFrame(call, timeout = 5000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const frame = await this.frame({ timeout: Math.max(0, deadline - Date.now()) });
      if (!frame) throw new Error('the counter\'s frame is not open');
      try {
        return await call(frame, Math.max(100, deadline - Date.now()));
      } catch (e) {
        if (Date.now() >= deadline || !FRAME_GONE.test(e.message)) throw e;
        await sleep(100);
      }
    }
  }

  /** `fn` with `document` standing for the pill's shadow root. */
  #shim(fn) {
    return `function (json) {
      const root = this;
      const pill = root.querySelector('.pill');
      const document = {
        querySelector: (s) => root.querySelector(s),
        querySelectorAll: (s) => root.querySelectorAll(s),
        documentElement: { dir: pill ? pill.dir : '', lang: pill ? pill.lang : '' },
      };
      return (${fn}).apply(null, JSON.parse(json));
    }`;
  }

  /** Runs `fn(...args)` in the extension frame (card, panel or note), which the test expects open; its value. */
  async inFrame(fn, ...args) {
    return this.#callFrame((f) => f.evaluate(fn, ...args));
  }

  /** Runs `fn(...args)` on the pill, `document` standing for its shadow root; its value (JSON). */
  async inPill(fn, ...args) {
    return callInRoot(this.page, this.#shim(fn), args);
  }

  /** Polls `fn` until it returns something truthy; returns a handle-like {jsonValue()}. */
  async waitForFunction(fn, { timeout = 30000 } = {}, ...args) {
    if (inFrame(fn)) return this.#callFrame((f, ms) => f.waitForFunction(fn, { timeout: ms }, ...args), timeout);
    for (const deadline = Date.now() + timeout; ; await sleep(100)) {
      const value = await this.inPill(fn, ...args).catch(() => undefined);
      if (value) return { jsonValue: async () => value };
      if (Date.now() >= deadline) throw new Error(`waiting for the pill: ${String(fn).slice(0, 120)}`);
    }
  }

  async $eval(selector, fn, ...args) {
    if (inFrame(selector)) return this.#callFrame((f) => f.$eval(selector, fn, ...args));
    return this.pill(`(root, sel, ...rest) => (${fn})(root.querySelector(sel), ...rest)`, selector, ...args);
  }

  async waitForSelector(selector, { timeout = 30000 } = {}) {
    if (inFrame(selector)) return this.#callFrame((f, ms) => f.waitForSelector(selector, { timeout: ms }), timeout);
    return this.waitForFunction(`(s) => !!document.querySelector(s)`, { timeout }, selector);
  }

  /** The page-relative box of a part of the pill (or of the pill). */
  async box(selector = '.pill') {
    return this.pill((root, sel) => {
      const el = root.querySelector(sel);
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    }, selector);
  }

  /** A real (trusted) click on a part of the pill, or in the frame. */
  async click(selector) {
    if (inFrame(selector)) return this.#callFrame((f) => f.click(selector));
    const b = await this.box(selector);
    if (!b) throw new Error(`no ${selector} in the pill`);
    await this.page.mouse.click(b.x + b.width / 2, b.y + b.height / 2);
  }

  async focus(selector) {
    if (inFrame(selector)) return this.#callFrame((f) => f.focus(selector));
    await this.pill((root, sel) => root.querySelector(sel).focus(), selector);
  }
}

// The driver's way into the counter's closed shadow root, per page.
const sessions = new WeakMap();

/** Calls `declaration` (a function source taking one JSON string) on the counter's shadow root; its value, as JSON. */
async function callInRoot(page, declaration, args) {
  const json = JSON.stringify(args);
  const wrapped = `function (json) { const v = (${declaration}).call(this, json); return v === undefined ? 'null' : JSON.stringify(v); }`;
  const text = FIREFOX ? await bidiCall(page, wrapped, json) : await cdpCall(page, wrapped, json);
  return JSON.parse(text);
}

async function cdpCall(page, declaration, json) {
  let cdp = sessions.get(page);
  if (!cdp) {
    cdp = await page.createCDPSession();
    sessions.set(page, cdp);
  }
  const host = await cdp.send('Runtime.evaluate', { expression: COUNTER });
  if (!host.result.objectId) throw new Error('no counter on the page');
  const { node } = await cdp.send('DOM.describeNode', { objectId: host.result.objectId, depth: 1, pierce: true });
  const shadow = node.shadowRoots && node.shadowRoots[0];
  if (!shadow) throw new Error('the counter has no shadow root');
  const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: shadow.backendNodeId });
  const r = await cdp.send('Runtime.callFunctionOn', {
    objectId: object.objectId, functionDeclaration: declaration, arguments: [{ value: json }], returnByValue: true, awaitPromise: true,
  });
  cdp.send('Runtime.releaseObjectGroup', { objectGroup: '' }).catch(() => {});
  if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description || r.exceptionDetails.text);
  return r.result.value;
}

async function bidiCall(page, declaration, json) {
  const connection = page.browser().connection;
  const target = { context: page.mainFrame()._id };
  const found = await connection.send('script.evaluate', {
    expression: COUNTER, target, awaitPromise: false, resultOwnership: 'root',
    serializationOptions: { includeShadowTree: 'all', maxDomDepth: 0 },
  });
  const host = found.result.result;
  const shadow = host && host.type === 'node' && host.value && host.value.shadowRoot;
  if (!shadow) throw new Error('no counter on the page');
  const r = await connection.send('script.callFunction', {
    functionDeclaration: declaration, this: { sharedId: shadow.sharedId },
    arguments: [{ type: 'string', value: json }], target, awaitPromise: true, resultOwnership: 'none',
  });
  if (host.handle) connection.send('script.disown', { handles: [host.handle], target }).catch(() => {});
  if (r.result.type === 'exception') throw new Error(r.result.exceptionDetails.text);
  return r.result.result.value;
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

/** What the pill shows: {site, time, label, ads, counting, dir, lang}. */
export async function readOverlay(counter) {
  return counter.inPill(() => ({
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

const send = (m) => chrome.runtime.sendMessage(m);

/**
 * Sends a request to the background from `context`, a page or frame of the
 * extension (a popup, the counter's open frame, an options page); its
 * reply, a refusal too (what only the options page may ask, issue 19:
 * `askAsOptions`). A `Counter` is no extension context.
 */
export async function ask(context, message) {
  if (context instanceof Counter) throw new Error('a counter cannot ask the background: askAsOptions(counter, ...)');
  return context.evaluate(send, message);
}

// One options page per browser, behind the other tabs, to ask from.
const optionsBehind = new WeakMap();

/**
 * Sends a request as the options page (which may ask anything: export,
 * import, settings, delete), from one opened behind the other tabs, so a
 * tracked tab stays in front. `context`: the browser, or a page, frame or
 * `Counter` in it.
 */
export async function askAsOptions(context, message) {
  const browser = context instanceof Counter ? context.page.browser()
    : typeof context.page === 'function' ? context.page().browser()
      : typeof context.browser === 'function' ? context.browser() : context;
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
 * Presses `key` where its keydown closes the extension frame that has the
 * focus, and lets it go only once `gone()` has resolved. Chromium's driver
 * waits for each key event to be answered; a keyup sent while the focused
 * frame is being removed can go unanswered, and the driver then hangs until
 * its protocol timeout (180 s: in CI, and here with the Firefox suite running
 * beside it). A person who holds the key that long sends the keyup to the page.
 */
export async function pressClosing(page, key, gone) {
  await page.keyboard.down(key);
  try {
    await gone();
  } finally {
    await page.keyboard.up(key);
  }
}

/**
 * Lays the page's decoy over `selector` in the counter's frame: its own
 * popover (top layer, opened after the counter's) inviting a click it lets
 * through (`pointer-events: none`), in the document or in a closed shadow
 * root of the page's. Then a real click on it, once the frame's content
 * stands still; returns how many trusted clicks reached `selector` (1: the
 * click went through the decoy onto that button).
 */
export async function clickThroughDecoy(page, counter, selector, inShadow = false) {
  for (let attempt = 1; ; attempt++) {
    const frame = await counter.frame();
    await frame.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    const box = await counter.box('iframe');
    const button = await frame.evaluate((sel) => {
      const r = document.querySelector(sel).getBoundingClientRect();
      window.__reached = 0;
      if (!window.__counting) {
        window.__counting = true;
        addEventListener('click', (e) => { if (e.isTrusted && e.target.closest(window.__aim)) window.__reached++; }, true);
      }
      window.__aim = sel;
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    }, selector);
    await page.evaluate((b, shadow) => {
      const decoy = document.createElement('div');
      decoy.popover = 'manual';
      decoy.textContent = 'Tap here to claim your prize';
      decoy.style.cssText = `position:fixed;margin:0;border:0;padding:0;inset:auto;left:${b.x - 10}px;top:${b.y - 10}px;`
        + `width:${b.width + 20}px;height:${b.height + 20}px;background:#fff;color:#000;font:24px sans-serif;pointer-events:none`;
      const holder = shadow ? document.createElement('div') : null;
      document.body.append(holder || decoy);
      if (holder) holder.attachShadow({ mode: 'closed' }).append(decoy);
      decoy.showPopover();
      window.__decoy = holder || decoy;
    }, box, inShadow);
    await page.mouse.click(box.x + button.x, box.y + button.y);
    await sleep(100);
    const reached = await frame.evaluate(() => window.__reached);
    if (reached || attempt === 3) return reached;
    // The sensor's patrol (once a second) raised the counter above the
    // decoy between its laying and the click, and the frame's content was
    // laid out again under the pointer: the click missed the button (it
    // changed nothing). Again, past the moments refused after a cover.
    await takeDecoyAway(page);
  }
}

/**
 * Takes away the decoy `clickThroughDecoy` laid, and waits past the
 * moments in which the core refuses choices after the counter was found
 * covered (2.5 s): a choice clicked then counts again.
 */
export async function takeDecoyAway(page) {
  await page.evaluate(() => window.__decoy.remove());
  await sleep(2800);
}

/** A message of Thaman's in `lang`, as its locale file has it. */
export function message(lang, key) {
  const file = path.join(ROOT, 'extension', '_locales', lang, 'messages.json');
  const text = JSON.parse(fs.readFileSync(file, 'utf8'))[key]?.message;
  if (!text) throw new Error(`no message ${key} in ${lang}`);
  return text;
}

/**
 * Waits for the overlay to tell the person their click was not taken (a
 * choice the core refused), in `lang`, in the frame that shows it. A
 * choice refused in the panel leaves the panel open beside the note
 * (`panel`), so the person can try again at once.
 */
export async function toldNotTaken(counter, lang = 'en', { panel = false } = {}) {
  const text = message(lang, 'refusedClick');
  await counter.waitForFunction((t) => {
    const note = document.querySelector('.saved');
    return note && !note.hidden && note.getBoundingClientRect().height > 0
      && document.querySelector('.saved-text').textContent === t;
  }, { timeout: 4000 }, text).catch(() => assert.fail(`the person is not told their click was not taken ("${text}")`));
  if (panel) {
    assert.equal(await counter.inFrame(() => !document.querySelector('#panel').hidden), true,
      'the panel stays open after its choice was refused, for another try');
  }
}

/** Polls `check` (async) until it holds; fails with `why` after `ms`. */
export async function until(check, why, { ms = 4000, every = 200 } = {}) {
  for (const deadline = Date.now() + ms; !(await check()); await sleep(every)) {
    assert.ok(Date.now() < deadline, why);
  }
}

/**
 * Waits until the panel fills the overlay frame (`frame`: the frame's
 * page) and nothing in it moves: a click then lands where it is drawn, and
 * the sensor sees the frame as big as the panel.
 */
export async function panelDrawn(frame) {
  await frame.waitForFunction(() => {
    const r = document.querySelector('#panel')?.getBoundingClientRect();
    if (!r) return false;
    return r.height > 100 && Math.abs(r.top) < 1 && Math.abs(innerHeight - r.bottom) < 1
      && document.getAnimations().every((a) => a.playState !== 'running');
  }, { polling: 100 });
}

/**
 * Clicks `selector` in the overlay frame once it is wholly inside the
 * frame's box and no animation moves it (the frame grows by a message
 * round trip; a click computed before that lands elsewhere).
 */
export async function clickSettled(frame, selector, { timeout = 5000 } = {}) {
  if (frame instanceof Counter) {
    // The pill is in the page: a real click on it. The rest is in the frame.
    if (!inFrame(selector)) {
      await frame.waitForFunction((sel) => { const r = document.querySelector(sel)?.getBoundingClientRect(); return r && r.width > 0; }, { timeout }, selector);
      return frame.click(selector);
    }
    frame = await frame.frame({ timeout });
    if (!frame) throw new Error(`no frame to click ${selector} in`);
  }
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
  // A frame gone right after the click was reached: its action closed it.
  const reached = async () => {
    try {
      return await frame.evaluate(() => window.__thamanPresses || 0);
    } catch (e) {
      if (FRAME_GONE.test(e.message)) return Infinity;
      throw e;
    }
  };
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

/**
 * What the counter draws, as page boxes: the pill, and the frame while
 * open (each exactly what it paints).
 */
export async function drawnBoxes(counter) {
  const boxes = [await counter.box('.pill')];
  const frame = await counter.box('iframe');
  if (frame && frame.width > 0) boxes.push(frame);
  return boxes.filter(Boolean);
}

/**
 * Real clicks on a ring 1–20 px outside each box the counter draws (points
 * inside another drawn box are left out): returns the points whose click
 * did not reach the page. Links on the page are not followed.
 */
export async function probeRing(page, counter) {
  const boxes = await drawnBoxes(counter);
  // The page's own area: a click on a scrollbar (Firefox has them) is not the page's.
  const area = await page.evaluate(() => ({ width: document.documentElement.clientWidth, height: document.documentElement.clientHeight }));
  const inside = (x, y) => boxes.some((b) => x >= b.x - 0.5 && x <= b.x + b.width + 0.5 && y >= b.y - 0.5 && y <= b.y + b.height + 0.5);
  const points = [];
  for (const b of boxes) {
    for (const d of [1, 2, 5, 10, 20]) {
      const xs = [b.x - d, b.x + b.width / 2, b.x + b.width + d];
      const ys = [b.y - d, b.y + b.height / 2, b.y + b.height + d];
      for (const x of xs) for (const y of ys) {
        if (!inside(x, y) && x >= 0 && y >= 0 && x < area.width && y < area.height) points.push({ x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10 });
      }
    }
  }
  await page.evaluate((host) => {
    window.__thamanProbe = [];
    addEventListener('click', (e) => {
      if (!e.isTrusted || e.target === host) return; // the counter's own clicks go on
      window.__thamanProbe.push([e.clientX, e.clientY]);
      e.preventDefault();
      e.stopImmediatePropagation();
    }, true);
  }, await page.evaluateHandle(COUNTER));
  const missed = [];
  for (const p of points) {
    const before = await page.evaluate(() => window.__thamanProbe.length);
    await page.mouse.click(p.x, p.y);
    const reached = await page.evaluate((n) => window.__thamanProbe.length > n, before);
    if (!reached) missed.push(p);
  }
  return { points: points.length, missed, boxes };
}
