import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv, toCsv, csvFileName } from '../src/lib/csv.js';

test('parses the API series CSV with CRLF line ends', () => {
  const rows = parseCsv('from,started,approved\r\n2026-12-03T10:00:00.000Z,10,7\r\n2026-12-03T11:00:00.000Z,4,4\r\n');
  assert.deepEqual(rows, [
    ['from', 'started', 'approved'],
    ['2026-12-03T10:00:00.000Z', '10', '7'],
    ['2026-12-03T11:00:00.000Z', '4', '4'],
  ]);
});

test('parses quoted fields with commas, quotes and line breaks', () => {
  assert.deepEqual(parseCsv('a,"b,c","say ""hi""","x\ny"\n'), [['a', 'b,c', 'say "hi"', 'x\ny']]);
  assert.deepEqual(parseCsv('a,b'), [['a', 'b']]);
  assert.deepEqual(parseCsv('a,\r\n'), [['a', '']]);
});

test('writes CSV that parses back to the same rows', () => {
  const rows = [['gateway', 'note'], ['file', 'a,b "c"\nd'], ['twilio', '']];
  const text = toCsv(rows);
  assert.ok(text.endsWith('\r\n'));
  assert.deepEqual(parseCsv(text), rows);
});

test('null and undefined are empty fields, numbers are written plainly', () => {
  assert.equal(toCsv([[null, undefined, 0.5, -3]]), ',,0.5,-3\r\n');
});

test('a value that a spreadsheet would run as a formula is defused', () => {
  assert.equal(toCsv([['=HYPERLINK("x")']]), '"\'=HYPERLINK(""x"")"\r\n');
  assert.equal(toCsv([['@SUM(A1)']]), "'@SUM(A1)\r\n");
});

test('file names keep only safe characters', () => {
  assert.equal(
    csvFileName('nordwind', 'series', '2026-12-03T10:00:00.000Z', '2026-12-04T10:00:00.000Z'),
    'otpgate-nordwind-series-2026-12-03T100000Z-2026-12-04T100000Z.csv',
  );
  assert.equal(csvFileName('a/b', 'x', '1', '2'), 'otpgate-a_b-x-1-2.csv');
});
