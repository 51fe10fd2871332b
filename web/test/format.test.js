import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPercent, formatSeconds, formatNumber, DASH } from '../src/lib/format.js';

test('null rates show a dash, not 0 %', () => {
  assert.equal(formatPercent('en', null), DASH);
  assert.equal(formatNumber('en', undefined), DASH);
});

test('percentages follow the language', () => {
  assert.equal(formatPercent('en', 0.8123), '81.2%');
  assert.equal(formatPercent('de', 0.8123).replace(/\s/g, ' '), '81,2 %');
});

test('durations', () => {
  assert.equal(formatSeconds('en', 12.5), '12.5 s');
  assert.equal(formatSeconds('en', 125), '2 min 5 s');
  assert.equal(formatSeconds('en', 3600), '1 h');
});
