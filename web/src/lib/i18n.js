// String lookup with fallback: the chosen language, then English, then the key itself (so a
// missing string shows as its key rather than as nothing). `{name}` in a string is replaced
// by params.name.

export const LANGUAGES = ['en', 'de'];

/** The UI language for a browser's language list: German for any `de*`, else English. */
export function pickLanguage(preferred) {
  for (const tag of preferred ?? []) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return 'en';
}

/** Replaces {name} placeholders; unknown names stay as written. */
export function interpolate(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole);
}

/** Looks `key` up in catalogues[lang], then catalogues.en, then returns the key. */
export function translate(catalogues, lang, key, params) {
  const own = catalogues[lang];
  if (own && Object.prototype.hasOwnProperty.call(own, key)) return interpolate(own[key], params);
  const en = catalogues.en;
  if (en && Object.prototype.hasOwnProperty.call(en, key)) return interpolate(en[key], params);
  return key;
}

/** Keys present in one catalogue and missing in another (for the catalogue test). */
export function missingKeys(reference, other) {
  return Object.keys(reference).filter((k) => !Object.prototype.hasOwnProperty.call(other, k));
}
