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
