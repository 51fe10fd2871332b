// Maps an API answer that is not a success to what the console does with it. Every otpgate
// error has {status, code, message} (docs/api.md "Errors"); anything else (a proxy's HTML page,
// a network failure) still gets a kind and a message.

/**
 * @param {number} status HTTP status (0 for a network failure)
 * @param {any} body the parsed JSON body, or null
 * @param {{retryAfter?: string|null}} [extra]
 * @returns {{kind: string, status: number, code: string|null, message: string|null,
 *   retryAfterMs: number|null, body: any}}
 *
 * kind: 'network' | 'unauthenticated' (back to sign-in) | 'forbidden' | 'not_found' |
 * 'precondition' (412: the conflict dialog) | 'invalid' (400/422: show the message and problems)
 * | 'rate_limited' | 'unavailable' (503: retry with backoff) | 'server' | 'other'
 */
export function mapError(status, body, extra = {}) {
  const api = body && typeof body === 'object' && typeof body.code === 'string' ? body : null;
  const base = {
    status,
    code: api ? api.code : null,
    message: api && typeof api.message === 'string' ? api.message : null,
    retryAfterMs: parseRetryAfter(extra.retryAfter),
    body: api,
  };
  return { kind: kindOf(status), ...base };
}

function kindOf(status) {
  if (status === 0) return 'network';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 412) return 'precondition';
  if (status === 400 || status === 409 || status === 422 || status === 428) return 'invalid';
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'unavailable';
  if (status >= 500) return 'server';
  return 'other';
}

/** Retry-After in seconds (delta) or as an HTTP date, as milliseconds; null when absent/bad. */
export function parseRetryAfter(value, now = Date.now()) {
  if (value === null || value === undefined || value === '') return null;
  const s = String(value).trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

/** Whether the console should retry this error by itself (503 and network failures). */
export function isRetryable(err) {
  return err.kind === 'unavailable' || err.kind === 'network';
}

/**
 * The wait before retry number `attempt` (0-based): 1 s, 2 s, 4 s ... capped at 30 s, never
 * shorter than the server's Retry-After. `random` in [0, 1) adds up to 20 % jitter so many
 * consoles do not retry in step.
 */
export function backoffMs(attempt, retryAfterMs = null, random = 0) {
  const exp = Math.min(30000, 1000 * 2 ** Math.max(0, attempt));
  const jittered = Math.round(exp * (1 + 0.2 * random));
  return Math.max(jittered, retryAfterMs ?? 0);
}
