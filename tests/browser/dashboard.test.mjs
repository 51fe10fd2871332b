// The analyst dashboard shows the funnel the API answers for a scripted mix of checkouts, and
// downloads it as CSV.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import {
  axeViolations, freshPhone, screenshot, signIn, unexpected, watchedPage, withOtpgateAndBrowser,
} from './harness.mjs';

const world = withOtpgateAndBrowser();

// Six checkouts on brand a: three approved (one after a wrong code), one cancelled, two left
// pending.
async function scriptedMix() {
  const shop = world.svc.keys[world.svc.brands.a].shop;
  const ids = [];
  for (let i = 0; i < 6; i++) {
    const phone = freshPhone();
    const r = await world.svc.api(shop, 'POST', '/v1/verifications', { phone_number: phone });
    assert.equal(r.status, 201, r.text);
    ids.push({ id: r.json.id, phone });
  }
  for (const { id, phone } of ids.slice(0, 3)) {
    const code = world.svc.lastCode(phone);
    if (id === ids[0].id) {
      await world.svc.api(shop, 'POST', `/v1/verifications/${id}/check`,
                    { code: code === '000000' ? '111111' : '000000' });
    }
    const r = await world.svc.api(shop, 'POST', `/v1/verifications/${id}/check`, { code });
    assert.equal(r.json.status, 'approved', r.text);
  }
  const c = await world.svc.api(shop, 'POST', `/v1/verifications/${ids[3].id}/cancel`, {});
  assert.equal(c.status, 200, c.text);
}

async function stats() {
  return world.svc.api(world.svc.keys[world.svc.brands.a].analyst, 'GET', `/v1/brands/${world.svc.brands.a}/stats`);
}

test('an analyst sees the funnel numbers the API returns', async () => {
  await scriptedMix();
  // The counters are written in the background: wait until the API counts all six.
  let api;
  for (let i = 0; i < 100; i++) {
    api = (await stats()).json;
    if (api?.funnel?.started === 6 && api.funnel.approved === 3) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(api.funnel.started, 6, JSON.stringify(api.funnel));
  assert.equal(api.funnel.approved, 3);

  const context = await world.browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 1400 },
                                             acceptDownloads: true });
  const { page, problems } = await watchedPage(context);
  await signIn(page, world.svc.base, world.svc.keys[world.svc.brands.a].analyst);
  await page.getByTestId('funnel').waitFor();
  for (const stage of ['started', 'sent', 'delivered', 'approved']) {
    const shown = await page.locator(`[data-testid=funnel] [data-stage=${stage}] .funnel-value`).innerText();
    assert.equal(Number(shown.replace(/[^\d]/g, '')), api.funnel[stage], `${stage}: ${shown}`);
  }
  for (const stage of ['abandoned', 'cancelled']) {
    const cell = page.locator(`[data-testid=funnel-side] [data-stage=${stage}] dd`);
    if (await cell.count()) {
      assert.equal(Number((await cell.innerText()).replace(/[^\d]/g, '')), api.funnel[stage], stage);
    }
  }
  await page.getByTestId('chart-rates').waitFor();
  assert.ok(await page.locator('[data-testid=chart-rates] canvas').count() > 0, 'no chart drawn');
  await screenshot(page, 'dashboard');
  assert.deepEqual(await axeViolations(page), []);

  // The CSV of the series is the API's own.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download series (CSV)' }).click(),
  ]);
  const csv = readFileSync(await download.path(), 'utf8');
  const header = csv.split('\n')[0];
  assert.match(header, /started/);
  const total = csv.split('\n').slice(1).filter(Boolean)
    .map((line) => Number(line.split(',')[header.split(',').indexOf('started')]))
    .reduce((a, b) => a + b, 0);
  assert.equal(total, 6);

  // Another range asks the API again and says which range it shows.
  await page.getByLabel('Time range').selectOption({ index: 1 });
  await page.getByTestId('range-served').waitFor();
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});

test('the dashboard fits a 360 px wide phone', async () => {
  const context = await world.browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 740 } });
  const { page, problems } = await watchedPage(context);
  await page.goto(`${world.svc.base}/console/`);
  await page.getByLabel(/API-Schlüssel|API key/).fill(world.svc.keys[world.svc.brands.a].analyst);
  await page.getByRole('button', { name: /Anmelden|Sign in/ }).click();
  await page.getByTestId('funnel').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
  await screenshot(page, 'dashboard-360-de');
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});
