// Thaman's sensor: the only script on the page. It reports what it sees —
// visibility, focus, input (at most one a second), media really playing, a
// heartbeat while visible, candidate ad slots with their label text and,
// for the slots the core calls ads, their visible ratio — in at most one
// message a second unless something must go at once, and draws the
// counter with the words the core formatted. It decides nothing: the core
// timestamps and judges every event, and says which slots are ads.
// Sensing starts first and alone: nothing the page does to the counter
// (which may fail to mount) stops it.
(() => {
  'use strict';
  if (window.top !== window || globalThis.__thamanSensor) return;
  globalThis.__thamanSensor = true;

  // Numbers shared with the core, from src/limits.rs (constants.js, generated).
  const { HEARTBEAT_MS, INPUT_EVERY_MS } = globalThis.thamanLimits;
  // The person's input. Not `scroll`: the browser marks every scroll event
  // trusted, a page's own scrolling too, and it fires every frame of a
  // scroll; the wheel, keys, pointer and touch that scroll are here.
  const INPUTS = ['wheel', 'keydown', 'pointerdown', 'pointermove', 'touchstart'];
  // Media events only say where to look: the element's state decides.
  const MEDIA = ['play', 'playing', 'pause', 'ended', 'emptied', 'abort', 'volumechange'];
  const MEDIA_CHECK_MS = 1000;
  const GESTURE_MS = 1000; // a play this soon after a trusted gesture on the element is the person's
  const ASK_MS = 5000;     // how long a shortcut press stays the reason for a find
  const listen = { capture: true, passive: true };

  let port = null;
  let ignored = false;
  let asleep = false;
  let host = null;
  let lastInput = -1;      // performance.now() of the last input seen
  let lastInputSent = -Infinity;
  let focused = document.hasFocus();

  const visible = () => document.visibilityState === 'visible';

  // --- reporting: at most one message a second while the person scrolls
  // What can wait (input while it goes on, the heartbeat, an ad's view that
  // crosses no threshold) is held and sent together, each item saying how
  // long ago it happened, so the core times it as if it had come at once.
  // What must go at once (visibility, focus, media, a view crossing a
  // threshold, the first input after a pause) takes what waited with it; so
  // do the slots a pass found, at the end of it: an ad's clock starts only
  // once the core has called it an ad. An act or answer of the person's (a
  // fold, a shortcut, a post) goes alone, after what waited.
  const BATCH_MS = 1000;
  const PAUSE_MS = 2 * INPUT_EVERY_MS; // input after this long without any is news
  let waiting = [];        // [performance.now(), message] not yet sent
  let flushTimer = 0;
  let lastSent = -Infinity; // performance.now() of the last message sent

  function send(message) {
    if (ignored || asleep) return;
    if (!port) connect();
    try {
      if (port) port.postMessage(message);
      lastSent = performance.now();
    } catch (_) {
      port = null; // the worker went away mid-send; the next event reconnects
    }
  }

  /** Sends `message` now, alone, after what waited. */
  function post(message) {
    flush();
    send(message);
  }

  // When a report goes: within a second (with what else waits), at the end
  // of this task (with what else it reports), or now (with what waited).
  const LATER = 0;
  const THIS_TASK = 1;
  const NOW = 2;
  let taskFlush = false; // a flush is queued for the end of this task

  /** Reports what was seen, `when` it must go. */
  function report(message, when = LATER) {
    if (ignored || asleep) return;
    waiting.push([performance.now(), message]);
    if (when === NOW) return flush();
    if (when === THIS_TASK) {
      if (!taskFlush) {
        taskFlush = true;
        queueMicrotask(() => {
          taskFlush = false;
          flush();
        });
      }
      return;
    }
    if (!flushTimer) flushTimer = setTimeout(flush, Math.max(0, lastSent + BATCH_MS - performance.now()));
  }

  function flush() {
    clearTimeout(flushTimer);
    flushTimer = 0;
    if (!waiting.length) return;
    const items = waiting;
    waiting = [];
    const now = performance.now();
    // Each item says how long ago it happened, the batch when it left (the
    // wall clock, which the worker shares): time on the way, or while a
    // stopped worker starts, is not taken from an ad's time in view.
    send({ type: 'batch', sent_at: Date.now(), items: items.map(([at, event]) => ({ ago_ms: Math.round(now - at), event })) });
  }

  function unsent() {
    clearTimeout(flushTimer);
    flushTimer = 0;
    waiting = [];
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
      if (ignored) return;
      // The extension was updated, reloaded or removed: this copy is
      // orphaned (Firefox injects the new one into open tabs), so it leaves
      // with its counter rather than show a second, dead one.
      if (!(chrome.runtime && chrome.runtime.id)) return stop();
      // The worker stopped (as an idle one does). The line opens again
      // only when there is something to send (post()): a page nobody
      // touches never starts the worker again. Asleep, sleep() waits for
      // the settings to change or the pause to run out.
      reconnected = true;
    });
    hello();
    reannounce();
  }

  // The page was open when a worker it had a line to went away: the next
  // worker may carry on the time that worker was counting here.
  let reconnected = false;

  function hello() {
    port.postMessage({
      type: 'hello', url: location.href, visible: visible(), focused, media: mediaOn,
      idle_ms: lastInput >= 0 ? performance.now() - lastInput : undefined, reconnected,
    });
  }

  function command(message) {
    if (message.type === 'track') {
      resume(); // a restarted core may have found the site on again
      checkFocus();
      // Ads first: the counter touches the page's DOM and may fail there.
      // Slots already found mean the core restarted: it learns the rest.
      ownRules(message.rules); // new to this sensor, or changed while the worker was away
      if (io) announce();
      postRules = Array.isArray(message.posts) ? message.posts : [];
      shortcut = message.shortcut || null;
      if (message.position) Object.assign(place, { inline: message.position.inline, bottom: message.position.bottom, chosen: true });
      if (message.overlay !== false) mountOverlay();
      if (host) safely(placeHost);
    } else if (message.type === 'rules') ownRules(message.rules);
    else if (message.type === 'find_post') answerFind(message);
    else if (message.type === 'ad') watch(message.id);
    else if (message.type === 'viewable') viewed.add(message.id);
    else if (message.type === 'saved') stored(message);
    else if (message.type === 'overlay') {
      if (message.show) mountOverlay();
      else unmountOverlay();
    }
    else if (message.type === 'pill') safely(() => showPill(message));
    else if (message.type === 'frame') safely(() => resize(message.width, message.height));
    else if (message.type === 'close_frame') safely(() => frameDone(message.seen_card));
    else if (message.type === 'check_click') safely(() => checkClick(message.x, message.y));
    else if (message.type === 'ignore') stop();
    else if (message.type === 'sleep') sleep(message.until);
    else if (message.type === 'wake') wake();
    else if (message.type === 'batch') for (const each of message.commands) command(each);
  }

  // --- ad slots: apply the site's rules to added nodes, batched ---------
  let rules = [];
  const slotIds = new WeakMap(); // element -> slot id
  const slots = new Map();       // slot id -> element
  const sent = new Map();        // "id:rule" -> label text last sent
  const watched = new Set();     // ids the core called ads
  const viewed = new Set();      // ids the core counted viewable
  const savedAds = new Set();    // ids whose render the core has written
  const savedViews = new Set();  // ids whose view the core has written
  // What the sensor last saw of each watched ad, to re-announce to a core
  // that restarted: its intersection {ratio, area, at} (performance.now()
  // of the report), and for video ads since when it plays (-1: it does not).
  const lastView = new Map();
  const videos = new Set();      // ids of slots found by a video ad's rule
  const plays = new Map();       // video ad id -> playing since, or -1
  const sources = new Map();     // video ad id -> the media source it played
  const between = new WeakSet(); // marked slots between two ads of a pod
  let nextId = 1;
  let queued = [];
  let removals = false;
  let batch = 0;
  let io = null;
  let mo = null;
  // Slots that are ads only while they have a class (a video player showing
  // an ad): slot -> [candidate, rule index] of the rules that found it.
  let marked = new WeakMap();

  function compile(rule) {
    const pattern = (p) => (p.regex ? { re: new RegExp(p.regex.source, p.regex.flags) } : { text: p.text });
    try {
      document.querySelector(rule.css); // throws on a selector this browser rejects
      return {
        css: rule.css,
        label: (rule.ops.find((op) => op.op === 'label') || {}).selectors || null,
        whileClass: (rule.ops.find((op) => op.op === 'while_class') || {}).class || null,
        video: rule.ops.some((op) => op.op === 'video'),
        ops: rule.ops.map((op) => (op.pattern ? { ...op, pattern: pattern(op.pattern) } : op)),
      };
    } catch (error) {
      console.warn('thaman: rule skipped', rule.css, error.message);
      return null;
    }
  }

  function startSlots(list) {
    if (io || !Array.isArray(list) || list.length === 0) return;
    rules = list.map(compile);
    io = new IntersectionObserver(onIntersect, { threshold: [0, ...LINES, 1] });
    mo = new MutationObserver(onMutations);
    mo.observe(document.documentElement, { childList: true, subtree: true });
    marked = new WeakMap();
    queued.push(document.documentElement);
    schedule();
  }

  function onMutations(records) {
    for (const record of records) {
      if (record.type === 'attributes') classChanged(record.target);
      for (const node of record.addedNodes) if (node.nodeType === 1) queued.push(node);
      if (record.removedNodes.length) removals = true;
    }
    schedule();
  }

  // A marked slot's class changed: on, it is a new ad (a new id, so each
  // ad of a pod or a mid-roll counts once); off, its ad has ended.
  function classChanged(slot) {
    const found = marked.get(slot);
    if (!found) return;
    const on = found.some(([, r]) => slot.classList.contains(rules[r].whileClass));
    if (on) {
      // Between two ads of a pod, the next begins when it plays (onAdMedia).
      if (!between.has(slot)) for (const [candidate, r] of found) consider(candidate, r, rules[r]);
      return;
    }
    between.delete(slot);
    endAd(slot);
  }

  /** The ad a marked slot showed has ended: its id goes with it. */
  function endAd(slot) {
    const id = slotIds.get(slot);
    if (!id) return;
    slotIds.delete(slot);
    slots.delete(id);
    for (let r = 0; r < rules.length; r++) sent.delete(`${id}:${r}`);
    unwatch(id, slot);
  }

  /** Slot `id` (element `el`) is no longer watched: the core hears it is gone. */
  function unwatch(id, el) {
    viewed.delete(id);
    savedAds.delete(id);
    savedViews.delete(id);
    lastView.delete(id);
    plays.delete(id);
    sources.delete(id);
    videos.delete(id);
    const was = told.get(id);
    told.delete(id);
    if (!watched.delete(id)) return;
    io.unobserve(el);
    // Gone while over a threshold ends a dwell: at once.
    report({ type: 'gone', id }, was && was.band > 0 ? NOW : LATER);
  }

  // --- video ads: the 2 seconds are of the ad playing (MRC) ------------
  // Whether the ad plays is read from its player's video element (the
  // page's events only say when to look again): not paused, not ended, and
  // with data to play (not starved).
  const AD_MEDIA = ['loadstart', 'playing', 'pause', 'ended', 'emptied', 'waiting', 'seeking', 'seeked'];

  const videoOf = (slot) => (slot instanceof HTMLVideoElement ? slot : slot.querySelector('video'));
  const sourceOf = (v) => v.srcObject || v.getAttribute('src') || v.currentSrc || null;

  function playingIn(slot) {
    const v = videoOf(slot);
    return !!v && !v.paused && !v.ended && v.readyState > 2;
  }

  /** Tells the core whether video ad `id` plays, when that changed (or `always`). */
  function notePlaying(id, always) {
    const slot = slots.get(id);
    if (!slot || !watched.has(id)) return;
    const on = playingIn(slot);
    const was = plays.has(id) ? plays.get(id) >= 0 : null;
    if (on && !sources.has(id)) sources.set(id, sourceOf(videoOf(slot)));
    if (on === was && !always) return;
    // Sent before it is noted: a core that restarted hears first what the
    // old one knew (reannounce), then the change.
    report({ type: 'playing', id, playing: on }, NOW);
    if (on !== was) plays.set(id, on ? performance.now() : -1);
  }

  // YouTube keeps `ad-showing` on from one ad of a pod to the next: each
  // is a new media source loading in the same player. A source other than
  // the one the ad played (the browser's own loadstart: a page cannot forge
  // it) ends that ad; the next begins once the new source plays with the
  // mark still on (the content, loaded as the mark goes, is no ad).
  function onAdMedia(event) {
    const el = event.composedPath()[0];
    if (!(el instanceof HTMLMediaElement)) return;
    for (let s = el; s; s = s.parentElement) {
      if (between.has(s)) {
        if (playingIn(s)) {
          between.delete(s);
          classChanged(s);
        }
        return;
      }
      const id = slotIds.get(s);
      if (!id || !videos.has(id)) continue;
      const played = sources.get(id);
      if (event.type === 'loadstart' && event.isTrusted && marked.get(s) && played !== undefined && played !== sourceOf(el)) {
        endAd(s);
        between.add(s);
      } else notePlaying(id, false);
      return;
    }
  }

  function schedule() {
    if (batch) return;
    batch = typeof requestIdleCallback === 'function'
      ? requestIdleCallback(scan, { timeout: 250 }) : setTimeout(scan, 100);
  }

  function scan() {
    batch = 0;
    let roots = queued.filter((n) => n.isConnected);
    queued = [];
    // A flood of additions becomes one pass over the document.
    if (roots.length > 200) roots = [document.documentElement];
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r];
      if (!rule) continue;
      for (const root of roots) {
        const found = root.querySelectorAll(rule.css);
        const up = root.closest(rule.css);
        if (up) consider(up, r, rule);
        for (const el of found) consider(el, r, rule);
      }
    }
    if (removals) sweep();
  }

  function consider(el, r, rule) {
    const slot = applyOps(el, rule.ops);
    if (!slot) return;
    if (rule.whileClass) {
      // Only this element's class attribute is watched, not the page's.
      let found = marked.get(slot);
      if (!found) {
        marked.set(slot, (found = []));
        mo.observe(slot, { attributes: true, attributeFilter: ['class'] });
      }
      if (!found.some(([c, i]) => c === el && i === r)) found.push([el, r]);
      if (!slot.classList.contains(rule.whileClass)) return;
    }
    let id = slotIds.get(slot);
    if (!id) {
      id = nextId++;
      slotIds.set(slot, id);
      slots.set(id, slot);
    }
    if (rule.video) videos.add(id);
    if (watched.has(id)) return;
    const labels = rule.label ? labelTexts(slot, rule.label) : [];
    const key = `${id}:${r}`;
    const text = labels.join('\u0001');
    if (sent.get(key) === text) return;
    sent.set(key, text);
    sendSlot(id, r, labels);
  }

  const sendSlot = (id, rule, labels) => report({ type: 'slot', id, rule, labels }, THIS_TASK);

  /** The core wrote these renders and views to storage. */
  function stored(message) {
    for (const id of message.ads || []) if (watched.has(id)) savedAds.add(id);
    for (const id of message.viewable || []) if (watched.has(id)) savedViews.add(id);
  }

  // --- the site's rules again, after the person saved their own ----------
  // Slots keep their ids; the ads stay watched; every other candidate is
  // judged again under the new list (its indices may mean other rules now).
  let rulesSent = null;
  function ownRules(list) {
    if (!Array.isArray(list)) return;
    const json = JSON.stringify(list);
    if (io && json === rulesSent) return;
    rulesSent = json;
    if (!io) return startSlots(list);
    rules = list.map(compile);
    marked = new WeakMap(); // marked again by the scan, by the new indices
    for (const key of [...sent.keys()]) if (!watched.has(Number(key.split(':')[0]))) sent.delete(key);
    queued.push(document.documentElement);
    schedule();
  }

  /**
   * Tells a core that restarted, first thing on the new line (before the
   * event that opened it), the ads the old core had called ads, as `known`:
   * whether they were counted viewable and what of them it had written
   * (`saved`), so none is lost or booked twice, and what was last seen of
   * them — ratio, area, playing, and for how long so while
   * the page was shown — so a dwell begun under the old core goes on.
   */
  function reannounce() {
    if (!watched.size) return;
    const now = performance.now();
    for (const [key, text] of sent) {
      const [id, rule] = key.split(':').map(Number);
      if (!watched.has(id)) continue;
      const seen = lastView.get(id);
      const video = videos.has(id);
      const since = plays.has(id) ? plays.get(id) : -1;
      let from = seen && shownAt >= 0 ? Math.max(seen.at, shownAt) : now;
      if (video) from = since >= 0 ? Math.max(from, since) : now;
      port.postMessage({
        type: 'known', id, rule, labels: text ? text.split('\u0001') : [], viewable: viewed.has(id),
        saved_ad: savedAds.has(id), saved_view: savedViews.has(id),
        ratio: seen ? seen.ratio : 0, area: seen ? seen.area : 0,
        playing: video ? since >= 0 : undefined, seen_ms: now - from,
      });
    }
  }

  /**
   * After `track` from a core that restarted: the slots it never called ads
   * are sent again (their answer may have been lost), and the ads'
   * visibility is reported anew.
   */
  function announce() {
    for (const [key, text] of sent) {
      const [id, rule] = key.split(':').map(Number);
      if (!watched.has(id)) sendSlot(id, rule, text ? text.split('\u0001') : []);
    }
    for (const id of watched) {
      const el = slots.get(id);
      if (!el) continue;
      io.unobserve(el);
      io.observe(el);
    }
  }

  function matches(pattern, value) {
    if (value == null) return false;
    return pattern.re ? pattern.re.test(value) : value.includes(pattern.text);
  }

  function applyOps(el, ops) {
    for (const op of ops) {
      if (!el) return null;
      if (op.op === 'has_text' && !matches(op.pattern, el.textContent)) return null;
      if (op.op === 'matches_attr' && !matches(op.pattern, el.getAttribute(op.name))) return null;
      if (op.op === 'upward_by') for (let i = 0; i < op.n && el; i++) el = el.parentElement;
      if (op.op === 'upward_to') el = el.parentElement && el.parentElement.closest(op.selector);
    }
    return el;
  }

  function labelTexts(slot, selectors) {
    // A slot hidden whole (an ad blocker's display:none) renders nothing:
    // its labels are read as plain text, so it still counts as rendered.
    const plain = !slot.checkVisibility();
    const out = [];
    for (const selector of selectors) {
      const els = selector === ':scope' ? [slot] : slot.querySelectorAll(selector);
      for (const el of els) {
        const text = plain ? clean(el.getAttribute('aria-label') || el.textContent) : labelText(el);
        if (text) out.push(text);
        if (out.length >= 16) return out;
      }
    }
    return out;
  }

  const clean = (t) => t.normalize('NFKC').replace(/\s+/g, ' ').trim().slice(0, 200);

  function labelText(el) {
    const ids = el.getAttribute('aria-labelledby');
    if (ids) {
      return clean(ids.split(/\s+/).map((id) => {
        const target = document.getElementById(id);
        return target ? rendered(target) : '';
      }).join(' '));
    }
    const aria = el.getAttribute('aria-label');
    if (aria) return clean(aria);
    if (el instanceof SVGElement) return svgText(el);
    return rendered(el);
  }

  function svgText(svg) {
    let text = '';
    for (const use of svg.querySelectorAll('use')) {
      const ref = (use.getAttribute('href') || use.getAttribute('xlink:href') || '').replace(/^#/, '');
      const target = ref && document.getElementById(ref);
      if (target) text += target.textContent;
    }
    for (const t of svg.querySelectorAll('text')) text += t.textContent;
    return clean(text);
  }

  // Only the text a person can see: letters hidden to defeat ad blockers
  // (off-box, zero-size, invisible) are skipped. Reads layout, so only for
  // the few label elements a rule names.
  function rendered(el) {
    const box = el.getBoundingClientRect();
    let text = '';
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n && text.length < 200; n = walker.nextNode()) {
      const parent = n.parentElement;
      if (!parent || !parent.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
      const r = parent.getBoundingClientRect();
      if (r.width < 1 || r.height < 1) continue;
      if (r.bottom <= box.top || r.top >= box.bottom || r.right <= box.left || r.left >= box.right) continue;
      text += n.data;
    }
    return clean(text);
  }

  function watch(id) {
    const el = slots.get(id);
    if (!el || watched.has(id) || !io) return;
    watched.add(id);
    io.observe(el);
    if (videos.has(id)) notePlaying(id, true);
  }

  // The viewability thresholds (src/limits.rs: 50 % of an ad, 30 % of a
  // large one): a view that crosses one, or changes the ad's size, may
  // start or end a dwell, and goes at once; the others can wait.
  const { LARGE_VIEW_RATIO, VIEW_RATIO } = globalThis.thamanLimits;
  const LINES = [LARGE_VIEW_RATIO, VIEW_RATIO];
  const band = (ratio) => LINES.filter((line) => ratio >= line).length;
  const told = new Map(); // ad id -> {band, area} as last reported

  function onIntersect(entries) {
    for (const entry of entries) {
      const id = slotIds.get(entry.target);
      if (!id) continue;
      const box = entry.boundingClientRect;
      const ratio = entry.intersectionRatio;
      const area = box.width * box.height;
      const was = told.get(id);
      const seen = { band: band(ratio), area };
      told.set(id, seen);
      // Sent before it is noted (see notePlaying).
      report({ type: 'view', id, ratio, area }, !was || was.band !== seen.band || was.area !== area ? NOW : LATER);
      if (watched.has(id)) lastView.set(id, { ratio, area, at: performance.now() });
    }
  }

  function sweep() {
    removals = false;
    for (const [id, el] of slots) {
      if (el.isConnected) continue;
      slots.delete(id);
      unwatch(id, el);
    }
  }

  // --- "mark this post useful": read only when the person asks ---------
  let postRules = [];
  let pressed = -Infinity; // performance.now() of the last trusted shortcut press sent

  /**
   * Answers the core's `find_post`, only for a press the person made: the
   * browser's command or the overlay's button (`by`, vouched for by the
   * core, which saw them in its own contexts), or a trusted key press of
   * the shortcut this sensor saw and sent moments ago.
   */
  function answerFind(message) {
    const mine = performance.now() - pressed <= ASK_MS;
    if (message.by !== 'command' && message.by !== 'overlay' && !mine) return;
    if (message.by === 'key' || message.by === undefined) pressed = -Infinity; // one press, one find
    findPost(message.ask);
  }

  // The post nearest the viewport's centre, by the site's post rules; its
  // permalink, author line and the start of its text are all that is
  // sent. No post there: `no_post`, and nothing of the page.
  function findPost(ask) {
    const mid = innerHeight / 2;
    let best = null;
    for (const rule of postRules) {
      let found;
      try { found = document.querySelectorAll(rule.css); } catch (_) { continue; }
      for (const el of found) {
        const item = applyOps(el, rule.ops);
        if (!item) continue;
        const r = item.getBoundingClientRect();
        if (r.width < 1 || r.height < 1 || r.bottom <= 0 || r.top >= innerHeight) continue;
        const distance = r.top <= mid && r.bottom >= mid ? 0 : Math.min(Math.abs(r.top - mid), Math.abs(r.bottom - mid));
        const area = r.width * r.height;
        // Nested items both at the centre: the innermost one.
        if (!best || distance < best.distance || (distance === best.distance && area < best.area)) best = { item, rule, distance, area };
      }
    }
    const op = (rule, name) => rule.ops.find((o) => o.op === name);
    const link = best && op(best.rule, 'permalink');
    const value = link && attrOf(best.item, link.selector, link.attr);
    let url = null;
    try { url = value ? new URL(value, location.href).href : null; } catch (_) { url = null; }
    // A post without its own link is no post to keep: the page's address
    // and title are not what the person chose.
    if (!url) return post({ type: 'no_post', ask });
    const by = op(best.rule, 'author');
    const author = by ? (by.attr ? attrOf(best.item, by.selector, by.attr) : visibleText(pick(best.item, by.selector))) || '' : '';
    const body = op(best.rule, 'text');
    const parts = body ? body.selectors.flatMap((sel) => sel === ':scope' ? [best.item] : [...safeAll(best.item, sel)]) : [best.item];
    const text = parts.map(visibleText).filter(Boolean).join(' — ');
    post({ type: 'post', ask, url: url.slice(0, 2048), author: clip(author, 100), text: clip(text, 140) });
  }

  const clip = (t, n) => String(t || '').replace(/\s+/g, ' ').trim().slice(0, n);
  const pick = (item, sel) => (sel === ':scope' ? item : safeAll(item, sel)[0] || null);
  const attrOf = (item, sel, attr) => { const el = pick(item, sel); return el ? el.getAttribute(attr) : null; };
  const visibleText = (el) => (el ? clip(el.innerText, 400) : '');

  function safeAll(item, sel) {
    try { return item.querySelectorAll(sel); } catch (_) { return []; }
  }

  // --- the counter: a pill drawn here, a frame only for the card or panel
  // The pill is a few text nodes in a closed shadow root, with words the
  // core formatted (`pill`); its clock ticks here from the core's last
  // state. Where a forged click would matter (the prompt card, the panel's
  // settings) an extension frame opens above it, and goes when it is done.

  // The host's box. Every property is set inline with !important (the
  // page's own CSS cannot win), and put back if the page's script changes
  // the attribute or removes the element. It takes no clicks itself: only
  // what it draws does, so a click beside the pill reaches the page.
  const hostStyle = {
    all: 'initial', position: 'fixed', 'z-index': '2147483647', bottom: '16px', right: '16px', left: 'auto',
    display: 'block', 'pointer-events': 'none',
    visibility: 'visible', opacity: '1', transform: 'none',
  };
  // Inside the closed shadow root, out of the page's reach (a constructable
  // sheet: a page's style-src cannot block it). Light and dark follow the
  // person's colour scheme; the pill's own direction follows Thaman's words.
  const COUNTER_CSS = `
.counter { display: flex; flex-direction: column; align-items: flex-end; gap: 8px; pointer-events: none; direction: ltr; }
.counter.left { align-items: flex-start; }
iframe { all: initial; display: block; border: 0; background: transparent; color-scheme: normal; pointer-events: auto; }
.pill {
  all: initial; box-sizing: border-box; height: 44px; max-width: 440px; pointer-events: auto;
  display: flex; align-items: center; gap: 8px; padding-inline: 14px; border-radius: 22px;
  background: rgba(16, 42, 46, 0.92); color: #f4efe3; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.35);
  white-space: nowrap; cursor: pointer; touch-action: none; user-select: none; -webkit-user-select: none;
  font: 13px/1.2 system-ui, "Noto Sans", "Noto Sans Arabic", "DejaVu Sans", sans-serif;
}
.pill[hidden], .pill > span:empty { display: none; }
.pill:focus-visible { outline: 2px solid #ffd77a; outline-offset: 2px; }
.pill > span { flex: none; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: #8a9a9c; }
.pill.counting .dot { background: #e0b44c; }
.site { font-weight: 600; }
.time { direction: ltr; unicode-bidi: isolate; font-variant-numeric: tabular-nums; font-weight: 700; font-size: 15px; color: #ffd77a; }
.label, .ads { opacity: 0.8; }
.take { font-weight: 600; cursor: help; }
.fold {
  all: initial; font: inherit; font-weight: 700; line-height: 1; cursor: pointer; flex: none; color: inherit;
  opacity: 0.6; padding: 2px 4px; border-radius: 6px;
}
.fold:hover, .fold:focus-visible { opacity: 1; outline: 2px solid #ffd77a; }
.pill.min { width: 44px; padding: 0; justify-content: center; }
.pill.min > :not(.dot) { display: none; }
.pill.min .dot { width: 14px; height: 14px; }
@media (prefers-color-scheme: light) {
  .pill { background: rgba(255, 251, 242, 0.96); color: #17363a; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.25); }
  .time { color: #8a5a00; }
}`;
  const DRAG_SLOP_PX = 5; // pointer travel that makes a press a drag, not a click
  let guard = null;
  let second = 0;   // the counter's one timer: the clock and the patrol, once a second
  let patrolling = false; // a patrol waits for the frame after which it reads the layout
  let parts = null;  // the counter's elements: {box, pill, dot, site, time, label, ads, take, fold, frame}
  let fitter = null; // the ResizeObserver that rounds the pill's width (roundPill)
  let pill = null;   // the core's last `pill`
  let pillAt = 0;    // performance.now() when it came
  let ticking = false; // the clock runs (the core's last state says counting)

  function applyHostStyle() {
    host.removeAttribute('style');
    for (const [name, value] of Object.entries(hostStyle)) host.style.setProperty(name, value, 'important');
    for (const name of [...host.attributes].map((a) => a.name)) if (name !== 'style' && name !== 'popover') host.removeAttribute(name);
    if (host.getAttribute('popover') !== 'manual') host.setAttribute('popover', 'manual');
  }

  /**
   * Puts the host back where it belongs: a child of <html> (not moved into
   * a hidden parent), shown in the top layer above any z-index, and, if
   * something of the page's covers the pill there, raised above that. A
   * page in fullscreen keeps the screen.
   */
  function reassert(cover) {
    if (!host) return;
    if (host.parentNode !== document.documentElement) document.documentElement.append(host);
    // Fullscreen (a video) closes every popover, and keeps the screen.
    if (typeof host.showPopover !== 'function' || document.fullscreenElement) return;
    if (!host.matches(':popover-open')) return raise();
    if (!cover || !parts || parts.pill.hidden) return;
    const r = parts.pill.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const drawn = [parts.pill, parts.frame].filter(Boolean).map((el) => el.getBoundingClientRect());
    // A hit test under a modal dialog opened before the counter was last
    // raised finds the dialog (the rest of the page, the counter too, is
    // inert then): the counter is above it already.
    if ((top && top !== host && !underneath(top)) || drawn.some((box) => pageTopLayerOver(box, raisedAt))) {
      // A click in the open frame just now may have gone through the cover:
      // the core refuses the choices that come in the next moments.
      if (parts.frame) post({ type: 'covered' });
      host.hidePopover();
      raise();
    }
  }

  /** Shows the host: the newest in the top layer is the one in front. */
  function raise() {
    host.showPopover();
    raisedAt = ++layerSeq;
  }

  /** Whether `el` is in a layer of the page's that opened before the counter was raised. */
  function underneath(el) {
    for (const [layer, at] of pageLayers) if (at < raisedAt && layer.contains(el)) return true;
    return false;
  }

  // The page's own top layer as the patrol sees it: the popovers and
  // dialogs it opened, each announced by a trusted `toggle` (heard on the
  // window, capturing, before any listener of the page's). Not a query
  // through the whole document every second: a long feed holds thousands
  // of elements, and that query cost the page's main thread ~0.2–0.7 ms a
  // call. (A popover inside the page's own shadow root is unseen here; a
  // click the core asks about looks for one, `seedShadowLayers`.)
  // Each with when it opened, counted with the counter's own raises (the
  // top layer paints in the order things opened).
  const pageLayers = new Map(); // element -> layerSeq when it opened
  let layerSeq = 0;
  let raisedAt = 0; // layerSeq when the counter was last shown

  function onToggle(e) {
    if (!e.isTrusted || e.target === host || !(e.target instanceof Element)) return;
    if (e.newState === 'open') pageLayers.set(e.target, ++layerSeq);
    else pageLayers.delete(e.target);
  }

  /** At mount: what was opened before this script listened (it came late). */
  function seedLayers() {
    try {
      for (const el of document.querySelectorAll(':popover-open, dialog:modal')) if (el !== host) pageLayers.set(el, ++layerSeq);
    } catch (_) { /* a browser without these selectors has no such layer */ }
  }

  /**
   * Whether an element of the page's own top layer (a popover, a modal
   * dialog) that opened after `since` (layerSeq; 0: any) overlaps `box`.
   * Only one there can be painted over the counter, and hit tests do not
   * see one that takes no clicks (pointer-events: none) — a decoy laid over
   * the panel to steer real clicks into it.
   */
  function pageTopLayerOver(box, since = 0) {
    for (const [el, at] of pageLayers) {
      let open = false;
      try {
        open = el.isConnected && el.matches(':popover-open, :modal');
      } catch (_) { /* as above */ }
      if (!open) {
        pageLayers.delete(el); // closed, or removed while open (no event then)
        continue;
      }
      if (at <= since) continue;
      const r = el.getBoundingClientRect();
      if (r.width && r.height && r.left < box.right && r.right > box.left && r.top < box.bottom && r.bottom > box.top) return true;
    }
    return false;
  }

  /**
   * The core asks, for a pause or hide clicked in the frame where the
   * browser cannot say whether the frame was seen (Firefox): is the frame
   * shown there, on top, and covered by nothing of the page's, even
   * something that takes no clicks? Anything uncertain answers no. A cover
   * found only now is then put under the counter: the person sees the
   * panel again, not what the page laid over it.
   */
  function checkClick(x, y) {
    let clear = false;
    if (host && parts && parts.frame && visible() && host.matches(':popover-open') && !document.fullscreenElement) {
      const r = parts.frame.getBoundingClientRect();
      const px = r.left + Number(x);
      const py = r.top + Number(y);
      const inside = px >= r.left && px <= r.right && py >= r.top && py <= r.bottom;
      const point = { left: px - 0.5, right: px + 0.5, top: py - 0.5, bottom: py + 0.5 };
      seedShadowLayers();
      clear = inside && document.elementsFromPoint(px, py)[0] === host && !pageTopLayerOver(point);
      if (!clear) reassert(true);
    }
    post({ type: 'click_seen', clear });
  }

  /**
   * Adds to the page's top layer as the patrol knows it the popovers and
   * modal dialogs open inside the page's shadow roots, open or closed: their
   * `toggle` does not leave the shadow root, and no query of the document
   * finds them. One unknown till now counts as opened after the counter
   * (anything uncertain is on top); its own `toggle` is heard from then on.
   * A walk through the whole document: only for a click the core asks
   * about, which is in Firefox (Chromium vouches for the frame itself), whose
   * content scripts reach a closed shadow root through the element.
   */
  function seedShadowLayers() {
    const visit = (root) => {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
      for (let el = walker.nextNode(); el; el = walker.nextNode()) {
        if (el === host) continue;
        const shadow = el.openOrClosedShadowRoot || el.shadowRoot;
        if (!shadow) continue;
        for (const layer of shadow.querySelectorAll(':popover-open, :modal')) {
          if (pageLayers.has(layer)) continue;
          pageLayers.set(layer, ++layerSeq);
          layer.addEventListener('toggle', onToggle, true);
        }
        visit(shadow);
      }
    };
    try {
      visit(document);
    } catch (_) { /* a browser without these selectors has no such layer */ }
  }

  function guardHost() {
    if (guard) guard.disconnect();
    applyHostStyle();
    const expected = host.getAttribute('style');
    guard = new MutationObserver(() => safely(() => {
      if (!host) return;
      if (host.getAttribute('style') !== expected || host.attributes.length !== 2 || host.getAttribute('popover') !== 'manual') applyHostStyle();
      reassert(false);
    }));
    guard.observe(host, { attributes: true });
    guard.observe(document.documentElement, { childList: true });
    // Hidden from a script (hidePopover) or covered: looked at every second.
    if (!second) second = setInterval(everySecond, 1000);
  }

  /**
   * One wake a second for the counter, not one per job: the clock ticks
   * (while counting) and the patrol looks (while the page is shown). Each
   * timer is a task on the page's main thread and an entry into this
   * script's world.
   */
  function everySecond() {
    if (ticking) safely(drawTime);
    if (visible() && !patrolling) {
      // The patrol reads the layout (boxes, a hit test): right after a
      // frame is drawn, when the page's layout is fresh. Read in the middle
      // of the page's changes, it forced a layout of the whole page: ~0.4 ms
      // a second of the page's main thread while a feed scrolls (profiled).
      patrolling = true;
      requestAnimationFrame(() => setTimeout(() => {
        patrolling = false;
        safely(() => reassert(true));
      }, 0));
    }
  }

  // Where the counter sits: the page's inline-end corner (bottom right, or
  // bottom left on a right-to-left page), raised above the page's own
  // fixed controls there; or where the person dragged it on this site.
  const place = { edge: null, inline: 16, bottom: 16, chosen: false };
  const { PILL_WIDTH: PILL_W, PILL_HEIGHT: PILL_H } = globalThis.thamanLimits;

  function pageEdge() {
    const root = document.documentElement;
    const dir = root.dir || (document.body && document.body.dir) || getComputedStyle(document.body || root).direction;
    return dir === 'rtl' ? 'left' : 'right';
  }

  /** The closest fixed or sticky box holding `el` (the page's own controls). */
  function fixedBox(el) {
    for (let e = el; e && e !== document.documentElement && e !== document.body; e = e.parentElement) {
      const p = getComputedStyle(e).position;
      if (p === 'fixed' || p === 'sticky') return e;
    }
    return null;
  }

  /** The viewport less any scrollbar: the box fixed boxes are placed in. */
  function viewport() {
    const root = document.compatMode === 'BackCompat' && document.body ? document.body : document.documentElement;
    return { width: root.clientWidth || innerWidth, height: root.clientHeight || innerHeight };
  }

  /** Raises the default place above fixed controls in its corner. */
  function clearFixed() {
    if (!host || place.chosen) return;
    const { width, height } = viewport();
    // The widest the pill may grow: its words change, its place does not.
    const pillW = PILL_W;
    let bottom = 16;
    for (let round = 0; round < 4; round++) {
      const top = height - bottom - PILL_H;
      const left = place.edge === 'right' ? width - 16 - pillW : 16;
      const boxes = new Set();
      // A grid of points, inset: hit tests follow rounded corners.
      for (let i = 0; i < 8; i++) {
        const x = left + 8 + (i * (pillW - 16)) / 7;
        for (const y of [top + 8, top + PILL_H / 2, top + PILL_H - 8]) {
          for (const el of document.elementsFromPoint(x, y)) {
            if (el === host) continue;
            const box = fixedBox(el);
            if (box) boxes.add(box);
          }
        }
      }
      // A box taller than half the screen is a layout column or a
      // backdrop, not a control the counter could sit above.
      const tops = [...boxes].map((b) => b.getBoundingClientRect()).filter((r) => r.height < height / 2).map((r) => r.top);
      if (!tops.length) break;
      bottom = Math.max(bottom, height - Math.min(...tops) + 8);
    }
    place.bottom = Math.min(bottom, Math.max(16, height - PILL_H - 16));
    placeHost();
  }

  function placeHost() {
    if (!place.edge) place.edge = pageEdge();
    const other = place.edge === 'right' ? 'left' : 'right';
    hostStyle[place.edge] = `${place.inline}px`;
    hostStyle[other] = 'auto';
    hostStyle.bottom = `${place.bottom}px`;
    if (parts) parts.box.classList.toggle('left', place.edge === 'left');
    if (host) guardHost();
  }

  let clearing = 0;
  function clearSoon() {
    clearTimeout(clearing);
    clearing = setTimeout(() => safely(clearFixed), 200);
  }

  /** Runs `f`; a failure is the counter's only, never the sensor's. */
  function safely(f) {
    try {
      f();
    } catch (error) {
      console.warn('thaman: counter', error && error.message);
    }
  }

  let mountTries = 0;
  let mountTimer = 0;

  /**
   * Mounts the counter; if the page makes that fail, tries again a few
   * times (each `track` or `overlay` from the core starts the count anew).
   */
  function mountOverlay(again = false) {
    if (host || mountTimer) return;
    if (!again) mountTries = 0;
    try {
      mount();
    } catch (error) {
      console.warn('thaman: counter not mounted', error && error.message);
      unmountOverlay();
      if (mountTries < 5) mountTimer = setTimeout(() => { mountTimer = 0; mountOverlay(true); }, 250 * 2 ** mountTries++);
    }
  }

  /** `<tag class=...>` in the counter. */
  function part(tag, className, parent) {
    const el = document.createElement(tag);
    el.className = className;
    parent.append(el);
    return el;
  }

  /**
   * A plain <div> on <html>: the page owns the custom-element registry and
   * cannot upgrade a built-in element, and no name, id or class says what
   * it is. Its closed shadow root holds the pill (and the frame, when open).
   */
  function mount() {
    safely(removeStale);
    host = document.createElement('div');
    const root = host.attachShadow({ mode: 'closed' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(COUNTER_CSS);
    root.adoptedStyleSheets = [sheet];
    const box = part('div', 'counter', root);
    const p = part('div', 'pill', box);
    // A button that opens the panel; its name says what it shows.
    p.setAttribute('role', 'button');
    p.tabIndex = 0;
    p.setAttribute('aria-expanded', 'false');
    p.hidden = true; // until the core's first words
    parts = { box, pill: p, frame: null };
    for (const name of ['dot', 'site', 'time', 'label', 'ads', 'take']) parts[name] = part('span', name, p);
    parts.dot.setAttribute('aria-hidden', 'true');
    parts.fold = part('button', 'fold', p);
    parts.fold.type = 'button';
    parts.fold.textContent = '–';
    fitter = new ResizeObserver((entries) => safely(() => roundPill(entries)));
    fitter.observe(p);
    p.addEventListener('click', onPillClick);
    p.addEventListener('keydown', onPillKey);
    p.addEventListener('pointerdown', onPillDown);
    p.addEventListener('pointermove', onPillMove);
    p.addEventListener('pointerup', onPillUp);
    p.addEventListener('pointercancel', onPillUp);
    place.edge = pageEdge();
    host.setAttribute('popover', 'manual');
    // A script of the page that hides or closes it is undone (reassert).
    host.addEventListener('toggle', (e) => { if (e.newState === 'closed') setTimeout(() => safely(() => reassert(false)), 0); });
    document.documentElement.append(host);
    seedLayers();
    placeHost();
    reassert(false);
    drawPill();
    // The page's controls may come later than the counter.
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', clearSoon, { once: true });
    else clearSoon();
    window.addEventListener('load', clearSoon, { once: true });
    window.addEventListener('resize', clearSoon, listen);
    setTimeout(clearSoon, 1500);
  }

  /**
   * A copy of this script from before an update or reload may have left
   * its counter behind (Firefox unloads it without a word): one counter.
   * Known by what is inside its closed shadow root, which only the
   * extension can look into (Firefox's `openOrClosedShadowRoot`; in
   * Chromium an orphaned copy removes its own counter when its port
   * closes, see connect()).
   */
  function removeStale() {
    const open = (el) => el.openOrClosedShadowRoot;
    for (const el of [...document.documentElement.children]) {
      if (el.localName !== 'div') continue;
      const root = open(el);
      if (root && root.querySelector(':scope > .counter > .pill')) el.remove();
    }
  }

  function unmountOverlay() {
    clearTimeout(mountTimer);
    mountTimer = 0;
    clearInterval(second);
    second = 0;
    ticking = false;
    drag = null;
    if (guard) guard.disconnect();
    guard = null;
    if (fitter) fitter.disconnect();
    fitter = null;
    if (host) host.remove();
    host = null;
    parts = null;
  }

  let cardWaits = false; // a card came up while a frame that may be closing was open

  /** The core's words for the pill: kept, and drawn if the counter is up. */
  function showPill(view) {
    const card = view.card && !(pill && pill.card);
    pill = view;
    pillAt = performance.now();
    drawPill();
    // A card or a note just came up: the frame opens to show it (an open
    // one shows it too, unless it had already asked to go).
    if (card && parts && parts.frame) cardWaits = true;
    else if (card) openFrame(false);
  }

  /**
   * The frame asked to go; a card that came meanwhile gets a frame of its
   * own. One the frame had (`seenCard`: answered, or a note run out) does
   * not, though the pill's words may still hold it for a moment.
   */
  function frameDone(seenCard) {
    closeFrame();
    if (cardWaits && !seenCard && pill && pill.card) openFrame(false);
    cardWaits = false;
  }

  function drawPill() {
    if (!parts || !pill) return;
    const { pill: p, site, label, ads, take, fold } = parts;
    const set = (el, text) => { if (el.textContent !== text) el.textContent = text; };
    p.hidden = false;
    p.lang = pill.lang;
    p.dir = pill.rtl ? 'rtl' : 'ltr';
    set(site, pill.site);
    set(label, pill.label);
    set(ads, pill.ads);
    set(take, pill.take);
    take.title = pill.take_detail;
    p.classList.toggle('min', pill.minimized);
    p.setAttribute('aria-label', pill.name);
    fold.setAttribute('aria-label', pill.fold);
    fold.title = pill.fold;
    if (parts.frame) parts.frame.title = pill.frame_title;
    ticking = pill.counting;
    drawTime();
    fitPill();
  }

  /**
   * Sizes the pill to whole pixels: an edge inside a pixel is hit-tested as
   * covering it, and would take a click one pixel beside what is drawn.
   * Its words changed: it takes its own width again, and `roundPill` rounds
   * that up once the browser has laid it out (a width read here would
   * force a layout of the whole page, mid-scroll).
   */
  function fitPill() {
    parts.pill.style.width = '';
  }

  /** The pill's laid-out width (ResizeObserver), rounded up to whole pixels. */
  function roundPill([entry]) {
    if (!parts || !pill || pill.minimized || entry.target !== parts.pill) return; // a dot is 44 px square already
    const width = entry.borderBoxSize[0].inlineSize; // Chromium 84+, Firefox 92+
    const whole = Math.ceil(width);
    if (whole !== width) parts.pill.style.width = `${whole}px`;
  }

  /** The clock, ticked from the core's last state (as `format::clock`). */
  function drawTime() {
    if (!parts || !pill) return;
    const elapsed = (performance.now() - pillAt) / 1000;
    // An input seen here since the state came keeps it counting as long as
    // the core's would (presence_s): no state per input, and the clock
    // stops on time even when the worker is away.
    const moved = pill.presence_s != null && lastInput > pillAt ? (lastInput - pillAt) / 1000 + pill.presence_s : 0;
    const limit = pill.stops_in == null ? Infinity : Math.max(pill.stops_in, moved);
    const counting = pill.counting && elapsed < limit;
    const total = Math.max(0, Math.floor(pill.sold_s + (pill.counting ? Math.min(Math.max(0, elapsed), limit) : 0)));
    const two = (n) => String(n).padStart(2, '0');
    const text = `${Math.floor(total / 3600)}:${two(Math.floor(total / 60) % 60)}:${two(total % 60)}`
      .replace(/[0-9]/g, (d) => pill.digits[d] || d);
    if (parts.time.textContent !== text) {
      const longer = parts.time.textContent.length !== text.length; // 9:59:59 -> 10:00:00
      parts.time.textContent = text;
      if (longer) fitPill();
    }
    parts.pill.classList.toggle('counting', counting);
    if (!counting) ticking = false; // it stopped by itself; the core's next state starts it again
  }

  /** Opens the extension frame above the pill: with the panel, or for the card. */
  function openFrame(panel) {
    if (!parts || parts.frame) return;
    const frame = document.createElement('iframe');
    // The frame aligns its content to the edge it sits at. Asked for by its
    // bare name, Chromium gives the per-session (dynamic) URL, the only one
    // pages may load (manifest: use_dynamic_url).
    frame.src = `${chrome.runtime.getURL('overlay.html')}?edge=${place.edge}${panel ? '&panel=1' : ''}`;
    frame.title = pill ? pill.frame_title : '';
    frame.setAttribute('allowtransparency', 'true');
    // No size until its content says how much it draws.
    frame.style.width = '0px';
    frame.style.height = '0px';
    parts.box.prepend(frame);
    parts.frame = frame;
    cardWaits = false;
    parts.pill.setAttribute('aria-expanded', String(panel));
  }

  function closeFrame() {
    if (!parts || !parts.frame) return;
    parts.frame.remove();
    parts.frame = null;
    parts.pill.setAttribute('aria-expanded', 'false');
  }

  /** The frame's content asked for exactly this room (clamped by the core). */
  function resize(width, height) {
    if (!parts || !parts.frame) return;
    parts.frame.style.width = `${Number(width) || 0}px`;
    parts.frame.style.height = `${Number(height) || 0}px`;
  }

  /** Folds the pill to a dot or unfolds it; the core keeps it for the site. */
  function fold(on) {
    if (pill) {
      pill.minimized = on; // at once; the core's next state confirms
      drawPill();
    }
    if (on && !(pill && pill.card)) closeFrame();
    post({ type: 'fold', on });
  }

  /** A click on the pill: the panel opens or closes (a dot unfolds). */
  function press() {
    if (pill && pill.minimized) return fold(false);
    if (!parts.frame) openFrame(true);
    else if (!(pill && pill.card)) closeFrame(); // a card waits for its answer
  }

  let drag = null;     // a drag of the pill under way
  let swallow = false; // a drag just ended: its click is not a press

  function onPillClick(e) {
    if (!e.isTrusted || !parts) return;
    if (swallow) {
      swallow = false;
      return;
    }
    if (e.composedPath().includes(parts.fold)) return fold(true);
    press();
  }

  function onPillKey(e) {
    if (!e.isTrusted || !parts || e.composedPath().includes(parts.fold)) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      press();
    } else if (e.key === 'Escape' && parts.frame && !(pill && pill.card)) closeFrame();
  }

  // Dragging moves the host here, in the page; the place is told to the
  // core once, when the person lets go.
  function onPillDown(e) {
    if (!e.isTrusted || e.button !== 0 || !parts || e.composedPath().includes(parts.fold)) return;
    drag = { x: e.clientX, y: e.clientY, inline: place.inline, bottom: place.bottom, moved: false };
    parts.pill.setPointerCapture(e.pointerId);
  }

  function onPillMove(e) {
    if (!drag || !e.isTrusted) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < DRAG_SLOP_PX) return;
    drag.moved = true;
    const clamp = (v, hi) => Math.round(Math.min(Math.max(0, hi), Math.max(0, v)));
    const { width, height } = viewport();
    place.chosen = true;
    place.inline = clamp(drag.inline + (place.edge === 'right' ? -dx : dx), width - 44);
    place.bottom = clamp(drag.bottom - dy, height - 44);
    placeHost();
  }

  function onPillUp() {
    const done = drag;
    drag = null;
    if (!done || !done.moved) return;
    swallow = true; // the click this release makes is not a press
    setTimeout(() => { swallow = false; }, 0);
    post({ type: 'placed', inline: place.inline, bottom: place.bottom });
  }

  function onVisibility() {
    report({ type: 'visibility', visible: visible() }, NOW);
    checkFocus();
    noteShown();
  }

  // The focus is sampled, not only followed: a tab can take the focus
  // before or without a 'focus' event reaching this script.
  function checkFocus() {
    const now = document.hasFocus();
    if (now !== focused) {
      focused = now;
      report({ type: 'focus', focused }, NOW);
    }
    noteShown();
  }

  // Since when the page is visible and focused (-1: it is not), for the
  // ads' re-announcement; noted after the change is sent (see notePlaying).
  let shownAt = visible() && focused ? performance.now() : -1;
  function noteShown() {
    if (!(visible() && focused)) shownAt = -1;
    else if (shownAt < 0) shownAt = performance.now();
  }

  function onFocusChange() {
    // Focus moving into the overlay frame blurs the window but the page
    // keeps the focus: ask the document, a task later.
    setTimeout(checkFocus, 0);
  }

  let typing = false;
  // "Mark this post useful" keys, as the person set them. The browser's
  // command usually takes them first; where it does not reach the
  // extension, this does (the core asks once either way).
  let shortcut = null;
  const isShortcut = (e) => shortcut && !e.repeat && e.code === shortcut.code && e.altKey === shortcut.alt
    && e.shiftKey === shortcut.shift && e.ctrlKey === shortcut.ctrl && e.metaKey === shortcut.meta;

  function onInput(event) {
    if (!event.isTrusted) return; // a page cannot fake presence
    if (event.type === 'pointerdown' || event.type === 'keydown') onGesture(event);
    if (event.type === 'keydown' && isShortcut(event)) {
      pressed = performance.now();
      post({ type: 'shortcut' });
    }
    const resumed = lastInput < 0 || performance.now() - lastInput >= PAUSE_MS;
    lastInput = performance.now();
    // A key into a text field: the prompt waits for the person to finish.
    if (event.type === 'keydown') {
      const t = event.target;
      typing = typing || (t instanceof Element && (t.matches('input, textarea, select') || t.isContentEditable));
    }
    if (lastInput - lastInputSent >= INPUT_EVERY_MS) {
      lastInputSent = lastInput;
      checkFocus();
      report({ type: 'input', typing }, resumed ? NOW : LATER);
      typing = false;
    }
  }

  // --- media: presence while a person would be there, not while it plays
  // A media element extends presence only while it is in the document,
  // really playing (not paused, not ended, its time moving between two
  // looks) and audible, in fullscreen or picture-in-picture, or started by
  // the person (a trusted gesture on it just before it played). Events are
  // only hints of where to look — a page can forge them, and a removed
  // element's events never reach the document — so the state is read
  // again every second while any element is being followed.
  const followed = new Set();     // media elements seen starting to play
  const looks = new WeakMap();    // element -> {at, time, moving}: the last look at its clock
  const started = new WeakSet();  // started by the person
  let gesture = null;             // the last trusted pointer or key press
  let mediaOn = false;
  let mediaTimer = 0;

  function onGesture(event) {
    const t = event.composedPath()[0];
    gesture = { at: performance.now(), key: event.type === 'keydown', target: t instanceof Node ? t : null, x: event.clientX, y: event.clientY };
  }

  /** Whether the last trusted gesture, moments ago, was on `el` (or its player). */
  function gestureOn(el) {
    if (!gesture || performance.now() - gesture.at > GESTURE_MS) return false;
    const t = gesture.target;
    if (t && t !== document.body && t !== document.documentElement && (t === el || t.contains(el) || el.contains(t))) return true;
    if (gesture.key) return false;
    const r = el.getBoundingClientRect();
    return gesture.x >= r.left && gesture.x <= r.right && gesture.y >= r.top && gesture.y <= r.bottom;
  }

  function onMedia(event) {
    const el = event.composedPath()[0];
    if (!(el instanceof HTMLMediaElement)) return;
    if (event.isTrusted && event.type === 'play' && gestureOn(el)) started.add(el);
    if (event.isTrusted && (event.type === 'pause' || event.type === 'ended' || event.type === 'emptied')) started.delete(el);
    followed.add(el);
    if (!mediaTimer) mediaTimer = setInterval(checkMedia, MEDIA_CHECK_MS);
    if (event.isTrusted) setTimeout(checkMedia, 0);
  }

  /** Whether some sound can come out of `el`, as far as the browser says. */
  function hasSound(el) {
    if (el.muted || !(el.volume > 0)) return false;
    const stream = el.srcObject;
    if (stream && typeof stream.getAudioTracks === 'function') return stream.getAudioTracks().some((t) => t.enabled && t.readyState === 'live');
    if (typeof el.mozHasAudio === 'boolean') return el.mozHasAudio;
    if (typeof el.webkitAudioDecodedByteCount === 'number') return el.webkitAudioDecodedByteCount > 0;
    return true;
  }

  /**
   * Whether `el` extends presence now (see the rule above). Its clock is
   * compared with the last look at least half a second ago, so looks
   * prompted by events in between (forged ones too) change nothing.
   */
  function holds(el) {
    if (!el.isConnected || el.paused || el.ended) {
      looks.delete(el);
      return false;
    }
    const at = performance.now();
    let look = looks.get(el);
    if (!look || at - look.at >= MEDIA_CHECK_MS / 2) {
      look = { at, time: el.currentTime, moving: !!look && el.currentTime !== look.time };
      looks.set(el, look);
    }
    if (!look.moving) return false;
    const full = document.fullscreenElement;
    return hasSound(el) || started.has(el) || (full && (full === el || full.contains(el)))
      || document.pictureInPictureElement === el;
  }

  function checkMedia() {
    let on = false;
    for (const el of followed) {
      if (holds(el)) on = true;
      // Stopped or gone: followed again when it plays again.
      else if (!el.isConnected || el.paused || el.ended) followed.delete(el);
    }
    if (!followed.size) {
      clearInterval(mediaTimer);
      mediaTimer = 0;
    }
    if (on !== mediaOn) {
      mediaOn = on;
      report({ type: 'media', playing: on }, NOW);
    }
  }

  function beat() {
    if (!visible()) return;
    checkFocus();
    if (followed.size) checkMedia();
    // The worker stopped and nobody is there: a heartbeat alone does not
    // start it again (input or playing media does).
    if (!port && !mediaOn) return;
    report({ type: 'heartbeat' });
  }

  let timer = 0;

  /** Watches focus, visibility, input and media, with the heartbeat. */
  function watchPage() {
    document.addEventListener('visibilitychange', onVisibility, true);
    window.addEventListener('focus', onFocusChange, true);
    window.addEventListener('blur', onFocusChange, true);
    for (const type of INPUTS) window.addEventListener(type, onInput, listen);
    // On the window, capturing: the first to hear, before any of the page's.
    for (const type of MEDIA) window.addEventListener(type, onMedia, true);
    for (const type of AD_MEDIA) window.addEventListener(type, onAdMedia, true);
    window.addEventListener('toggle', onToggle, true);
    timer = setInterval(beat, HEARTBEAT_MS);
  }

  /** Stops watching; the counter and the ad slots go (a wake starts them over). */
  function unwatchPage() {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisibility, true);
    window.removeEventListener('focus', onFocusChange, true);
    window.removeEventListener('blur', onFocusChange, true);
    for (const type of INPUTS) window.removeEventListener(type, onInput, listen);
    for (const type of MEDIA) window.removeEventListener(type, onMedia, true);
    for (const type of AD_MEDIA) window.removeEventListener(type, onAdMedia, true);
    window.removeEventListener('toggle', onToggle, true);
    pageLayers.clear();
    clearInterval(mediaTimer);
    mediaTimer = 0;
    followed.clear();
    mediaOn = false;
    if (mo) mo.disconnect();
    if (io) io.disconnect();
    mo = io = null;
    slots.clear();
    sent.clear();
    watched.clear();
    viewed.clear();
    savedAds.clear();
    savedViews.clear();
    lastView.clear();
    videos.clear();
    plays.clear();
    sources.clear();
    told.clear();
    queued = [];
    unsent();
    unmountOverlay();
  }

  /** Not a tracked page: gone for good. */
  function stop() {
    ignored = true;
    quiet();
    unwatchPage();
    if (port) port.disconnect();
    port = null;
  }

  // A site the person turned off or paused: the sensor goes quiet but
  // keeps its line to the core, which says when the site is on again. If
  // the worker stops meanwhile (as an idle one does), the line is not
  // opened again until the settings change (the core then sends `wake` to
  // every tab: it may not know this one) or the pause (`until`) ends:
  // a sleeping tab never keeps the worker running.
  let sleepTimer = 0;
  const reconnect = () => { if (asleep && !port) connect(); };
  const onWake = (message, sender) => {
    if (sender && sender.id === chrome.runtime.id && message && message.type === 'wake') reconnect();
  };

  function sleep(until) {
    clearTimeout(sleepTimer);
    if (typeof until === 'number') sleepTimer = setTimeout(reconnect, Math.min(Math.max(0, until - Date.now()) + 50, 2 ** 31 - 1));
    if (asleep) return;
    asleep = true;
    unwatchPage();
    chrome.runtime.onMessage.addListener(onWake);
  }

  /** Stops waiting for the settings or the pause. */
  function quiet() {
    clearTimeout(sleepTimer);
    try {
      chrome.runtime.onMessage.removeListener(onWake);
    } catch (_) { /* orphaned: the API is gone with the extension */ }
  }

  /** Watches again after a sleep; false if it was not asleep. */
  function resume() {
    if (!asleep) return false;
    asleep = false;
    quiet();
    watchPage();
    return true;
  }

  function wake() {
    if (!resume()) return;
    if (port) hello();
    else connect();
  }

  watchPage();
  // The line to the core opens in a task of its own: at document_start the
  // page's parser goes on without waiting for the extension's bindings and
  // the port. (An input before then connects at once, through post().)
  setTimeout(() => port || ignored || connect(), 0);
})();
