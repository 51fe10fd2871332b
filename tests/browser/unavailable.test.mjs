// Without Redis the API answers 503: the console says the service is unavailable and keeps
// retrying, instead of showing empty data or signing out.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';

import { launchBrowser, screenshot, startOtpgate, watchedPage } from './harness.mjs';

let svc;
let browser;
let sink;
before(async () => {
  // A port that accepts connections and never answers: a hung Redis.
  sink = createServer(() => {});
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
  svc = await startOtpgate({
    ready: false,
    env: { OTPGATE_REDIS: `127.0.0.1:${sink.address().port}`, OTPGATE_REDIS_TIMEOUT_MS: '200' },
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await svc?.stop();
  sink?.close();
});

test('a 503 shows the unavailable banner and the request is retried', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const { page } = await watchedPage(context);
  const statsCalls = [];
  page.on('response', (r) => { if (r.url().includes('/stats')) statsCalls.push(r.status()); });
  await page.goto(`${svc.base}/console/`);
  await page.getByLabel('API key').fill(svc.keys[svc.brands.a].analyst);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const banner = page.getByTestId('retry-banner');
  await banner.waitFor({ timeout: 15000 });
  assert.match(await banner.innerText(), /unavailable/i);
  await screenshot(page, 'unavailable');
  // The backoff's second try (1 s after the first).
  for (let i = 0; i < 60 && statsCalls.length < 2; i++) await page.waitForTimeout(100);
  assert.ok(statsCalls.length >= 2, `stats asked ${statsCalls.length} times`);
  assert.ok(statsCalls.every((s) => s === 503), statsCalls.join());
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 1, 'signed out on a 503');
  await context.close();
});
