// A small line and character diff (longest common subsequence), for a template's version
// history against the text being edited. Templates are at most 1,000 bytes, so the O(n·m)
// table is at most about a million cells.

function lcsOps(a, b) {
  const n = a.length;
  const m = b.length;
  // dp[i][j]: length of the LCS of a[i..] and b[j..]
  const dp = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
    }
  }
  const ops = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ op: 'same', value: a[i] });
      i += 1;
      j += 1;
    } else if (dp[i + 1][j] >= dp[i][j + 1]) {
      ops.push({ op: 'del', value: a[i] });
      i += 1;
    } else {
      ops.push({ op: 'add', value: b[j] });
      j += 1;
    }
  }
  while (i < n) ops.push({ op: 'del', value: a[i++] });
  while (j < m) ops.push({ op: 'add', value: b[j++] });
  return ops;
}

// Joins neighbouring operations of the same kind.
function merge(ops, joiner) {
  const out = [];
  for (const o of ops) {
    const last = out[out.length - 1];
    if (last && last.op === o.op) last.value += joiner + o.value;
    else out.push({ ...o });
  }
  return out;
}

/** Character diff from `before` to `after`: [{op: 'same'|'del'|'add', value}]. */
export function diffChars(before, after) {
  return merge(lcsOps([...before], [...after]), '');
}

/** Line diff: one entry per line, [{op, value}] (value without its line break). */
export function diffLines(before, after) {
  return lcsOps(before.split('\n'), after.split('\n'));
}

/** How alike two strings are: 2 × common characters / both lengths, in [0, 1]. */
export function similarity(a, b) {
  const total = [...a].length + [...b].length;
  if (total === 0) return 1;
  const common = diffChars(a, b).filter((o) => o.op === 'same').reduce((n, o) => n + [...o.value].length, 0);
  return (2 * common) / total;
}

/**
 * Line diff whose changed line pairs (a deleted line followed by an added one that is at least
 * half the same) also carry a character diff (`chars`), so a one-letter edit shows as one
 * letter while a rewritten line shows as removed and added.
 */
export function diffText(before, after) {
  const lines = diffLines(before, after);
  const out = [];
  for (let k = 0; k < lines.length; k += 1) {
    const cur = lines[k];
    const next = lines[k + 1];
    if (cur.op === 'del' && next && next.op === 'add' && similarity(cur.value, next.value) >= 0.5) {
      out.push({ op: 'change', before: cur.value, after: next.value, chars: diffChars(cur.value, next.value) });
      k += 1;
    } else {
      out.push(cur);
    }
  }
  return out;
}

/** True when the two texts are the same. */
export function unchanged(ops) {
  return ops.every((o) => o.op === 'same');
}
