// The support desk: a locked number unlocked with a reason (and the audit log showing it), a
// caller identity check with a wrong and the right code, and hostile values shown as text.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  axeViolations, freshPhone, screenshot, signIn, unexpected, watchedPage, withOtpgateAndBrowser,
} from './harness.mjs';

const hostile = '<img src=x onerror=alert(1)></script><script>alert(2)</script>';
const world = withOtpgateAndBrowser({
  brandJson: {
    lock: { max_failed_checks: 2, window_seconds: 3600, duration_seconds: 900,
            max_duration_seconds: 86400 },
  },
});

async function signedIn(key) {
  const context = await world.browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const watched = await watchedPage(context);
  await signIn(watched.page, world.svc.base, key);
  await watched.page.getByRole('button', { name: 'Sign out' }).waitFor();
  return { context, ...watched };
}

// Locks `phone` for brand a through the shop API: two wrong codes.
async function lock(phone, metadata) {
  const shop = world.svc.keys[world.svc.brands.a].shop;
  const created = await world.svc.api(shop, 'POST', '/v1/verifications',
                                { phone_number: phone, ...(metadata ? { metadata } : {}) });
  assert.equal(created.status, 201, created.text);
  const right = world.svc.lastCode(phone);
  const wrong = right === '000000' ? '111111' : '000000';
  for (let i = 0; i < 2; i++)
    await world.svc.api(shop, 'POST', `/v1/verifications/${created.json.id}/check`, { code: wrong });
  const sub = await world.svc.api(world.svc.keys[world.svc.brands.a].support, 'GET',
                            `/v1/brands/${world.svc.brands.a}/subscribers/${encodeURIComponent(phone)}`);
  assert.equal(sub.json.locked, true, sub.text);
  return created.json.id;
}

test('an agent unlocks a locked number with a reason and the audit log shows it', async () => {
  const { a } = world.svc.brands;
  const phone = freshPhone();
  await lock(phone);
  const { context, page, problems } = await signedIn(world.svc.keys[a].support);
  await page.getByRole('link', { name: 'Support desk', exact: true }).click();
  await page.getByLabel('Phone number', { exact: true }).fill(phone);
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.getByTestId('lock-state').waitFor();
  assert.match(await page.getByTestId('lock-state').innerText(), /Locked until/);
  await screenshot(page, 'support-desk');
  assert.deepEqual(await axeViolations(page), []);

  // No reason, no unlock: the form says so and sends nothing.
  const unlocks = [];
  page.on('request', (r) => { if (r.url().endsWith('/unlock')) unlocks.push(r.url()); });
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByText('Give a reason.').waitFor();
  assert.deepEqual(unlocks, []);
  const still = await world.svc.api(world.svc.keys[a].support, 'GET',
                              `/v1/brands/${a}/subscribers/${encodeURIComponent(phone)}`);
  assert.equal(still.json.locked, true, 'unlocked without a reason');

  const reason = `Caller identified, ticket 4711 ${hostile}`;
  await page.getByLabel('Reason for unlocking').fill(reason);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByTestId('unlock-notice').waitFor();
  const after = await world.svc.api(world.svc.keys[a].support, 'GET',
                              `/v1/brands/${a}/subscribers/${encodeURIComponent(phone)}`);
  assert.equal(after.json.locked, false, after.text);
  await page.waitForFunction(() =>
    /Not locked/.test(document.querySelector('[data-testid=lock-state]')?.innerText ?? ''));

  await page.getByRole('link', { name: 'Audit log', exact: true }).click();
  const row = page.locator('[data-testid=audit] tr[data-action="subscriber.unlock"]').first();
  await row.waitFor();
  const text = await row.innerText();
  assert.ok(text.includes(hostile), `the reason is not shown as text: ${text}`);
  assert.ok(text.includes(`support-${a}`), text);
  assert.equal(await page.locator('[data-testid=audit] img').count(), 0, 'markup from a reason');
  await screenshot(page, 'audit-log');
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});

test('metadata of a verification is shown as text', async () => {
  const { a } = world.svc.brands;
  const phone = freshPhone();
  const shop = world.svc.keys[a].shop;
  const created = await world.svc.api(shop, 'POST', '/v1/verifications',
                                { phone_number: phone, metadata: { note: hostile } });
  assert.equal(created.status, 201, created.text);
  const { context, page, problems } = await signedIn(world.svc.keys[a].support);
  await page.getByRole('link', { name: 'Support desk', exact: true }).click();
  await page.getByLabel('Phone number', { exact: true }).fill(phone);
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.getByRole('button', { name: `Show verification ${created.json.id}` }).click();
  const meta = page.getByTestId('verification-metadata');
  await meta.waitFor();
  assert.ok((await meta.innerText()).includes(hostile), await meta.innerText());
  assert.equal(await page.locator('[data-testid=verification-detail] img, [data-testid=verification-detail] script').count(), 0);
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});

