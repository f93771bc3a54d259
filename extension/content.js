// Thaman's sensor: the only script on the page. It reports what it sees —
// visibility, focus, input (at most one a second), media playing, a
// heartbeat while visible — and mounts the overlay frame when the core says
// so. It decides nothing; the core timestamps and judges every event.
(() => {
  'use strict';
  if (window.top !== window || globalThis.__thamanSensor) return;
  globalThis.__thamanSensor = true;

  const HEARTBEAT_MS = 5000;
  const INPUT_EVERY_MS = 1000;
  const INPUTS = ['scroll', 'wheel', 'keydown', 'pointerdown', 'pointermove', 'touchstart'];
  const MEDIA = ['playing', 'pause', 'ended', 'emptied', 'abort'];
  const listen = { capture: true, passive: true };

  let port = null;
  let ignored = false;
  let host = null;
  let lastInput = -1;      // performance.now() of the last input seen
  let lastInputSent = -Infinity;
  let focused = document.hasFocus();
  const playing = new Set();

  const visible = () => document.visibilityState === 'visible';

  function post(message) {
    if (ignored) return;
    if (!port) connect();
    try {
      if (port) port.postMessage(message);
    } catch (_) {
      port = null; // the worker went away mid-send; the next event reconnects
    }
  }

  function connect() {
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
      if (!ignored && chrome.runtime && chrome.runtime.id) setTimeout(() => port || connect(), 250);
    });
    port.postMessage({
      type: 'hello', url: location.href, visible: visible(), focused, media: playing.size > 0,
      idle_ms: lastInput >= 0 ? performance.now() - lastInput : undefined,
    });
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

  function onVisibility() {
    post({ type: 'visibility', visible: visible() });
  }

  function onFocusChange() {
    // Focus moving into the overlay frame blurs the window but the page
    // keeps the focus: ask the document, a task later.
    setTimeout(() => {
      const now = document.hasFocus();
      if (now !== focused) {
        focused = now;
        post({ type: 'focus', focused });
      }
    }, 0);
  }

  function onInput(event) {
    if (!event.isTrusted) return; // a page cannot fake presence
    lastInput = performance.now();
    if (lastInput - lastInputSent >= INPUT_EVERY_MS) {
      lastInputSent = lastInput;
      post({ type: 'input' });
    }
  }

  function onMedia(event) {
    const el = event.target;
    if (!(el instanceof HTMLMediaElement)) return;
    const before = playing.size > 0;
    if (event.type === 'playing') playing.add(el);
    else playing.delete(el);
    if ((playing.size > 0) !== before) post({ type: 'media', playing: playing.size > 0 });
  }

  function beat() {
    if (visible()) post({ type: 'heartbeat' });
  }

  const timer = setInterval(beat, HEARTBEAT_MS);

  function stop() {
    ignored = true;
    clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisibility, true);
    window.removeEventListener('focus', onFocusChange, true);
    window.removeEventListener('blur', onFocusChange, true);
    for (const type of INPUTS) window.removeEventListener(type, onInput, listen);
    for (const type of MEDIA) document.removeEventListener(type, onMedia, true);
    if (host) host.remove();
    if (port) port.disconnect();
    port = null;
  }

  document.addEventListener('visibilitychange', onVisibility, true);
  window.addEventListener('focus', onFocusChange, true);
  window.addEventListener('blur', onFocusChange, true);
  for (const type of INPUTS) window.addEventListener(type, onInput, listen);
  for (const type of MEDIA) document.addEventListener(type, onMedia, true);
  connect();
})();
