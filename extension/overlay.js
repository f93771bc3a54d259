import init, { start_overlay } from './pkg/overlay/thaman.js';
init().then(start_overlay, (error) => console.error('thaman: overlay failed to load', error));
