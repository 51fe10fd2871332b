// Signs out after a quiet period: every user activity pushes the deadline out; when the deadline
// passes without activity, onIdle runs once. The clock and the timer are injected so tests can
// step time by hand.

export const IDLE_TIMEOUT_MS = 15 * 60 * 1000;

/**
 * @param {{timeoutMs?: number, onIdle: () => void, now?: () => number,
 *   setTimer?: (fn: () => void, ms: number) => any, clearTimer?: (t: any) => void}} options
 */
export function createIdleTimer({
  timeoutMs = IDLE_TIMEOUT_MS,
  onIdle,
  now = () => Date.now(),
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (t) => clearTimeout(t),
}) {
  let last = now();
  let timer = null;
  let stopped = false;

  const check = () => {
    timer = null;
    if (stopped) return;
    const left = last + timeoutMs - now();
    if (left <= 0) {
      stopped = true;
      onIdle();
    } else {
      // A timer can fire early or late (a sleeping laptop); re-check against the clock.
      timer = setTimer(check, left);
    }
  };
  timer = setTimer(check, timeoutMs);

  return {
    /** Records activity now. */
    touch() {
      if (!stopped) last = now();
    },
    /** Milliseconds until sign-out. */
    remaining() {
      return Math.max(0, last + timeoutMs - now());
    },
    /** Re-checks the clock now (e.g. when a tab becomes visible after the machine slept). */
    check() {
      if (!stopped && last + timeoutMs - now() <= 0) {
        if (timer !== null) clearTimer(timer);
        check();
      }
    },
    stop() {
      stopped = true;
      if (timer !== null) clearTimer(timer);
      timer = null;
    },
  };
}
