import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createApi, brandList, ApiError, seg } from '../src/api.js';

let calls;
function answer(status, body, headers = {}) {
  return new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}
function script(...answers) {
  globalThis.fetch = async (url, init) => {
    calls.push({ url, init });
    const next = answers.shift();
    if (next instanceof Error) throw next;
    return next;
  };
}
beforeEach(() => {
  calls = [];
});

function api(extra = {}) {
  const waits = [];
  const retries = [];
  const unauth = [];
  const a = createApi({
    getKey: () => 'k1',
    onUnauthenticated: (e) => unauth.push(e),
    onRetry: (r) => retries.push(r),
    wait: async (ms) => waits.push(ms),
    random: () => 0,
    ...extra,
  });
  return { a, waits, retries, unauth };
}

test('sends the key as a Bearer header and omits credentials', async () => {
  script(answer(200, { key_id: 'x' }));
  const { a } = api();
  const r = await a.get('/v1/me');
  assert.deepEqual(r.data, { key_id: 'x' });
  assert.equal(calls[0].init.headers.Authorization, 'Bearer k1');
  assert.equal(calls[0].init.credentials, 'omit');
});

test('a GET is retried on 503 with backoff and Retry-After', async () => {
  script(
    answer(503, { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'Redis' }, { 'retry-after': '3' }),
    answer(503, { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'Redis' }),
    answer(200, { ok: true }),
  );
  const { a, waits, retries } = api();
  const r = await a.get('/v1/brands/x/stats');
  assert.deepEqual(r.data, { ok: true });
  assert.deepEqual(waits, [3000, 2000]);
  assert.equal(retries.at(-1), null); // the banner is cleared
});

test('a mutating request with an Idempotency-Key is retried with the same key', async () => {
  script(new TypeError('network down'), answer(200, { unlocked: true }));
  const { a } = api();
  await a.post('/v1/brands/x/subscribers/%2B49/unlock', { reason: 'r' }, { idempotent: true });
  const k1 = calls[0].init.headers['Idempotency-Key'];
  assert.match(k1, /^console-/);
  assert.equal(calls[1].init.headers['Idempotency-Key'], k1);
  assert.equal(calls[0].init.body, '{"reason":"r"}');
});

test('a mutating request without a key is not retried', async () => {
  script(answer(503, { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'Redis' }));
  const { a } = api();
  await assert.rejects(a.post('/v1/x', {}), (e) => e instanceof ApiError && e.kind === 'unavailable');
  assert.equal(calls.length, 1);
});

test('a 401 signs out; an explicit sign-in key does not', async () => {
  script(answer(401, { status: 401, code: 'UNAUTHENTICATED', message: 'no' }), answer(401, { status: 401, code: 'UNAUTHENTICATED', message: 'no' }));
  const { a, unauth } = api();
  await assert.rejects(a.get('/v1/brands/x/audit'), (e) => e.status === 401 && e.message === 'no');
  assert.equal(unauth.length, 1);
  await assert.rejects(a.get('/v1/me', { key: 'typed' }));
  assert.equal(unauth.length, 1);
  assert.equal(calls[1].init.headers.Authorization, 'Bearer typed');
});

test('a 412 keeps its body (current_version) for the conflict dialog', async () => {
  script(answer(412, { status: 412, code: 'PRECONDITION_FAILED', message: 'stale', current_version: 4 }));
  const { a } = api();
  await assert.rejects(a.put('/v1/t', { text: 'x' }, { headers: { 'If-Match': '"3"' } }), (e) => e.kind === 'precondition' && e.body.current_version === 4);
  assert.equal(calls[0].init.headers['If-Match'], '"3"');
});

test('CSV answers come back as text', async () => {
  globalThis.fetch = async () => new Response('from,started\r\n', { status: 200, headers: { 'content-type': 'text/csv' } });
  const { a } = api();
  const r = await a.get('/v1/s', { accept: 'text/csv' });
  assert.equal(r.data, 'from,started\r\n');
});

test('GET /v1/brands may answer a list or an object wrapping one', () => {
  assert.deepEqual(brandList([{ id: 'a' }]), [{ id: 'a' }]);
  assert.deepEqual(brandList({ brands: [{ id: 'b' }] }), [{ id: 'b' }]);
  assert.deepEqual(brandList(null), []);
});

test('path segments are escaped (a phone number keeps its +)', () => {
  assert.equal(seg('+4915112345678'), '%2B4915112345678');
  assert.equal(seg('../x'), '..%2Fx');
});

test('a retry is dropped when the key changed meanwhile, never sent with the next key', async () => {
  script(
    answer(503, { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'Redis' }),
    answer(200, { ok: true }),
  );
  let key = 'agent-a';
  const { a, retries } = api({
    getKey: () => key,
    // Agent A signs out and agent B signs in while the unlock waits for its retry.
    wait: async () => { key = 'agent-b'; },
  });
  await assert.rejects(a.post('/v1/brands/x/subscribers/%2B49/unlock', { reason: 'r' }, { idempotent: true }),
                       (e) => e.name === 'AbortError');
  assert.equal(calls.length, 1);
  assert.equal(calls[0].init.headers.Authorization, 'Bearer agent-a');
  assert.equal(retries.at(-1), null); // the banner is cleared
});

test('a retry after sign-out is dropped, not sent without a key', async () => {
  script(answer(503, { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'Redis' }), answer(200, {}));
  let key = 'agent-a';
  const { a, unauth } = api({ getKey: () => key, wait: async () => { key = null; } });
  await assert.rejects(a.get('/v1/brands/x/stats'), (e) => e.name === 'AbortError');
  assert.equal(calls.length, 1);
  assert.equal(unauth.length, 0); // no "key not accepted" after a sign-out
});
