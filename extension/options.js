import init, { start_options } from './pkg/pages/thaman.js';
init().then(start_options).catch((error) => console.error('thaman: options failed to load', error));
