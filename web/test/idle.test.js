import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdleTimer, IDLE_TIMEOUT_MS } from '../src/lib/idle.js';

function fakeClock() {
  let now = 0;
  const timers = new Map();
  let next = 1;
  return {
    now: () => now,
    setTimer: (fn, ms) => {
      const id = next++;
      timers.set(id, { fn, at: now + ms });
      return id;
    },
    clearTimer: (id) => timers.delete(id),
    advance(ms) {
      now += ms;
      for (const [id, t] of [...timers]) {
        if (t.at <= now) {
          timers.delete(id);
          t.fn();
        }
      }
    },
  };
}

test('the default idle time is 15 minutes', () => {
  assert.equal(IDLE_TIMEOUT_MS, 900000);
});

test('fires once after the timeout without activity', () => {
  const c = fakeClock();
  let fired = 0;
  createIdleTimer({ timeoutMs: 1000, onIdle: () => fired++, ...c });
  c.advance(999);
  assert.equal(fired, 0);
  c.advance(1);
  assert.equal(fired, 1);
  c.advance(5000);
  assert.equal(fired, 1);
});

test('activity pushes the deadline out', () => {
  const c = fakeClock();
  let fired = 0;
  const t = createIdleTimer({ timeoutMs: 1000, onIdle: () => fired++, ...c });
  c.advance(800);
  t.touch();
  c.advance(800);
  assert.equal(fired, 0);
  assert.equal(t.remaining(), 200);
  c.advance(200);
  assert.equal(fired, 1);
});

test('stop prevents the sign-out', () => {
  const c = fakeClock();
  let fired = 0;
  const t = createIdleTimer({ timeoutMs: 1000, onIdle: () => fired++, ...c });
  t.stop();
  c.advance(5000);
  assert.equal(fired, 0);
});

test('check() signs out at once when the clock jumped past the deadline (sleep)', () => {
  let now = 0;
  let fired = 0;
  const t = createIdleTimer({
    timeoutMs: 1000,
    onIdle: () => fired++,
    now: () => now,
    setTimer: () => 1,
    clearTimer: () => {},
  });
  now = 5000; // the timer never ran: the machine slept
  t.check();
  assert.equal(fired, 1);
});
