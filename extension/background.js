// Loads the Rust core into the service worker. Listeners are registered in
// the first turn (MV3 requires it); whatever arrives while the wasm and the
// store are still loading is held, in order, and handed over. No logic here.
import init, { loadBackground } from './pkg/background/thaman.js';

let core = null;
const waiting = [];
/** Runs `deliver` now if the core is up, else once it is (in order). */
const toCore = (deliver) => (core ? deliver() : waiting.push(deliver));

chrome.runtime.onConnect.addListener((port) => {
  if (core) return core.connect(port);
  const held = { port, messages: [], gone: false };
  held.hold = (message) => held.messages.push(message);
  held.drop = () => { held.gone = true; };
  port.onMessage.addListener(held.hold);
  port.onDisconnect.addListener(held.drop);
  waiting.push(() => {
    port.onMessage.removeListener(held.hold);
    port.onDisconnect.removeListener(held.drop);
    if (held.gone) return;
    core.connect(port);
    for (const message of held.messages) core.receive(message, port);
  });
});

chrome.runtime.onMessage.addListener((message, sender, respond) => {
  toCore(() => core.request(message, sender, respond));
  return true; // the answer may come after the core has loaded
});

chrome.commands.onCommand.addListener((name, tab) => {
  const id = tab ? tab.id : undefined;
  toCore(() => core.command(name, id));
});

// Only a locked screen matters (it ends presence); the "idle" state, after
// 60 s without input by default, would start a stopped background for
// nothing (an untouched page must not, issue 17): it is put off to the most
// the browsers allow (Chromium: 4 h).
chrome.idle.setDetectionInterval(4 * 60 * 60);
chrome.idle.onStateChanged.addListener((state) => {
  toCore(() => core.idle(state));
});

chrome.alarms.onAlarm.addListener((alarm) => {
  toCore(() => core.alarm(alarm.name));
});

for (const event of [chrome.permissions.onAdded, chrome.permissions.onRemoved]) {
  event.addListener(() => toCore(() => core.permissions_changed()));
}

chrome.notifications.onClicked.addListener((id) => {
  toCore(() => core.notification_clicked(id));
});

init()
  .then(() => loadBackground())
  .then((loaded) => {
    core = loaded;
    for (const deliver of waiting.splice(0)) deliver();
  }, (error) => console.error('thaman: the core failed to load', error));
