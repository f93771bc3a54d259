// Thaman's sensor: the only script on the page. It reports what it sees and
// mounts the overlay frame when the core says so; it decides nothing.
(() => {
  'use strict';
  if (window.top !== window || globalThis.__thamanSensor) return;
  globalThis.__thamanSensor = true;

  const HEARTBEAT_MS = 20000;
  let port = null;
  let ignored = false;
  let host = null;

  const visible = () => document.visibilityState === 'visible';

  function post(message) {
    if (!port) connect();
    try {
      port && port.postMessage(message);
    } catch (_) {
      port = null; // the worker went away mid-send; the next event reconnects
    }
  }

  function connect() {
    if (ignored) return;
    try {
      port = chrome.runtime.connect({ name: 'sensor' });
    } catch (_) {
      port = null; // extension reloaded or removed: this script is orphaned
      return;
    }
    port.onMessage.addListener(command);
    port.onDisconnect.addListener(() => {
      port = null;
      // The worker restarted: say hello again so counting resumes.
      if (!ignored && chrome.runtime && chrome.runtime.id) setTimeout(connect, 250);
    });
    port.postMessage({ type: 'hello', url: location.href, visible: visible() });
  }

  function command(message) {
    if (message.type === 'track') mountOverlay();
    else if (message.type === 'ignore') stop();
  }

  function mountOverlay() {
    if (host) return;
    host = document.createElement('thaman-overlay');
    for (const [name, value] of [
      ['all', 'initial'], ['position', 'fixed'], ['z-index', '2147483647'],
      ['bottom', '16px'], ['right', '16px'], ['width', '264px'], ['height', '44px'],
      ['display', 'block'], ['pointer-events', 'auto'],
    ]) host.style.setProperty(name, value, 'important');
    const root = host.attachShadow({ mode: 'closed' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('iframe{border:0;width:100%;height:100%;display:block;background:transparent;color-scheme:normal}');
    root.adoptedStyleSheets = [sheet];
    const frame = document.createElement('iframe');
    frame.src = chrome.runtime.getURL('overlay.html');
    frame.title = chrome.i18n.getMessage('overlayFrameTitle');
    frame.setAttribute('allowtransparency', 'true');
    root.append(frame);
    document.documentElement.append(host);
  }

  function stop() {
    ignored = true;
    clearInterval(beat);
    document.removeEventListener('visibilitychange', onVisibility, true);
    if (host) host.remove();
    if (port) port.disconnect();
    port = null;
  }

  function onVisibility() {
    post({ type: 'visibility', visible: visible() });
  }

  document.addEventListener('visibilitychange', onVisibility, true);
  const beat = setInterval(() => visible() && post({ type: 'heartbeat' }), HEARTBEAT_MS);
  connect();
})();
