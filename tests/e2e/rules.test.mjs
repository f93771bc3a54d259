// The person's own ad rules (options → "My ad rules"): an ad no built-in
// rule knows counts once the person names it, on the page already open,
// without a reload; a malformed rule says exactly why and saves nothing;
// the section reads right to left in Arabic (the rules themselves stay
// left to right). Chromium, and Firefox with THAMAN_BROWSER=firefox.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  launch, openSite, extensionPage, ask, sleep, reloadedBy, COUNTER, FIXTURES, BROWSER,
} from './harness.mjs';

const URL = 'https://x.com/rules-fixture';
const PAGE = {
  body: fs.readFileSync(path.join(FIXTURES, 'rules', 'promo.html')),
  headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" },
};
const RULE = 'x.com##div.sponsor-card-7f3a';
const SHOTS = process.env.THAMAN_RULES_SHOTS || '/tmp/rules';

let browser;
let options; // the options page, in a background tab
before(async () => {
  browser = await launch();
  options = await extensionPage(browser, 'options.html');
  await options.waitForSelector('body[data-ready]');
});
after(async () => { await browser?.close(); });

/** The site's ads, summed over every day. */
async function ads(site = 'x') {
  const data = await ask(options, { type: 'export' });
  return data.days.filter((d) => d.site === site)
    .reduce((a, d) => ({ rendered: a.rendered + d.ads_rendered, viewable: a.viewable + d.ads_viewable }), { rendered: 0, viewable: 0 });
}

