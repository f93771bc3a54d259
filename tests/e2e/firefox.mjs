// Firefox ESR for the end-to-end tests: puppeteer-core drives Debian's
// firefox-esr over WebDriver BiDi (its own remote agent; no browser
// download), the built dist/firefox is installed as a temporary add-on, and
// every connection Firefox tries to open itself ends at a local dead-end
// proxy that records it — so a test can prove none was tried.
import net from 'node:net';
import puppeteer from 'puppeteer-core';

/** The add-on id (tools/package.py) and the moz-extension UUID pinned for it. */
export const GECKO_ID = 'thaman@thaman.app';
const GECKO_UUID = '6a1c2f0e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
export const GECKO_ORIGIN = `moz-extension://${GECKO_UUID}`;

/**
 * A "proxy" that accepts a connection, records its first line (the CONNECT
 * or GET Firefox sent) and closes it: nothing gets through.
 */
function deadEndProxy() {
  const seen = [];
  const server = net.createServer((socket) => {
    socket.once('data', (d) => { seen.push(d.toString('latin1').split('\r\n')[0]); socket.destroy(); });
    socket.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, seen, close: () => server.close() })));
}

/** Starts Firefox ESR with the add-on at `dist` installed (temporary). */
/** `grantOptional`: optional permissions are granted when asked, with no prompt. */
export async function launchFirefox(dist, { headless = true, lang = 'en', grantOptional = false } = {}) {
  const proxy = await deadEndProxy();
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr',
    headless,
    extraPrefsFirefox: {
      ...prefs(proxy.port),
      // The browser's language (Arabic comes from Debian's firefox-esr-l10n-ar).
      'intl.locale.requested': lang === 'en' ? 'en-US' : lang,
      'intl.accept_languages': lang === 'en' ? 'en-US, en' : `${lang}, en`,
      'extensions.webextOptionalPermissionPrompts': !grantOptional,
    },
    // Without it the ESR ignores services.settings.server and asks Mozilla's.
    env: { ...process.env, MOZ_DISABLE_NONLOCAL_CONNECTIONS: '1' },
    // Lets a tab be navigated to the extension's own pages (popup, options).
    args: ['--remote-allow-system-access'],
    defaultViewport: { width: 1280, height: 800 },
  });
  const id = await browser.installExtension(dist);
  if (id !== GECKO_ID) throw new Error(`installed ${id}, expected ${GECKO_ID}`);
  /** Every connection Firefox tried to open to the outside (should stay empty). */
  browser.thamanConnections = proxy.seen;
  browser.once('disconnected', () => proxy.close());
  return browser;
}

// Everything to a dead end; every Mozilla service that phones home, off.
function prefs(proxyPort) {
  return {
    // All traffic to a dead-end proxy (localhost too); no DNS of our own.
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1', 'network.proxy.http_port': proxyPort,
    'network.proxy.ssl': '127.0.0.1', 'network.proxy.ssl_port': proxyPort,
    'network.proxy.share_proxy_settings': true,
    'network.proxy.no_proxies_on': '',
    'network.proxy.allow_hijacking_localhost': true,
    'network.proxy.socks_remote_dns': true,
    'network.dns.disablePrefetch': true,
    'network.prefetch-next': false,
    'network.http.speculative-parallel-limit': 0,
    'network.predictor.enabled': false,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'network.trr.mode': 5,
    // Mozilla background services.
    'toolkit.telemetry.enabled': false, 'toolkit.telemetry.unified': false,
    'toolkit.telemetry.server': 'http://127.0.0.1:9/',
    'toolkit.telemetry.archive.enabled': false,
    'datareporting.healthreport.uploadEnabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'datareporting.usage.uploadEnabled': false,
    'app.normandy.enabled': false, 'app.normandy.api_url': '',
    'app.shield.optoutstudies.enabled': false,
    'app.update.enabled': false, 'app.update.auto': false, 'app.update.disabledForTesting': true,
    'browser.safebrowsing.malware.enabled': false, 'browser.safebrowsing.phishing.enabled': false,
    'browser.safebrowsing.downloads.enabled': false, 'browser.safebrowsing.blockedURIs.enabled': false,
    'browser.safebrowsing.downloads.remote.enabled': false, 'browser.safebrowsing.provider.mozilla.updateURL': '',
    'services.settings.server': 'data:,#remote-settings-dummy/v1',
    'dom.push.enabled': false, 'dom.push.connection.enabled': false, 'dom.push.serverURL': '',
    'extensions.update.enabled': false, 'extensions.update.autoUpdateDefault': false,
    'extensions.getAddons.cache.enabled': false, 'extensions.blocklist.enabled': false,
    'extensions.systemAddon.update.enabled': false,
    'media.gmp-manager.url': '', 'media.gmp-gmpopenh264.enabled': false,
    'browser.region.network.url': '', 'browser.region.update.enabled': false,
    'geo.provider.network.url': '',
    'browser.search.update': false, 'browser.search.geoip.url': '',
    'browser.newtabpage.enabled': false, 'browser.startup.homepage': 'about:blank', 'browser.startup.page': 0,
    'browser.newtabpage.activity-stream.feeds.system.topstories': false,
    'browser.newtabpage.activity-stream.feeds.telemetry': false,
    'browser.newtabpage.activity-stream.telemetry': false,
    'browser.newtabpage.activity-stream.default.sites': '',
    'browser.topsites.contile.enabled': false,
    'browser.aboutwelcome.enabled': false,
    'browser.shell.checkDefaultBrowser': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'browser.ping-centre.telemetry': false,
    'browser.contentblocking.report.monitor.enabled': false,
    'browser.urlbar.suggest.searches': false, 'browser.search.suggest.enabled': false,
    'browser.translations.enable': false,
    'privacy.trackingprotection.enabled': false,
    'network.cookie.cookieBehavior': 0,
    'security.OCSP.enabled': 0, 'security.remote_settings.crlite_filters.enabled': false,
    'security.remote_settings.intermediates.enabled': false,
    'identity.fxaccounts.enabled': false,
    'browser.ml.enable': false,
    'extensions.pocket.enabled': false,
    // The add-on: fixed moz-extension UUID; quiet about unsigned/temporary.
    'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: GECKO_UUID }),
    'xpinstall.signatures.required': false,
    'devtools.console.stdout.content': true,   // page/extension console.* -> stdout
    'browser.dom.window.dump.enabled': true,
  };
}
