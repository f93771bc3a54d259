// The README's pictures are current by construction: every image it shows
// was made by `./build.sh shots` (docs/shots.json lists them), and the
// interface they show has not changed since (its fingerprint matches).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { uiFingerprint } from './fingerprint.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const record = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs', 'shots.json'), 'utf8'));

test('every image the README shows was made by ./build.sh shots', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const shown = [...readme.matchAll(/\]\((docs\/[^)]+\.png)\)/g)].map((m) => path.posix.basename(m[1]));
  assert.ok(shown.length > 0);
  const made = new Set(record.images);
  assert.deepEqual(shown.filter((f) => !made.has(f)), [], 'README images not made by ./build.sh shots');
  for (const f of made) assert.ok(fs.existsSync(path.join(ROOT, 'docs', f)), `docs/${f} exists`);
});

test('the interface has not changed since the images were made', () => {
  assert.equal(uiFingerprint(ROOT), record.fingerprint,
    'the UI changed since docs/ was made: run ./build.sh shots, look at the images, and commit them');
});