/** Types `text` into the rules' area as a person's edit would arrive (an `input` event). */
async function typeRules(page, text) {
  await page.$eval('#ad-rules', (area, t) => {
    area.value = t;
    area.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
}

const errors = (page) => page.$$eval('#ad-rules-errors li', (li) => li.map((e) => e.textContent));
const saveDisabled = (page) => page.$eval('#ad-rules-save', (b) => b.disabled);

/** A picture of the section, to look at (not compared). */
async function shoot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const section = await page.$('section.ad-rules');
  await section.scrollIntoView();
  await section.screenshot({ path: path.join(SHOTS, `${name}-${BROWSER}.png`) });
}

test('an ad no built-in rule knows counts once the person names it, without a reload', async () => {
  const start = await ads();
  const site = await openSite(browser, URL, { extra: { [URL]: PAGE } });
  await site.waitForFunction(COUNTER, { timeout: 8000 });
  await site.evaluate(() => { window.notReloaded = true; });
  // The card sits in view for well over the viewable second: no rule, no ad.
  await sleep(2500);
  assert.deepEqual(await ads(), start, 'no built-in rule matches the card');

  // In the options (a background tab: the site's page stays in front).
  await typeRules(options, `! Acme's cards on X\n${RULE}\n`);
  assert.deepEqual(await errors(options), []);
  assert.equal(await saveDisabled(options), false);
  await options.$eval('#ad-rules-save', (b) => b.click());
  await options.waitForFunction(() => document.querySelector('#status').classList.contains('ok'), { timeout: 5000 });
  assert.equal((await ask(options, { type: 'get_settings' })).ad_rules, `! Acme's cards on X\n${RULE}\n`);

  let now = start;
  for (const end = Date.now() + 10000; Date.now() < end && now.viewable === start.viewable; await sleep(250)) now = await ads();
  assert.deepEqual({ rendered: now.rendered - start.rendered, viewable: now.viewable - start.viewable }, { rendered: 1, viewable: 1 },
    'the open page follows at once, and the card counts like a built-in rule\'s ad');
  assert.equal(await site.evaluate(() => window.notReloaded), true, 'the page was not reloaded');
  await site.close();
});

test('a malformed rule says exactly why, line by line, and nothing is saved', async () => {
  const saved = (await ask(options, { type: 'get_settings' })).ad_rules;
  await typeRules(options, `${RULE}\nx.com##aside:upward(0)\nevil.example##div.ad\nx.com#div\nx.com##div:has-text(/ad/g)`);
  assert.deepEqual(await errors(options), [
    'Line 2: :upward(): the number must be from 1 to 64',
    'Line 3: evil.example is not a site Thaman counts: name a platform in the list above or a site you added.',
    'Line 4: expected site##selector: two # between the site and the CSS selector.',
    'Line 5: :has-text(): a regex\'s flags may only be i, u, s and m',
  ]);
  assert.equal(await saveDisabled(options), true, 'no saving while a line is wrong');
  await shoot(options, 'options-rules-en');
  // The browser's own check: a selector it does not accept.
  await typeRules(options, 'x.com##div[[x]');
  assert.deepEqual(await errors(options), ['Line 1: a bracket, parenthesis, quote or /regex/ is not closed.']);
  await typeRules(options, 'x.com##div:nth-child(2n+)');
  assert.deepEqual(await errors(options), ['Line 1: the browser does not accept the CSS selector “div:nth-child(2n+)”.']);
  // Too many rules.
  await typeRules(options, Array.from({ length: 101 }, (_, i) => `x.com##div.ad${i}`).join('\n'));
  assert.deepEqual(await errors(options), ['Line 101: at most 100 rules: remove some.']);
  assert.equal(await saveDisabled(options), true);
  await options.$eval('#ad-rules-save', (b) => { b.disabled = false; b.click(); });
  await options.waitForFunction(() => /Not saved/.test(document.querySelector('#status').textContent));
  assert.equal((await ask(options, { type: 'get_settings' })).ad_rules, saved, 'nothing saved');
  // The core refuses them too, whoever asks.
  const bad = { ...(await ask(options, { type: 'get_settings' })), ad_rules: 'evil.example##div' };
  const refused = await ask(options, { type: 'set_settings', settings: bad });
  assert.equal(refused.ok, false);
  assert.match(refused.error, /line 1: "evil\.example" is not a site Thaman counts/);
  await typeRules(options, saved);
});

test('the rules travel in an export, are checked again on import, and go with "Delete everything"', async () => {
  await options.bringToFront();
  const data = await ask(options, { type: 'export' });
  assert.match(data.settings.ad_rules, /sponsor-card-7f3a/);
  const bad = { ...data, settings: { ...data.settings, ad_rules: 'x.com##div:upward(0)' } };
  const refused = await ask(options, { type: 'import', data: bad });
  assert.equal(refused.ok, false);
  assert.match(refused.error, /ad_rules: line 1: :upward\(\): n must be 1–64/);
  assert.deepEqual(await ask(options, { type: 'import', data }), { ok: true });
  await reloadedBy(options, () => options.click('#delete-1').then(() => options.click('#delete-2')));
  await options.waitForSelector('body[data-ready]');
  assert.equal((await ask(options, { type: 'get_settings' })).ad_rules, '');
  assert.equal(await options.$eval('#ad-rules', (a) => a.value), '');
});

test('in Arabic the section reads right to left, the rules left to right', async () => {
  const settings = await ask(options, { type: 'get_settings' });
  assert.deepEqual(await ask(options, { type: 'set_settings', settings: { ...settings, language: 'ar' } }), { ok: true });
  await reloadedBy(options, () => options.evaluate(() => { setTimeout(() => location.reload(), 0); }));
  await options.waitForSelector('body[data-ready]');
  await typeRules(options, `${RULE}\nx.com#div\nx.com##div:upward(0)\nevil.example##div`);
  const look = await options.evaluate(() => ({
    dir: document.documentElement.dir,
    area: getComputedStyle(document.querySelector('#ad-rules')).direction,
    heading: document.querySelector('section.ad-rules h2').textContent,
    save: document.querySelector('#ad-rules-save').textContent,
  }));
  assert.deepEqual(look, { dir: 'rtl', area: 'ltr', heading: 'قواعدي للإعلانات', save: 'احفظ القواعد' });
  // The rule's own words are isolated left to right inside the Arabic sentence.
  assert.deepEqual((await errors(options))[0], 'السطر 2: المتوقع \u2066site##selector\u2069: علامتا # بين الموقع ومحدِّد CSS.');
  await shoot(options, 'options-rules-ar');
  await ask(options, { type: 'set_settings', settings: { ...settings, language: 'auto' } });
});
