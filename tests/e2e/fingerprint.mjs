// What the README's images show is drawn by these files: the extension's
// pages and styles, its messages, the sensor that places the counter, and
// the glue that renders the views. `./build.sh shots` records their hash
// beside the images (docs/shots.json); docs.test.mjs fails when they
// changed since, so an image is never older than the interface it shows.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const NOT_DRAWING = new Set(['background.rs', 'storage.rs', 'added_sites.rs', 'wire.rs']);

/** The files that draw what the README's images show, sorted, relative to `root`. */
export function uiSources(root) {
  const walk = (dir) => fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    return e.isDirectory() ? walk(rel) : [rel];
  });
  const extension = walk('extension').filter((f) => /\.(html|css|json)$/.test(f) || f === 'extension/content.js');
  const glue = walk('src/web').filter((f) => f.endsWith('.rs') && !NOT_DRAWING.has(path.posix.basename(f)));
  return [...extension, ...glue].sort();
}

/** sha256 over each source's path and bytes. */
export function uiFingerprint(root) {
  const hash = crypto.createHash('sha256');
  for (const f of uiSources(root)) {
    hash.update(`${f}\0`);
    hash.update(fs.readFileSync(path.join(root, f)));
    hash.update('\0');
  }
  return hash.digest('hex');
}
