// Loads the Rust core into the service worker. Listeners are registered in
// the first turn (MV3 requires it); ports that connect while the wasm is
// still loading are held, with their messages, and handed over in order.
import init, { Background } from './pkg/thaman.js';

let core = null;
const waiting = [];

chrome.runtime.onConnect.addListener((port) => {
  if (core) return core.connect(port);
  const held = { port, messages: [], gone: false };
  held.hold = (message) => held.messages.push(message);
  held.drop = () => { held.gone = true; };
  port.onMessage.addListener(held.hold);
  port.onDisconnect.addListener(held.drop);
  waiting.push(held);
});

init().then(() => {
  core = new Background();
  for (const held of waiting.splice(0)) {
    held.port.onMessage.removeListener(held.hold);
    held.port.onDisconnect.removeListener(held.drop);
    if (held.gone) continue;
    core.connect(held.port);
    for (const message of held.messages) core.receive(message, held.port);
  }
}, (error) => console.error('thaman: the core failed to load', error));
