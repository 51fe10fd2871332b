import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapError, parseRetryAfter, backoffMs, isRetryable } from '../src/lib/errors.js';

test('an API error keeps its code and message', () => {
  const e = mapError(422, { status: 422, code: 'TEMPLATE_INVALID', message: 'The template has problems; see problems.', problems: [] });
  assert.equal(e.kind, 'invalid');
  assert.equal(e.code, 'TEMPLATE_INVALID');
  assert.equal(e.message, 'The template has problems; see problems.');
  assert.deepEqual(e.body.problems, []);
});

test('statuses map to what the console does', () => {
  assert.equal(mapError(401, null).kind, 'unauthenticated');
  assert.equal(mapError(403, null).kind, 'forbidden');
  assert.equal(mapError(404, null).kind, 'not_found');
  assert.equal(mapError(412, null).kind, 'precondition');
  assert.equal(mapError(429, null).kind, 'rate_limited');
  assert.equal(mapError(503, null).kind, 'unavailable');
  assert.equal(mapError(502, null).kind, 'server');
  assert.equal(mapError(0, null).kind, 'network');
});

test('a body that is not an API error gives no message', () => {
  const e = mapError(502, '<html>bad gateway</html>');
  assert.equal(e.message, null);
  assert.equal(e.code, null);
});

test('503 and network failures are retried, others not', () => {
  assert.ok(isRetryable(mapError(503, null)));
  assert.ok(isRetryable(mapError(0, null)));
  assert.ok(!isRetryable(mapError(500, null)));
  assert.ok(!isRetryable(mapError(401, null)));
});

test('Retry-After as seconds or as a date', () => {
  assert.equal(parseRetryAfter('1'), 1000);
  assert.equal(parseRetryAfter(null), null);
  assert.equal(parseRetryAfter('soon'), null);
  const now = Date.parse('2026-12-04T10:00:00Z');
  assert.equal(parseRetryAfter('Fri, 04 Dec 2026 10:00:05 GMT', now), 5000);
  assert.equal(mapError(503, null, { retryAfter: '2' }).retryAfterMs, 2000);
});

test('backoff doubles, is capped, never undercuts Retry-After', () => {
  assert.equal(backoffMs(0), 1000);
  assert.equal(backoffMs(1), 2000);
  assert.equal(backoffMs(3), 8000);
  assert.equal(backoffMs(10), 30000);
  assert.equal(backoffMs(0, 5000), 5000);
  assert.equal(backoffMs(0, null, 0.5), 1100);
});
