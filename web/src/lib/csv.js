// CSV (RFC 4180): reading the API's series CSV to show it, writing the breakdown tables the
// dashboard shows. Fields with a comma, quote or line break are quoted; lines end in CRLF.

/** Parses CSV text into an array of rows (arrays of strings). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 1;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
    i += 1;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function csvField(value) {
  if (value === null || value === undefined) return '';
  let s = String(value);
  // A spreadsheet runs a cell that starts with = + - @ as a formula (CSV injection): values
  // here can come from users (a gateway or locale name is configuration, but be safe).
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes rows (arrays of values) as CSV with CRLF line ends and a final CRLF. */
export function toCsv(rows) {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** A file name for a download: otpgate-<brand>-<what>-<from>-<to>.csv, safe characters only. */
export function csvFileName(brand, what, from, to) {
  const day = (t) => String(t).replace(/[:]/g, '').replace(/\.\d+/, '');
  return `otpgate-${brand}-${what}-${day(from)}-${day(to)}.csv`.replace(/[^A-Za-z0-9._+-]/g, '_');
}
