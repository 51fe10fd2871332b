// GSM 03.38 7-bit or UCS-2: which encoding an SMS text travels in, how many units and segments
// it takes, and which characters force UCS-2. The same rules as the server's
// src/core/sms_encoding.cpp (3GPP TS 23.038 / 23.040), so the editor can highlight and count
// while it waits for the debounced preview; the preview's lint stays the authority.

// The default alphabet's characters outside printable ASCII (TS 23.038 §6.2.1). The capital Ç
// is in it, the small ç is not.
const DEFAULT_NON_ASCII = new Set([
  0xa3, 0xa5, 0xe8, 0xe9, 0xf9, 0xec, 0xf2, 0xc7, 0xd8, 0xf8, 0xc5, 0xe5, 0x394, 0x3a6, 0x393,
  0x39b, 0x3a9, 0x3a0, 0x3a8, 0x3a3, 0x398, 0x39e, 0xc6, 0xe6, 0xdf, 0xc9, 0xa4, 0xa1, 0xc4,
  0xd6, 0xd1, 0xdc, 0xa7, 0xbf, 0xe4, 0xf6, 0xf1, 0xfc, 0xe0,
]);

// The extension table (§6.2.1.1), reached through the escape septet: two septets each.
const EXTENSION = new Set([0x0c, 0x5e, 0x7b, 0x7d, 0x5c, 0x5b, 0x7e, 0x5d, 0x7c, 0x20ac]);

const GSM7 = { single: 160, part: 153 };
const UCS2 = { single: 70, part: 67 };

/** Septets a code point takes: 1 (default alphabet), 2 (extension table), 0 (neither). */
export function gsm7Septets(cp) {
  if (EXTENSION.has(cp)) return 2;
  if (cp === 0x0a || cp === 0x0d || (cp >= 0x20 && cp < 0x7f && cp !== 0x60)) return 1;
  return DEFAULT_NON_ASCII.has(cp) ? 1 : 0;
}

// Parts needed for these characters' unit sizes, never splitting one character's units.
function countSegments(sizes, total, cap) {
  if (total <= cap.single) return 1;
  let parts = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > cap.part) {
      parts += 1;
      used = 0;
    }
    used += size;
  }
  return parts;
}

/**
 * Analyses a text as the server does.
 * @returns {{encoding: 'gsm7'|'ucs2', characters: number, units: number, segments: number,
 *   perSegment: number, ucs2Characters: {index: number, character: string}[]}}
 * `index` counts code points from 0, as the API's `position` and `index` do.
 */
export function analyzeSms(text) {
  const septets = [];
  const utf16 = [];
  const ucs2Characters = [];
  let index = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0);
    const gsm = gsm7Septets(cp);
    if (gsm === 0) ucs2Characters.push({ index, character: ch });
    septets.push(gsm);
    utf16.push(cp > 0xffff ? 2 : 1);
    index += 1;
  }
  const gsm7 = ucs2Characters.length === 0;
  const sizes = gsm7 ? septets : utf16;
  const cap = gsm7 ? GSM7 : UCS2;
  const units = sizes.reduce((a, b) => a + b, 0);
  const segments = countSegments(sizes, units, cap);
  return {
    encoding: gsm7 ? 'gsm7' : 'ucs2',
    characters: index,
    units,
    segments,
    perSegment: segments === 1 ? cap.single : cap.part,
    ucs2Characters,
  };
}

/**
 * Splits a text into runs for in-place highlighting: [{text, ucs2}] where ucs2 runs hold the
 * characters at the given code point indexes (default: those analyzeSms finds).
 */
export function highlightRuns(text, indexes) {
  const marked = new Set(indexes ?? analyzeSms(text).ucs2Characters.map((c) => c.index));
  const runs = [];
  let i = 0;
  for (const ch of text) {
    const ucs2 = marked.has(i);
    const last = runs[runs.length - 1];
    if (last && last.ucs2 === ucs2) last.text += ch;
    else runs.push({ text: ch, ucs2 });
    i += 1;
  }
  return runs;
}

/** A readable name for a character: itself, or U+XXXX when it is invisible. */
export function describeCharacter(ch) {
  const cp = ch.codePointAt(0);
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  if (/^[\p{L}\p{N}\p{P}\p{S}]$/u.test(ch)) return `${ch} (${hex})`;
  return hex;
}
