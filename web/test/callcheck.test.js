import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOutcome, normalisePhone, isE164 } from '../src/lib/callcheck.js';
import { mapError } from '../src/lib/errors.js';

const err = (status, body) => mapError(status, body);

test('a 200 is confirmed', () => {
  assert.deepEqual(checkOutcome(null), { state: 'confirmed' });
});

test('a wrong code says how many attempts are left', () => {
  const o = checkOutcome(err(422, { status: 422, code: 'CODE_INVALID', message: 'x', attempts_left: 3 }));
  assert.deepEqual(o, { state: 'wrong', left: 3 });
});

test('the last wrong code, expiry, a lock and a finished check each have their state', () => {
  assert.equal(checkOutcome(err(422, { code: 'VERIFICATION_FAILED', message: 'x' })).state, 'failed');
  assert.equal(checkOutcome(err(410, { code: 'VERIFICATION_EXPIRED', message: 'x' })).state, 'expired');
  assert.equal(checkOutcome(err(403, { code: 'PHONE_NUMBER_BLOCKED', message: 'x' })).state, 'blocked');
  assert.deepEqual(
    checkOutcome(err(409, { code: 'VERIFICATION_NOT_PENDING', message: 'x', verification: { status: 'approved' } })),
    { state: 'not_pending', status: 'approved' },
  );
});

test('other errors are not a check outcome', () => {
  assert.equal(checkOutcome(err(503, { code: 'SERVICE_UNAVAILABLE', message: 'x' })), null);
  assert.equal(checkOutcome(err(400, { code: 'INVALID_ARGUMENT', message: 'x' })), null);
});

test('phone numbers are normalised and checked as E.164', () => {
  assert.equal(normalisePhone(' +49 151 1234-5678 '), '+4915112345678');
  assert.ok(isE164('+4915112345678'));
  assert.ok(!isE164('015112345678'));
  assert.ok(!isE164('+0151'));
});
