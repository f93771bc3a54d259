import init, { start_summary } from './pkg/pages/thaman.js';
init().then(start_summary).catch((error) => console.error('thaman: summary failed to load', error));
