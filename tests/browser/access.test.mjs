// Sign-in and the role and brand boundaries of the console, in a real browser on the real binary.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  axeViolations, screenshot, signIn, unexpected, watchedPage, withOtpgateAndBrowser,
} from './harness.mjs';

const world = withOtpgateAndBrowser();


test('the sign-in page is served under its CSP and is accessible', async () => {
  const res = await fetch(`${world.svc.base}/console/`);
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const context = await world.browser.newContext({ locale: 'en-US' });
  const { page, problems } = await watchedPage(context);
  await page.goto(`${world.svc.base}/console/`);
  await page.getByLabel('API key').waitFor();
  await screenshot(page, 'sign-in');
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});

test('a shop key cannot sign in and is not kept', async () => {
  const context = await world.browser.newContext({ locale: 'en-US' });
  const { page, problems } = await watchedPage(context);
  await signIn(page, world.svc.base, world.svc.keys[world.svc.brands.a].shop);
  await page.getByTestId('error').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
  assert.equal(await page.getByLabel('API key').count(), 1);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});

test('a wrong key is refused with the API message', async () => {
  const context = await world.browser.newContext({ locale: 'en-US' });
  const { page } = await watchedPage(context);
  await signIn(page, world.svc.base, 'not-a-key-at-all');
  await page.getByTestId('error').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
  await context.close();
});

test('each role sees its own views only', async () => {
  const a = world.svc.brands.a;
  const expected = {
    brand_manager: ['Templates'],
    support: ['Support desk', 'Audit log'],
    analyst: ['Dashboard'],
    admin: ['Dashboard', 'Audit log'],
  };
  const all = ['Dashboard', 'Templates', 'Support desk', 'Audit log'];
  for (const [role, views] of Object.entries(expected)) {
    const context = await world.browser.newContext({ locale: 'en-US' });
    const { page, problems } = await watchedPage(context);
    await signIn(page, world.svc.base, world.svc.keys[a][role]);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    for (const name of all) {
      const n = await page.getByRole('link', { name, exact: true }).count();
      assert.equal(n > 0, views.includes(name), `${role}: link ${name}`);
    }
    assert.equal(await page.getByTestId('key-id').innerText(), `${role}-${a}`);
    // A route the role does not open falls back to one it does: the view is not even asked for
    // (no heading, no refused API call), and the address follows the view shown.
    // link name: [route, the view's heading]
    const routes = { Dashboard: ['dashboard', 'Dashboard'], Templates: ['templates', 'SMS templates'],
                     'Support desk': ['support', 'Support desk'], 'Audit log': ['audit', 'Audit log'] };
    const refused = [];
    page.on('response', (r) => { if (r.status() === 403) refused.push(r.url()); });
    for (const [name, [route, heading]] of Object.entries(routes)) {
      if (views.includes(name)) continue;
      await page.goto(`${world.svc.base}/console/#/${route}`);
      await page.waitForFunction((r) => !location.hash.startsWith(`#/${r}`), route);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      const shown = await page.getByRole('heading', { name: heading, exact: true }).count();
      assert.equal(shown, 0, `${role} sees ${heading}`);
      assert.equal(await page.getByTestId('error').count(), 0, `${role}: ${route}`);
    }
    assert.deepEqual(refused, [], `${role}: refused calls`);
    assert.deepEqual(unexpected(problems), [], role);
    await context.close();
  }
});

test('the key is kept in sessionStorage only and forgotten on sign-out', async () => {
  const key = world.svc.keys[world.svc.brands.a].analyst;
  const context = await world.browser.newContext({ locale: 'en-US' });
  const { page } = await watchedPage(context);
  await signIn(page, world.svc.base, key);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  const stored = await page.evaluate(() => ({
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    cookie: document.cookie,
  }));
  assert.ok(!stored.local.includes(key), 'the key is in localStorage');
  assert.equal(stored.cookie, '');
  assert.ok(stored.session.includes(key), 'the key is not in sessionStorage');
  assert.equal((await context.cookies()).length, 0);
  // A reload keeps the session (sessionStorage), a new tab of another context does not.
  await page.reload();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').waitFor();
  const after = await page.evaluate(() => JSON.stringify({ ...sessionStorage }));
  assert.ok(!after.includes(key), 'the key outlived the sign-out');
  await context.close();
});

test('a brand-bound key has no brand switcher and cannot be pointed at another brand', async () => {
  const { a, b } = world.svc.brands;
  const context = await world.browser.newContext({ locale: 'en-US' });
  const { page } = await watchedPage(context);
  await signIn(page, world.svc.base, world.svc.keys[a].support);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  assert.equal(await page.getByRole('combobox', { name: /^Brand/ }).count(), 0);
  assert.match(await page.getByTestId('brand').innerText(), /Alpha Mobil/);
  // Whatever the page is told, brand B's data does not come back to this key.
  await page.evaluate((other) => {
    for (const k of Object.keys(sessionStorage))
      if (/brand/i.test(k)) sessionStorage.setItem(k, other);
  }, b);
  await page.reload();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  assert.match(await page.getByTestId('brand').innerText(), /Alpha Mobil/);
  const leaked = await page.evaluate(async (other) => {
    const key = Object.values({ ...sessionStorage }).find((v) => v.startsWith('test_'));
    const r = await fetch(`/v1/brands/${other}/audit`, { headers: { Authorization: `Bearer ${key}` } });
    return r.status;
  }, b);
  assert.equal(leaked, 403);
  await context.close();
});

test('a * key switches brands', async () => {
  const { a, b } = world.svc.brands;
  const context = await world.browser.newContext({ locale: 'en-US' });
  const { page, problems } = await watchedPage(context);
  await signIn(page, world.svc.base, world.svc.keys.star);
  const select = page.getByRole('combobox', { name: /^Brand/ });
  await select.waitFor();
  const options = await select.locator('option').allInnerTexts();
  assert.ok(options.some((o) => o.includes(a)) && options.some((o) => o.includes(b)), options.join());
  await select.selectOption(b);
  await page.getByRole('link', { name: 'Audit log', exact: true }).click();
  await page.getByTestId('audit-count').waitFor();
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});

test('German is chosen from the browser and English can be switched to', async () => {
  const context = await world.browser.newContext({ locale: 'de-DE' });
  const { page } = await watchedPage(context);
  await page.goto(`${world.svc.base}/console/`);
  const lang = page.getByLabel(/Sprache/);
  await lang.waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'de');
  await lang.selectOption('en');
  await page.getByLabel('API key').waitFor();
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await context.close();
});

test('a key the API stops accepting returns to sign-in with a note', async () => {
  const context = await world.browser.newContext({ locale: 'en-US' });
  const { page } = await watchedPage(context);
  await signIn(page, world.svc.base, world.svc.keys[world.svc.brands.a].support);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  // As if the key were revoked: the API answers 401 to the next call.
  await page.evaluate(() => {
    for (const k of Object.keys(sessionStorage))
      if (sessionStorage.getItem(k).startsWith('test_')) sessionStorage.setItem(k, 'test_revoked');
  });
  await page.reload();
  await page.getByLabel('API key').waitFor();
  await page.getByTestId('signin-note').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
  await context.close();
});
