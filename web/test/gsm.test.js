import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSms, gsm7Septets, highlightRuns, describeCharacter } from '../src/lib/gsm.js';

test('plain ASCII is GSM-7, one septet per character', () => {
  const a = analyzeSms('Your code: 123456');
  assert.equal(a.encoding, 'gsm7');
  assert.equal(a.characters, 17);
  assert.equal(a.units, 17);
  assert.equal(a.segments, 1);
  assert.deepEqual(a.ucs2Characters, []);
});

test('€ and the brackets are extension characters: two septets, still GSM-7', () => {
  assert.equal(gsm7Septets('€'.codePointAt(0)), 2);
  assert.equal(gsm7Septets('['.codePointAt(0)), 2);
  const a = analyzeSms('1 € [x]');
  assert.equal(a.encoding, 'gsm7');
  assert.equal(a.characters, 7);
  assert.equal(a.units, 10);
});

test('German umlauts and é are in the default alphabet; ç and ` are not', () => {
  assert.equal(analyzeSms('Grüße äöü ÄÖÜ é').encoding, 'gsm7');
  assert.equal(gsm7Septets('ç'.codePointAt(0)), 0);
  assert.equal(gsm7Septets('Ç'.codePointAt(0)), 1);
  assert.equal(gsm7Septets('`'.codePointAt(0)), 0);
  assert.equal(gsm7Septets('\t'.codePointAt(0)), 0);
});

test('a character outside both tables forces UCS-2 and is reported at its code point index', () => {
  const a = analyzeSms('Code 😀 für ê');
  assert.equal(a.encoding, 'ucs2');
  assert.deepEqual(a.ucs2Characters, [
    { index: 5, character: '😀' },
    { index: 11, character: 'ê' },
  ]);
  // the emoji is a surrogate pair: two UTF-16 units
  assert.equal(a.characters, 12);
  assert.equal(a.units, 13);
});

test('segments: 160 GSM-7 septets fit one SMS, 161 take two of 153', () => {
  assert.equal(analyzeSms('a'.repeat(160)).segments, 1);
  assert.equal(analyzeSms('a'.repeat(161)).segments, 2);
  assert.equal(analyzeSms('a'.repeat(306)).segments, 2);
  assert.equal(analyzeSms('a'.repeat(307)).segments, 3);
  assert.equal(analyzeSms('a'.repeat(161)).perSegment, 153);
});

test('an extension character is never split across parts', () => {
  // 152 septets, then € (2): it does not fit the first part's last septet
  const text = 'a'.repeat(152) + '€' + 'a'.repeat(152);
  const a = analyzeSms(text);
  assert.equal(a.units, 306);
  assert.equal(a.segments, 3);
});

test('segments: 70 UCS-2 units fit one SMS, 71 take two of 67', () => {
  assert.equal(analyzeSms('ê'.repeat(70)).segments, 1);
  assert.equal(analyzeSms('ê'.repeat(71)).segments, 2);
  assert.equal(analyzeSms('ê'.repeat(134)).segments, 2);
  assert.equal(analyzeSms('ê'.repeat(135)).segments, 3);
});

test('an empty text is one SMS', () => {
  const a = analyzeSms('');
  assert.equal(a.segments, 1);
  assert.equal(a.characters, 0);
});

test('highlightRuns marks exactly the UCS-2 characters', () => {
  assert.deepEqual(highlightRuns('ab😀cê'), [
    { text: 'ab', ucs2: false },
    { text: '😀', ucs2: true },
    { text: 'c', ucs2: false },
    { text: 'ê', ucs2: true },
  ]);
  // explicit indexes (as the API's lint reports them) win
  assert.deepEqual(highlightRuns('abc', [1]), [
    { text: 'a', ucs2: false },
    { text: 'b', ucs2: true },
    { text: 'c', ucs2: false },
  ]);
});

test('describeCharacter names invisible characters by code point', () => {
  assert.equal(describeCharacter('\u00a0'), 'U+00A0');
  assert.equal(describeCharacter('ê'), 'ê (U+00EA)');
});
