// ./build.sh demo: the built extension on the bundled demo feed, served at
// https://www.facebook.com/ by interception (no network). With a display it
// opens a real window and waits for you to close it; without one it writes
// screenshots of the overlay in English and Arabic and prints where they are.
import path from 'node:path';
import { launch, openSite, overlayFrame, readOverlay, screenshot, sleep, ROOT } from './harness.mjs';

const headful = process.argv.includes('--headful');
process.env.THAMAN_SHOTS ||= path.join(ROOT, 'dist', 'screenshots');
const DEMO = 'https://www.facebook.com/?demo';

async function show(lang) {
  const browser = await launch({ lang, headless: !headful });
  const page = await openSite(browser, DEMO);
  const frame = await overlayFrame(page);
  if (!frame) throw new Error('the overlay did not appear on the demo feed');
  if (headful) {
    console.log('Thaman is running on the demo feed. Close the browser window to end the demo.');
    await new Promise((resolve) => browser.on('disconnected', resolve));
    return;
  }
  for (let i = 0; i < 3; i++) { await page.mouse.wheel({ deltaY: 300 }); await sleep(700); }
  await sleep(2500);
  const state = await readOverlay(frame);
  console.log(`[${lang}] overlay: ${state.site} ${state.time} ${state.label} (counting: ${state.counting})`);
  await screenshot(page, `demo-${lang}`);
  await browser.close();
}

try {
  await show('en');
  if (!headful) await show('ar');
  if (!headful) console.log(`demo screenshots are in ${process.env.THAMAN_SHOTS}`);
} catch (error) {
  console.error(`demo failed: ${error.message}`);
  process.exit(1);
}
