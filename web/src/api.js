// The console's only way to otpgate: the public API (docs/openapi.json), same origin, the key
// as a Bearer header. GETs and requests carrying an Idempotency-Key are retried on 503 and on
// network failures with backoff (docs/api.md "Retries": a mutating request retried with the same
// key answers as the first one did); every other failure is thrown as an ApiError carrying the
// mapped error (src/lib/errors.js).

import { mapError, isRetryable, backoffMs } from './lib/errors.js';

export class ApiError extends Error {
  constructor(mapped) {
    super(mapped.message ?? `HTTP ${mapped.status}`);
    this.name = 'ApiError';
    Object.assign(this, mapped);
  }
}

const MAX_RETRIES = 6;

function newIdempotencyKey() {
  if (globalThis.crypto?.randomUUID) return `console-${crypto.randomUUID()}`;
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `console-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new DOMException('aborted', 'AbortError'));
    });
  });
}

/**
 * @param {{getKey: () => string|null, onUnauthenticated: (err: ApiError) => void,
 *   onRetry: (info: {waitMs: number, attempt: number}|null) => void, base?: string,
 *   wait?: (ms: number, signal?: AbortSignal) => Promise<void>, random?: () => number}} hooks
 *   wait and random are for tests.
 */
export function createApi({ getKey, onUnauthenticated, onRetry, base = '', wait = sleep, random = Math.random }) {
  async function once(method, path, opts) {
    const headers = { Accept: opts.accept ?? 'application/json', ...opts.headers };
    const { key } = opts;
    if (key) headers.Authorization = `Bearer ${key}`;
    let body;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    let res;
    try {
      res = await fetch(base + path, {
        method,
        headers,
        body,
        signal: opts.signal,
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      if (e?.name === 'AbortError') throw e;
      return { error: mapError(0, null) };
    }
    const type = res.headers.get('content-type') ?? '';
    let data = null;
    if (res.status !== 204) {
      const text = await res.text();
      if (type.includes('json')) {
        try {
          data = JSON.parse(text);
        } catch {
          data = null;
        }
      } else {
        data = text;
      }
    }
    if (!res.ok) {
      return { error: mapError(res.status, data, { retryAfter: res.headers.get('retry-after') }) };
    }
    return { ok: { status: res.status, data, etag: res.headers.get('etag'), headers: res.headers } };
  }

  async function request(method, path, opts = {}) {
    const retryable = method === 'GET' || opts.idempotent;
    if (opts.idempotent) opts = { ...opts, headers: { ...opts.headers, 'Idempotency-Key': newIdempotencyKey() } };
    // A request keeps the key it started with. The API scopes an Idempotency-Key per API key, so
    // a retry sent with the next signed-in key would act again, in that person's name: when the
    // key changed while the request waited (sign-out, idle sign-out, another key), it is dropped.
    const explicit = opts.key !== undefined;
    const key = explicit ? opts.key : getKey();
    for (let attempt = 0; ; attempt += 1) {
      const r = await once(method, path, { ...opts, key });
      if (r.ok) {
        if (attempt > 0) onRetry?.(null);
        return r.ok;
      }
      const err = r.error;
      if (retryable && isRetryable(err) && attempt < MAX_RETRIES && !opts.noRetry) {
        const waitMs = backoffMs(attempt, err.retryAfterMs, random());
        onRetry?.({ waitMs, attempt: attempt + 1, kind: err.kind });
        await wait(waitMs, opts.signal);
        if (!explicit && getKey() !== key) {
          onRetry?.(null);
          throw new DOMException('the key changed while the request waited', 'AbortError');
        }
        continue;
      }
      if (attempt > 0) onRetry?.(null);
      const apiError = new ApiError(err);
      if (err.kind === 'unauthenticated' && !explicit) onUnauthenticated?.(apiError);
      throw apiError;
    }
  }

  return {
    request,
    get: (path, opts) => request('GET', path, opts),
    post: (path, body, opts = {}) => request('POST', path, { ...opts, body }),
    put: (path, body, opts = {}) => request('PUT', path, { ...opts, body }),
  };
}

/** A path segment, escaped (brand ids and locales are plain, but never trust a value). */
export const seg = (s) => encodeURIComponent(String(s));

/** GET /v1/brands answers a list, or an object wrapping one: accept both. */
export function brandList(data) {
  if (Array.isArray(data)) return data;
  if (data && Array.isArray(data.brands)) return data.brands;
  return [];
}
