// The analyst dashboard shows the funnel the API answers for a scripted mix of checkouts, and
// downloads it as CSV; and the network signals' indicators against the market as the API
// answers them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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

// Adds to the counters of the current minute, hour and day of a brand, as the store's
// record_events script does for events (what each event adds is the C++ rule, tested on the real
// store in tests/e2e/signal_analytics_test.cpp: signal events cannot be made through the API
// yet). The counters expire after an hour.
function addCounters(brand, counts) {
  const now = Date.now();
  const port = process.env.OTPGATE_TEST_REDIS_PORT;
  for (const [g, len] of [['m', 60_000], ['h', 3_600_000], ['d', 86_400_000]]) {
    const key = `otp:{brand:${brand}}:st:${g}:${Math.floor(now / len) * len}`;
    for (const [field, n] of Object.entries(counts)) {
      execFileSync('redis-cli', ['-p', port, 'HINCRBY', key, field, String(n)]);
    }
    execFileSync('redis-cli', ['-p', port, 'HSET', key, 'c:last', String(now)]);
    execFileSync('redis-cli', ['-p', port, 'PEXPIRE', key, '3600000']);
  }
}

// How formatDecimal(lang 'en', v, 1) shows a rate, '–' for none.
const shownRate = (v) => (v === null || v === undefined ? '–'
  : new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v));

test('an analyst sees the network signals against the market as the API answers them', async () => {
  const { a, b } = world.svc.brands;
  addCounters(a, {
    'e:signal_checks': 10, 'e:sim_swap_checks': 10, 'e:sim_swaps': 3, 'e:sim_swap_errors': 1,
    'e:kyc_checks': 4, 'e:kyc_mismatches': 1, 'e:flagged': 2, 'e:refused_sim_swap': 1,
    'e:refused_signal_error': 1,
  });
  // The other brand: 150 starts (the market is comparable), 160 SIM swap checks in all.
  addCounters(b, {
    'c:started': 150, 'e:signal_checks': 150, 'e:sim_swap_checks': 150, 'e:sim_swaps': 3,
    'e:kyc_checks': 120, 'e:kyc_mismatches': 60, 'e:flagged': 3,
  });
  const api = (await stats()).json;
  assert.equal(api.fraud.sim_swaps.count, 3, JSON.stringify(api.fraud.sim_swaps));
  assert.equal(api.fraud.sim_swaps.per_1000_checked, 300);
  assert.equal(api.fraud.sim_swaps.market_per_1000_checked, 38); // 6 of 160, rounded
  assert.equal(api.market.comparable, true);

  const context = await world.browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 1400 } });
  const { page, problems } = await watchedPage(context);
  await signIn(page, world.svc.base, world.svc.keys[a].analyst);
  await page.getByTestId('signals').waitFor();
  assert.equal(await page.getByTestId('signals-none').count(), 0);
  const names = ['signal_checks', 'sim_swap_checks', 'sim_swaps', 'sim_swap_errors', 'refused_sim_swap',
    'kyc_checks', 'kyc_mismatches', 'kyc_errors', 'refused_kyc', 'flagged', 'refused_signal_error'];
  for (const name of names) {
    const row = page.locator(`[data-testid=signals] tr[data-indicator=${name}]`);
    const cell = async (field) => (await row.locator(`td[data-field=${field}]`).innerText()).trim();
    const want = api.fraud[name];
    assert.equal(Number((await cell('count')).replace(/[^\d]/g, '')), want.count, name);
    assert.equal(await cell('per_1000'), shownRate(want.per_1000), `${name} per 1,000`);
    assert.equal(await cell('market_per_1000'), shownRate(want.market_per_1000), `${name} market`);
    if ('per_1000_checked' in want) {
      assert.equal(await cell('per_1000_checked'), shownRate(want.per_1000_checked), `${name} per check`);
      assert.equal(await cell('market_per_1000_checked'), shownRate(want.market_per_1000_checked),
        `${name} market per check`);
    } else {
      assert.equal(await cell('per_1000_checked'), '–', name);
    }
  }
  // 300 swaps per 1,000 checks against the market's 38: marked.
  const swaps = page.locator('[data-testid=signals] tr[data-indicator=sim_swaps]');
  assert.equal(await swaps.getAttribute('class'), 'hot');
  assert.match(await swaps.innerText(), /over twice the market/);
  assert.notEqual(await page.locator('[data-testid=signals] tr[data-indicator=kyc_mismatches]').getAttribute('class'), 'hot');
  await screenshot(page, 'dashboard-signals');
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});
