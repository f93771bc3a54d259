// Only Thaman's own pages can change what Thaman keeps (issue 19). The
// social page is the adversary, and a compromised renderer can run any code
// in the content script's isolated world: here that world is reached the
// way such code would be, through DevTools `Runtime.evaluate` with the
// world's execution context id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openSite, overlayFrame, activity, ask, askAsOptions, extensionPage, sleep, clickSettled, panelDrawn, EXTENSION_ORIGIN, CHROMIUM_ONLY,
} from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The content script's isolated world in `page`'s top frame. */
async function contentScriptWorld(page) {
  const cdp = await page.createCDPSession();
  const contexts = [];
  cdp.on('Runtime.executionContextCreated', ({ context }) => contexts.push(context));
  await cdp.send('Runtime.enable'); // reports every context that exists
  const { frameTree } = await cdp.send('Page.getFrameTree');
  for (const end = Date.now() + 5000; Date.now() < end; await sleep(100)) {
    const world = contexts.find((c) => c.auxData?.type === 'isolated'
      && c.auxData?.frameId === frameTree.frame.id && c.origin === EXTENSION_ORIGIN);
    if (world) return { cdp, id: world.id };
  }
  throw new Error(`no isolated world of the extension among ${JSON.stringify(contexts)}`);
}

/** Runs `messages` through a port named 'overlay' opened in `context`. */
const asOverlay = (messages) => new Promise((done) => {
  /* global chrome */
  const port = chrome.runtime.connect({ name: 'overlay' });
  for (const m of messages) port.postMessage(m);
  setTimeout(() => { port.disconnect(); done(typeof chrome.runtime.connect); }, 1000);
});

const FORGED = [
  { type: 'mark_useful', minutes: 1440 },
  { type: 'hide' },
  { type: 'pause', span: 'hour' },
  { type: 'minimize', on: true },
];

function kept(data, site) {
  const days = data.days.filter((d) => d.site === site);
  return {
    attention: days.reduce((s, d) => s + d.attention_seconds, 0),
    useful: days.reduce((s, d) => s + d.useful_seconds, 0),
    hidden: data.settings.overlay_hidden.includes(site),
    minimized: data.settings.overlay_minimized.includes(site),
    paused: site in data.settings.paused_until,
  };
}

test('a content script cannot speak for the overlay; the overlay page can', { skip: CHROMIUM_ONLY }, async () => {
  const page = await openSite(browser, 'https://x.com/home');
  const frame = await overlayFrame(page);
  assert.ok(frame, 'the overlay mounts');
  await activity(page, 4000);
  const before = kept(await askAsOptions(frame, { type: 'export' }), 'x');
  assert.ok(before.attention >= 2, `some attention to mark: ${before.attention} s`);
  assert.equal(before.useful, 0);

  const { cdp, id } = await contentScriptWorld(page);
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', {
    contextId: id,
    expression: `(${asOverlay})(${JSON.stringify(FORGED)})`,
    awaitPromise: true,
    returnByValue: true,
  });
  assert.equal(exceptionDetails, undefined, JSON.stringify(exceptionDetails));
  assert.equal(result.value, 'function', "ran in the content script's world, with its chrome.runtime");
  await sleep(300);
  const afterForged = kept(await askAsOptions(page, { type: 'export' }), 'x');
  assert.deepEqual(
    { ...afterForged, attention: 0 },
    { ...before, attention: 0 },
    'nothing marked useful, hidden, paused or folded',
  );

  // The same request from Thaman's own overlay page (open while its panel
  // is) is taken.
  await clickSettled(frame, '.pill');
  const own = await frame.frame();
  assert.ok(own, 'the panel opens in the overlay page');
  // Once the panel is drawn: a request from a frame not yet drawn is looked
  // at (its click is not vouched for) where the counter is not, and refused.
  await panelDrawn(own);
  await own.evaluate(asOverlay, [{ type: 'mark_useful', minutes: 1440 }]);
  await sleep(300);
  const afterOwn = kept(await askAsOptions(frame, { type: 'export' }), 'x');
  assert.ok(afterOwn.useful > 0, `the overlay marked ${afterOwn.useful} s useful`);
  await cdp.detach();
  await page.close();
});

