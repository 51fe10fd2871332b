import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickLanguage, translate, interpolate, missingKeys } from '../src/lib/i18n.js';
import en from '../src/i18n/en.js';
import de from '../src/i18n/de.js';

test('pickLanguage takes the first supported language of the browser', () => {
  assert.equal(pickLanguage(['de-AT', 'en']), 'de');
  assert.equal(pickLanguage(['fr-FR', 'de']), 'de');
  assert.equal(pickLanguage(['en-GB', 'de']), 'en');
  assert.equal(pickLanguage(['fr']), 'en');
  assert.equal(pickLanguage(undefined), 'en');
});

test('translate falls back to English, then to the key', () => {
  const cats = { en: { a: 'A', b: 'B {n}' }, de: { a: 'Ä' } };
  assert.equal(translate(cats, 'de', 'a'), 'Ä');
  assert.equal(translate(cats, 'de', 'b', { n: 3 }), 'B 3');
  assert.equal(translate(cats, 'de', 'zzz'), 'zzz');
  assert.equal(translate(cats, 'xx', 'a'), 'A');
});

test('interpolate leaves unknown placeholders and does not touch inherited names', () => {
  assert.equal(interpolate('{a} {b}', { a: 1 }), '1 {b}');
  assert.equal(interpolate('{toString}', {}), '{toString}');
});

test('the German and English catalogues have the same keys', () => {
  assert.deepEqual(missingKeys(en, de), []);
  assert.deepEqual(missingKeys(de, en), []);
});

test('the catalogues keep the labels the browser tests drive the app by', () => {
  assert.equal(en['signin.key'], 'API key');
  assert.equal(en['signin.submit'], 'Sign in');
});

test('every literal key the views use is in the catalogue', async () => {
  const { readdir, readFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const root = new URL('../src/', import.meta.url).pathname;
  const files = [];
  const walk = async (dir) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (/\.(jsx?|mjs)$/.test(e.name)) files.push(p);
    }
  };
  await walk(root);
  const used = new Set();
  for (const f of files) {
    for (const m of (await readFile(f, 'utf8')).matchAll(/\bt\('([a-zA-Z0-9_.]+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 100, `found only ${used.size} keys: the scan is broken`);
  assert.deepEqual([...used].filter((k) => !(k in en)), []);
});