test('a caller check: a wrong code says how many are left, the right one confirms', async () => {
  const { a } = world.svc.brands;
  const phone = freshPhone();
  const { context, page, problems } = await signedIn(world.svc.keys[a].support);
  await page.getByRole('link', { name: 'Support desk', exact: true }).click();
  await page.getByLabel('Caller’s phone number').fill(phone);
  await page.getByLabel('Reason for the check').fill('inbound call, ticket 4712');
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.getByLabel('Code read out by the caller').waitFor();
  let code;
  for (let i = 0; i < 50 && !code; i++) {
    try { code = world.svc.lastCode(phone); } catch { await page.waitForTimeout(100); }
  }
  assert.ok(code, 'no SMS went out');
  const wrong = code === '000000' ? '111111' : '000000';
  await page.getByLabel('Code read out by the caller').fill(wrong);
  await page.getByRole('button', { name: 'Check code' }).click();
  const outcome = page.getByTestId('call-outcome');
  await page.waitForSelector('[data-testid=call-outcome][data-state=wrong]');
  // The brand allows 5 attempts: 4 are left after one wrong code.
  assert.match(await page.getByTestId('attempts-left').innerText(), /\b4\b/);
  await screenshot(page, 'caller-check');
  await page.getByLabel('Code read out by the caller').fill(code);
  await page.getByRole('button', { name: 'Check code' }).click();
  await page.waitForSelector('[data-testid=call-outcome][data-state=confirmed]');
  assert.match(await outcome.innerText(), /confirmed/i);
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});

test('editing the number after a lookup takes the card and its unlock away', async () => {
  const { a } = world.svc.brands;
  const locked = freshPhone();
  const other = freshPhone();
  await lock(locked);
  const { context, page, problems } = await signedIn(world.svc.keys[a].support);
  await page.getByRole('link', { name: 'Support desk', exact: true }).click();
  await page.getByLabel('Phone number', { exact: true }).fill(locked);
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.getByTestId('subscriber').waitFor();
  await page.getByLabel('Phone number', { exact: true }).fill(other);
  assert.equal(await page.getByTestId('subscriber').count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Unlock' }).count(), 0);
  const still = await world.svc.api(world.svc.keys[a].support, 'GET',
                                    `/v1/brands/${a}/subscribers/${encodeURIComponent(locked)}`);
  assert.equal(still.json.locked, true);
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});

test('a lookup answered after the number was edited is not shown', async () => {
  const { a } = world.svc.brands;
  const first = freshPhone();
  const second = freshPhone();
  await lock(first);
  const { context, page, problems } = await signedIn(world.svc.keys[a].support);
  await page.getByRole('link', { name: 'Support desk', exact: true }).click();
  // The first number's answer is held back until the field says the second number.
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route(`**/subscribers/${encodeURIComponent(first)}`, async (route) => {
    await held;
    await route.continue();
  });
  await page.getByLabel('Phone number', { exact: true }).fill(first);
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.getByLabel('Phone number', { exact: true }).fill(second);
  const answered = page.waitForResponse((r) => r.url().includes(encodeURIComponent(first)));
  release();
  await answered;
  // The answer has been handed to the page; give its handlers one frame to run.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
  assert.equal(await page.getByTestId('subscriber').count(), 0, 'the first number\'s card is shown');
  assert.equal(await page.getByRole('button', { name: 'Unlock' }).count(), 0);
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});

test('a support desk fits a 360 px wide phone', async () => {
  const context = await world.browser.newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
  const { page, problems } = await watchedPage(context);
  await signIn(page, world.svc.base, world.svc.keys[world.svc.brands.a].support);
  await page.getByRole('link', { name: 'Support desk', exact: true }).click();
  // With a verification opened: its id is the longest word on the page.
  const phone = freshPhone();
  const created = await world.svc.api(world.svc.keys[world.svc.brands.a].shop, 'POST',
                                      '/v1/verifications', { phone_number: phone });
  await page.getByLabel('Phone number', { exact: true }).fill(phone);
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.getByRole('button', { name: `Show verification ${created.json.id}` }).click();
  await page.getByTestId('verification-detail').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
  await screenshot(page, 'support-desk-360');
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});