/** What the content script's world can do with the extension's storage. */
const tryStorage = async () => {
  /* global chrome */
  const out = {};
  for (const [what, run] of [['get', () => chrome.storage.local.get(null)], ['set', () => chrome.storage.local.set({ forged: 1 })], ['clear', () => chrome.storage.local.clear()]]) {
    try {
      await run();
      out[what] = 'allowed';
    } catch (e) {
      out[what] = 'refused';
    }
  }
  return out;
};

test("a content script cannot read or clear Thaman's storage", { skip: CHROMIUM_ONLY }, async () => {
  const page = await openSite(browser, 'https://x.com/home');
  const frame = await overlayFrame(page);
  assert.ok(frame, 'the overlay mounts');
  await activity(page, 2000);
  const before = await askAsOptions(frame, { type: 'export' });
  const { cdp, id } = await contentScriptWorld(page);
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', {
    contextId: id,
    expression: `(${tryStorage})()`,
    awaitPromise: true,
    returnByValue: true,
  });
  assert.equal(exceptionDetails, undefined, JSON.stringify(exceptionDetails));
  assert.deepEqual(result.value, { get: 'refused', set: 'refused', clear: 'refused' });
  const after = await askAsOptions(frame, { type: 'export' });
  assert.deepEqual(after.settings, before.settings, 'the store is whole');
  assert.ok(after.days.length >= before.days.length);
  await cdp.detach();
  await page.close();
});

/** Sends each request from `context` (a page or frame of the extension), one after another; their replies. */
async function askAll(context, asks) {
  const replies = [];
  for (const m of asks) replies.push(await ask(context, m));
  return replies;
}

test('the overlay page cannot export, import, change settings or delete everything', async () => {
  const page = await openSite(browser, 'https://x.com/home');
  const frame = await overlayFrame(page);
  assert.ok(frame, 'the overlay mounts');
  await activity(page, 3000);
  const options = await extensionPage(browser, 'options.html', { background: true });
  const before = await ask(options, { type: 'export' });
  assert.ok(before.days.length > 0, 'something kept to lose');
  const changed = { ...before.settings, idle_threshold_seconds: 15, overlay_hidden: ['x'] };
  const asks = [
    { type: 'export' }, { type: 'export_csv' }, { type: 'export_finds_csv' },
    { type: 'import_preview', data: before }, { type: 'import', data: { ...before, settings: changed, days: [] } },
    { type: 'set_settings', settings: changed }, { type: 'undo_import' }, { type: 'delete_everything' },
  ];
  // Run in the overlay page's own context (open while its panel is):
  // Thaman's page, inside the social page.
  await clickSettled(frame, '.pill');
  const own = await frame.frame();
  assert.ok(own, 'the panel opens in the overlay page');
  const replies = await askAll(own, asks);
  asks.forEach((a, i) => {
    assert.equal(replies[i]?.ok, false, `${a.type} from the overlay: ${JSON.stringify(replies[i])?.slice(0, 80)}`);
    assert.match(replies[i].error, /only Thaman's options page may ask this/);
  });
  // The popup reads, and may not change the store either.
  const popup = await extensionPage(browser, 'popup.html', { background: true });
  const fromPopup = await askAll(popup, [{ type: 'delete_everything' }, { type: 'set_settings', settings: changed }, { type: 'popup' }]);
  assert.deepEqual(fromPopup.slice(0, 2).map((r) => r.ok), [false, false]);
  assert.ok(fromPopup[2].today, 'the popup still gets its view');
  await sleep(300);
  const after = await ask(options, { type: 'export' });
  assert.deepEqual(after.settings, before.settings, 'settings as they were');
  assert.ok(after.days.length >= before.days.length, 'nothing deleted');
  assert.deepEqual(after.finds, before.finds);
  // The options page may.
  const csv = await ask(options, { type: 'export_csv' });
  assert.match(csv, /^date,site,/);
  await popup.close();
  await options.close();
  await page.close();
});
