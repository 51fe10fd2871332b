// The signed-in key: in memory and in sessionStorage only (it survives a reload of this tab
// and dies with it), never in localStorage or a cookie. The brand chosen by a `*` key and the
// UI language are not secrets and are kept next to it.

const KEY = 'otpgate.console.key';
const BRAND = 'otpgate.console.brand';
const LANG = 'otpgate.console.lang';

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: memory only
  }
}

export function loadKey() {
  return storage()?.getItem(KEY) ?? null;
}
export function saveKey(key) {
  storage()?.setItem(KEY, key);
}
export function loadBrand() {
  return storage()?.getItem(BRAND) ?? null;
}
export function saveBrand(brand) {
  storage()?.setItem(BRAND, brand);
}
export function loadLang() {
  return storage()?.getItem(LANG) ?? null;
}
export function saveLang(lang) {
  storage()?.setItem(LANG, lang);
}
/** Forgets the key and the brand (sign-out, idle, 401); the language stays. */
export function clearSession() {
  const s = storage();
  s?.removeItem(KEY);
  s?.removeItem(BRAND);
}
