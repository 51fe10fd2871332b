// The dashboard's time range: a preset (24 h, 7 d, 30 d) or a custom from/to, turned into the
// stats query's from, to and granularity as docs/analytics.md allows them: minute buckets are
// kept 48 hours, hour buckets 90 days, day buckets 2 years, and one query reads at most 2,000
// buckets.

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const GRANULARITIES = [
  { name: 'minute', ms: MINUTE, keptMs: 48 * HOUR },
  { name: 'hour', ms: HOUR, keptMs: 90 * DAY },
  { name: 'day', ms: DAY, keptMs: 730 * DAY },
];

export const PRESETS = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY };

const MAX_BUCKETS = 2000;
// The granularity chosen by default: the finest that draws at most this many points.
const TARGET_POINTS = 200;

/** Buckets a range takes at a granularity (from rounded down, to rounded up, as the server). */
export function bucketCount(fromMs, toMs, g) {
  const start = Math.floor(fromMs / g.ms) * g.ms;
  const end = Math.ceil(toMs / g.ms) * g.ms;
  return Math.max(1, Math.round((end - start) / g.ms));
}

/** Granularity names the API accepts for this range at `nowMs`, finest first. */
export function allowedGranularities(fromMs, toMs, nowMs) {
  return GRANULARITIES.filter(
    (g) => fromMs >= nowMs - g.keptMs && bucketCount(fromMs, toMs, g) <= MAX_BUCKETS,
  ).map((g) => g.name);
}

/** The default granularity: the finest allowed one with at most TARGET_POINTS points. */
export function defaultGranularity(fromMs, toMs, nowMs) {
  const allowed = allowedGranularities(fromMs, toMs, nowMs);
  for (const name of allowed) {
    const g = GRANULARITIES.find((x) => x.name === name);
    if (bucketCount(fromMs, toMs, g) <= TARGET_POINTS) return name;
  }
  return allowed.length ? allowed[allowed.length - 1] : null;
}

/**
 * Resolves a range choice.
 * @param {{preset: '24h'|'7d'|'30d'|'custom', from?: string, to?: string, granularity?: string}} choice
 *   from/to (custom only) are anything Date.parse reads (a datetime-local value is local time);
 *   granularity, when given and allowed, wins over the default.
 * @returns {{ok: true, from: string, to: string, granularity: string, allowed: string[]}
 *   | {ok: false, error: 'range_invalid'|'range_order'|'range_future'|'range_too_old'}}
 */
export function resolveRange(choice, nowMs) {
  let fromMs;
  let toMs;
  if (choice.preset === 'custom') {
    fromMs = Date.parse(choice.from ?? '');
    toMs = Date.parse(choice.to ?? '');
    if (Number.isNaN(fromMs) || Number.isNaN(toMs)) return { ok: false, error: 'range_invalid' };
    if (fromMs >= toMs) return { ok: false, error: 'range_order' };
    if (fromMs > nowMs) return { ok: false, error: 'range_future' };
  } else {
    const span = PRESETS[choice.preset];
    if (!span) return { ok: false, error: 'range_invalid' };
    toMs = nowMs;
    fromMs = nowMs - span;
  }
  const allowed = allowedGranularities(fromMs, toMs, nowMs);
  if (!allowed.length) return { ok: false, error: 'range_too_old' };
  const granularity = allowed.includes(choice.granularity)
    ? choice.granularity
    : defaultGranularity(fromMs, toMs, nowMs);
  return {
    ok: true,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    granularity,
    allowed,
  };
}

/** A Date as the value of an <input type="datetime-local"> (local time, minutes). */
export function toLocalInput(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
