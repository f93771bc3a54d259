import init, { start_popup } from './pkg/pages/thaman.js';
init().then(start_popup).catch((error) => console.error('thaman: popup failed to load', error));
