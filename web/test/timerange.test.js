import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveRange, allowedGranularities, bucketCount, GRANULARITIES } from '../src/lib/timerange.js';

const NOW = Date.parse('2026-12-04T12:30:00Z');
const H = 3600e3;
const D = 24 * H;

test('presets end now and pick a granularity that follows the span', () => {
  const r24 = resolveRange({ preset: '24h' }, NOW);
  assert.equal(r24.ok, true);
  assert.equal(r24.to, '2026-12-04T12:30:00.000Z');
  assert.equal(r24.from, '2026-12-03T12:30:00.000Z');
  assert.equal(r24.granularity, 'hour');
  assert.equal(resolveRange({ preset: '7d' }, NOW).granularity, 'hour');
  assert.equal(resolveRange({ preset: '30d' }, NOW).granularity, 'day');
});

test('a short custom range gets minutes', () => {
  const r = resolveRange({ preset: 'custom', from: '2026-12-04T11:30:00Z', to: '2026-12-04T12:30:00Z' }, NOW);
  assert.equal(r.granularity, 'minute');
  assert.deepEqual(r.allowed, ['minute', 'hour', 'day']);
});

test('minute buckets are not offered beyond 48 hours back', () => {
  assert.deepEqual(allowedGranularities(NOW - 3 * D, NOW - 3 * D + H, NOW), ['hour', 'day']);
});

test('more than 2,000 buckets is not offered (30 days of minutes)', () => {
  assert.ok(!allowedGranularities(NOW - 30 * D, NOW, NOW).includes('minute'));
  assert.ok(allowedGranularities(NOW - 30 * D, NOW, NOW).includes('hour'));
});

test('an explicit granularity wins when allowed, else the default', () => {
  assert.equal(resolveRange({ preset: '24h', granularity: 'minute' }, NOW).granularity, 'minute');
  assert.equal(resolveRange({ preset: '30d', granularity: 'minute' }, NOW).granularity, 'day');
});

test('bad custom ranges are refused with a reason', () => {
  assert.equal(resolveRange({ preset: 'custom', from: 'x', to: 'y' }, NOW).error, 'range_invalid');
  assert.equal(resolveRange({ preset: 'custom', from: '2026-12-04T12:00:00Z', to: '2026-12-04T11:00:00Z' }, NOW).error, 'range_order');
  assert.equal(resolveRange({ preset: 'custom', from: '2026-12-05T12:00:00Z', to: '2026-12-06T11:00:00Z' }, NOW).error, 'range_future');
  assert.equal(resolveRange({ preset: 'custom', from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' }, NOW).error, 'range_too_old');
});

test('bucket count rounds from down and to up, as the server', () => {
  const hour = GRANULARITIES[1];
  assert.equal(bucketCount(Date.parse('2026-12-04T10:30:00Z'), Date.parse('2026-12-04T11:10:00Z'), hour), 2);
});
