import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffChars, diffLines, diffText, unchanged, similarity } from '../src/lib/diff.js';

test('identical texts have only same runs', () => {
  const ops = diffChars('Your code', 'Your code');
  assert.deepEqual(ops, [{ op: 'same', value: 'Your code' }]);
  assert.ok(unchanged(ops));
});

test('a one-letter change is one deletion and one addition', () => {
  assert.deepEqual(diffChars('code: {{code}}', 'Code: {{code}}'), [
    { op: 'del', value: 'c' },
    { op: 'add', value: 'C' },
    { op: 'same', value: 'ode: {{code}}' },
  ]);
});

test('character diff works on code points (an emoji is one unit)', () => {
  const ops = diffChars('a😀b', 'ab');
  assert.deepEqual(ops, [
    { op: 'same', value: 'a' },
    { op: 'del', value: '😀' },
    { op: 'same', value: 'b' },
  ]);
});

test('rebuilding both sides from a diff gives the inputs back', () => {
  const a = 'Ihr Code: {{code}}\nGültig {{ttl_minutes}} Minuten.';
  const b = 'Dein Code lautet {{code}}.\nGültig für {{ttl_minutes}} Min.\n{{brand}}';
  const ops = diffChars(a, b);
  assert.equal(ops.filter((o) => o.op !== 'add').map((o) => o.value).join(''), a);
  assert.equal(ops.filter((o) => o.op !== 'del').map((o) => o.value).join(''), b);
  assert.ok(!unchanged(ops));
});

test('line diff keeps unchanged lines and reports added and removed ones', () => {
  assert.deepEqual(diffLines('one\ntwo\nthree', 'one\nthree\nfour'), [
    { op: 'same', value: 'one' },
    { op: 'del', value: 'two' },
    { op: 'same', value: 'three' },
    { op: 'add', value: 'four' },
  ]);
});

test('diffText pairs a replaced line and diffs its characters', () => {
  const out = diffText('a\nYour code 1\nz', 'a\nYour code 2\nz');
  assert.equal(out.length, 3);
  assert.equal(out[1].op, 'change');
  assert.deepEqual(out[1].chars, [
    { op: 'same', value: 'Your code ' },
    { op: 'del', value: '1' },
    { op: 'add', value: '2' },
  ]);
});

test('a rewritten line is shown removed and added, not as a character soup', () => {
  const out = diffText('Gültig {{ttl_minutes}} min', 'Stale edit {{code}}');
  assert.deepEqual(out.map((o) => o.op), ['del', 'add']);
  assert.ok(similarity('abc', 'abd') > 0.5);
  assert.ok(similarity('Gültig {{ttl_minutes}} min', 'Stale edit {{code}}') < 0.5);
  assert.equal(similarity('', ''), 1);
});
