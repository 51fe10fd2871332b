// What a caller identity check's answer means for the agent (docs/api.md "Support calls": a
// support call is a verification; its check answers as any check does).

/**
 * @param {null | {code?: string|null, body?: any}} err null for a 200 (approved)
 * @returns {{state: 'confirmed'|'wrong'|'failed'|'expired'|'blocked'|'not_pending',
 *   left?: number, status?: string} | null} null when the error is not about the code
 *   (shown as an ordinary error instead)
 */
export function checkOutcome(err) {
  if (!err) return { state: 'confirmed' };
  switch (err.code) {
    case 'CODE_INVALID':
      return { state: 'wrong', left: err.body?.attempts_left ?? null };
    case 'VERIFICATION_FAILED':
      return { state: 'failed' };
    case 'VERIFICATION_EXPIRED':
      return { state: 'expired' };
    case 'PHONE_NUMBER_BLOCKED':
      return { state: 'blocked' };
    case 'VERIFICATION_NOT_PENDING':
      return { state: 'not_pending', status: err.body?.verification?.status ?? null };
    default:
      return null;
  }
}

/** E.164 after removing the spaces, dashes, dots and brackets people type. */
export function normalisePhone(s) {
  return String(s ?? '').replace(/[\s()./-]/g, '');
}

export function isE164(s) {
  return /^\+[1-9]\d{6,14}$/.test(s);
}
