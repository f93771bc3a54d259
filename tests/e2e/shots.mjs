// ./build.sh shots: every image the README shows, made again from the
// current build — the counter on the demo feed, its panel, the prompt card,
// the popup, the weekly summary and the options — in English and Arabic,
// light and dark, with a known history (seed.mjs). Writes them into docs/
// with docs/shots.json (the images and the fingerprint of the interface
// they show; docs.test.mjs checks both). Chromium only: the colour scheme
// is emulated through its DevTools protocol.
import fs from 'node:fs';
import path from 'node:path';
import {
  launch, openSite, overlayFrame, activity, ask, askAsOptions, sleep, clickSettled, pressClosing, extensionPage, ROOT, COUNTER,
} from './harness.mjs';
import { seedExport } from './seed.mjs';
import { uiFingerprint } from './fingerprint.mjs';

const OUT = path.join(ROOT, 'docs');
const DEMO = 'https://www.facebook.com/?demo';
const LANGS = ['en', 'ar'];
const SCHEMES = ['light', 'dark'];
const made = [];

/** The counter's frame (card or panel), once nothing in it moves. */
const still = async (counter) => (await counter.frame({ timeout: 0 }))
  ?.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));

async function shot(page, name, options = {}) {
  const file = `${name}.png`;
  await page.screenshot({ path: path.join(OUT, file), ...options });
  made.push(file);
  console.log(`docs/${file}`);
}

/** The counter (pill, and frame when open) on `page` with a margin, in the page's coordinates. */
async function around(page, frame, pad = 16) {
  const b = await page.evaluate(`(() => { const r = ${COUNTER}.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; })()`);
  const scrollY = await page.evaluate(() => window.scrollY);
  const x = Math.max(0, Math.floor(b.x - pad));
  const y = Math.max(0, Math.floor(b.y - pad));
  return { x, y: y + scrollY, width: Math.min(1280 - x, Math.ceil(b.width + 2 * pad)), height: Math.min(800 - y, Math.ceil(b.height + 2 * pad)) };
}

async function scheme(pages, value) {
  for (const p of pages) await p.emulateMediaFeatures([{ name: 'prefers-color-scheme', value }]);
  await sleep(400); // the emulation reaches extension frames a moment later
}

const browser = await launch();
try {
  const control = await extensionPage(browser);
  const data = seedExport(Date.now(), 15, { prompt_minutes: 1 });
  const imported = await askAsOptions(control, { type: 'import', data });
  if (!imported?.ok) throw new Error(`the seed was refused: ${JSON.stringify(imported)}`);
  const base = await ask(control, { type: 'get_settings' });
  const language = async (lang) => askAsOptions(control, { type: 'set_settings', settings: { ...base, language: lang } });

  const page = await openSite(browser, DEMO);
  let frame = await overlayFrame(page);
  if (!frame) throw new Error('the counter did not appear on the demo feed');

  // The prompt card: a minute of presence with the interval at one minute.
  const cardUp = async () => {
    const f = await frame.frame({ timeout: 0 });
    return !!f && f.evaluate(() => !document.querySelector('.card').hidden).catch(() => false);
  };
  for (const end = Date.now() + 90_000; !(await cardUp()) && Date.now() < end;) await activity(page, 1000);
  if (!(await cardUp())) throw new Error('the prompt card did not appear');
  for (const lang of LANGS) {
    await language(lang);
    await frame.waitForFunction((rtl) => (document.documentElement.dir === 'rtl') === rtl
      && !document.querySelector('.card').hidden, {}, lang === 'ar');
    for (const s of SCHEMES) {
      await scheme([page], s);
      await still(frame);
      await shot(page, `prompt-${lang}${s === 'dark' ? '-dark' : ''}`, { clip: await around(page, frame) });
    }
  }
  await clickSettled(frame, '.card .later');
  while (await frame.frame({ timeout: 0 })) await sleep(100); // the card answered, its frame goes

  for (const lang of LANGS) {
    await language(lang);
    await frame.waitForFunction((rtl) => (document.documentElement.dir === 'rtl') === rtl, {}, lang === 'ar');
    for (const s of SCHEMES) {
      const suffix = `${lang}${s === 'dark' ? '-dark' : ''}`;
      await page.bringToFront();
      await scheme([page], s);
      await activity(page, 1500);
      await shot(page, `demo-${suffix}`);
      await clickSettled(frame, '.pill');
      await (await frame.frame()).waitForFunction(() => {
        const r = document.querySelector('#panel').getBoundingClientRect();
        return r.height > 100 && Math.abs(r.top) < 1 && Math.abs(innerHeight - r.bottom) < 1;
      });
      await still(frame);
      await shot(page, `overlay-panel-${suffix}`, { clip: await around(page, frame) });
      await frame.focus('#panel .mark');
      await pressClosing(page, 'Escape', async () => { // the panel closed, its frame goes
        while (await frame.frame({ timeout: 0 })) await sleep(100);
      });

      for (const [file, name, size] of [
        ['popup.html', 'popup', null], ['summary.html', 'summary', 'full'], ['options.html', 'options', 'full'],
      ]) {
        const p = await extensionPage(browser, file);
        // The popup is 480 px wide (popup.css); the pages are read at 1000.
        await p.setViewport(size ? { width: 1000, height: 800 } : { width: 480, height: 100 });
        await scheme([p], s);
        await p.waitForFunction(() => document.body && document.body.children.length > 0);
        await sleep(600);
        await shot(p, `${name}-${suffix}`, { fullPage: true });
        await p.close();
      }
    }
  }
  await scheme([page], 'light');
  await language(base.language);

  const record = { images: made.sort(), fingerprint: uiFingerprint(ROOT) };
  fs.writeFileSync(path.join(OUT, 'shots.json'), `${JSON.stringify(record, null, 2)}\n`);
  console.log(`${made.length} images and docs/shots.json written; open them and look before committing`);
} finally {
  await browser.close();
}
