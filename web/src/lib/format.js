// Number, rate, duration and time formatting for the UI language (Intl), with a dash for
// values the API reports as null (a rate over no verifications, a market not comparable).

const DASH = '–';

export function formatNumber(lang, n) {
  if (n === null || n === undefined || Number.isNaN(n)) return DASH;
  return new Intl.NumberFormat(lang).format(n);
}

/** A ratio in [0, 1] as a percentage with one decimal. */
export function formatPercent(lang, ratio) {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return DASH;
  return new Intl.NumberFormat(lang, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(ratio);
}

export function formatDecimal(lang, n, digits = 1) {
  if (n === null || n === undefined || Number.isNaN(n)) return DASH;
  return new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

/** Seconds as "45 s", "2 min 5 s", "1 h 3 min". */
export function formatSeconds(lang, s) {
  if (s === null || s === undefined || Number.isNaN(s)) return DASH;
  const n = (v) => new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(v);
  if (s < 60) return `${n(s)} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const r = Math.round(s - m * 60);
    return r ? `${m} min ${r} s` : `${m} min`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.round((s - h * 3600) / 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** An RFC 3339 time in the UI language, local time zone, to the second. */
export function formatTime(lang, iso) {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' }).format(d);
}

export { DASH };
