// The popup's questions go out before the core has loaded, so their answers
// travel while the wasm compiles; the core takes them and renders.
import init, { start_popup } from './pkg/popup/thaman.js';
const asked = [chrome.runtime.sendMessage({ type: 'popup' }), chrome.runtime.sendMessage({ type: 'get_settings' })];
init().then(() => start_popup(...asked)).catch((error) => console.error('thaman: popup failed to load', error));
