// The template editor: live lint and encoding, save with the ETag, a stale save's conflict
// dialog, the history and a rollback, and a hostile text shown as text.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  axeViolations, screenshot, signIn, unexpected, watchedPage, withOtpgateAndBrowser,
} from './harness.mjs';

const world = withOtpgateAndBrowser();

const path = () => `/v1/brands/${world.svc.brands.a}/templates/en`;
const template = async () => (await world.svc.api(world.svc.keys[world.svc.brands.a].brand_manager, 'GET', path())).json;

// A manager's editor on the English template of brand a.
async function editor() {
  const context = await world.browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 1000 } });
  const watched = await watchedPage(context);
  const { page } = watched;
  await signIn(page, world.svc.base, world.svc.keys[world.svc.brands.a].brand_manager);
  await page.getByRole('link', { name: 'Templates', exact: true }).click();
  await page.getByLabel('Locale').selectOption('en');
  await page.getByLabel('Template text').waitFor();
  return { context, ...watched };
}

// Waits until the preview answered for the text now in the editor.
async function settled(page, predicate, arg) {
  await page.waitForFunction(predicate, arg, { timeout: 10000 });
}

test('a manager edits with é, € and ő, sees the encoding, saves, and a stale save gets the conflict dialog', async () => {
  const original = (await template()).text;
  const first = await editor();
  const second = await editor();  // opened before the first saves: it holds the old version
  const { page } = first;
  const text = page.getByLabel('Template text');

  // é (default alphabet) and € (extension table, two septets) keep the SMS in GSM-7.
  await text.fill(`${original} Café €5`);
  await settled(page, () => /GSM/i.test(document.querySelector('[data-testid=encoding]')?.innerText ?? ''));
  assert.equal(await page.locator('.hl-mirror mark').count(), 0);

  // ő is not in GSM-7: UCS-2, and the character is marked where it stands.
  const edited = `${original} Café €5 Győr`;
  await text.fill(edited);
  await settled(page, () => /UCS-2/i.test(document.querySelector('[data-testid=encoding]')?.innerText ?? ''));
  const marked = await page.locator('.hl-mirror mark').allInnerTexts();
  assert.deepEqual(marked, ['ő']);
  assert.match(await page.getByTestId('ucs2-list').innerText(), /ő/);
  assert.ok((await page.getByTestId('sms-preview').innerText()).includes('Győr'));
  await screenshot(page, 'template-editor');
  assert.deepEqual(await axeViolations(page), []);

  const before = (await template()).version;
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await settled(page, (v) => (document.querySelector('[data-testid=template-version]')?.innerText ?? '')
    .includes(String(v + 1)), before);
  const saved = await template();
  assert.equal(saved.text, edited);
  assert.equal(saved.version, before + 1);

  // The second manager still holds the version before: their save is refused with a dialog.
  const mine = `${original} (second manager)`;
  await second.page.getByLabel('Template text').fill(mine);
  await second.page.getByRole('button', { name: 'Save', exact: true }).click();
  const dialog = second.page.getByTestId('conflict-dialog');
  await dialog.waitFor();
  assert.ok((await second.page.getByTestId('conflict-theirs').innerText()).includes('Győr'));
  await screenshot(second.page, 'template-conflict');
  assert.equal((await template()).text, edited, 'the stale save changed the template');
  await second.page.getByRole('button', { name: 'Reload their version' }).click();
  await settled(second.page, () =>
    document.querySelector('textarea')?.value.includes('Győr') ?? false);

  // A knowing overwrite: the second manager types again, conflicts again, overwrites.
  await second.page.getByLabel('Template text').fill(mine);
  assert.equal((await template()).version, before + 1);
  await first.page.getByLabel('Template text').fill(`${edited}!`);
  await first.page.getByRole('button', { name: 'Save', exact: true }).click();
  await settled(first.page, (v) => (document.querySelector('[data-testid=template-version]')?.innerText ?? '')
    .includes(String(v + 2)), before);
  await second.page.getByRole('button', { name: 'Save', exact: true }).click();
  await dialog.waitFor();
  await second.page.getByRole('button', { name: 'Overwrite with mine' }).click();
  await settled(second.page, (v) => (document.querySelector('[data-testid=template-version]')?.innerText ?? '')
    .includes(String(v + 3)), before);
  assert.equal((await template()).text, mine);

  assert.deepEqual(unexpected(first.problems), []);
  assert.deepEqual(unexpected(second.problems), []);
  await first.context.close();
  await second.context.close();
});

test('the history diffs a version against the text and rolls back to it', async () => {
  const start = await template();
  const key = world.svc.keys[world.svc.brands.a].brand_manager;
  const older = `${start.text.split(' (')[0]} Version A`;
  let put = await world.svc.api(key, 'PUT', path(), { text: older }, { 'If-Match': `"${start.version}"` });
  assert.equal(put.status, 200, put.text);
  put = await world.svc.api(key, 'PUT', path(), { text: `${older} and B` }, { 'If-Match': `"${start.version + 1}"` });
  assert.equal(put.status, 200, put.text);
  const target = start.version + 1;

  const { context, page, problems } = await editor();
  // An unsaved draft is not replaced by a rollback: save or discard first.
  const rollbackButton = page.getByRole('button', { name: `Roll back to version ${target}` });
  await page.getByLabel('Template text').fill(`${older} draft`);
  await page.getByTestId('history-draft-note').waitFor();
  assert.equal(await rollbackButton.isDisabled(), true);
  await page.getByRole('button', { name: 'Discard changes' }).click();
  assert.equal(await rollbackButton.isDisabled(), false);
  await page.getByRole('button', { name: `Compare version ${target} with the text` }).click();
  const diff = page.getByTestId('diff');
  await diff.waitFor();
  assert.match(await diff.innerText(), /and B/);
  await screenshot(page, 'template-history');
  await page.getByRole('button', { name: `Roll back to version ${target}` }).click();
  await settled(page, (v) => (document.querySelector('[data-testid=template-version]')?.innerText ?? '')
    .includes(String(v)), target + 2);
  const now = await template();
  assert.equal(now.text, older);
  assert.equal(now.version, target + 2);
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});

test('a template with markup is previewed and shown as text', async () => {
  const hostile = '<img src=x onerror=alert(1)></script><script>alert(2)</script>';
  const { context, page, problems } = await editor();
  const original = await page.getByLabel('Template text').inputValue();
  await page.getByLabel('Template text').fill(`${original} ${hostile}`);
  await settled(page, (h) => (document.querySelector('[data-testid=sms-preview]')?.innerText ?? '').includes(h),
                hostile);
  assert.equal(await page.locator('main img, main script').count(), 0);
  // Saved, it comes back from the API and is shown as text on reload.
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  for (let i = 0; i < 50 && !(await template()).text.includes(hostile); i++) await page.waitForTimeout(100);
  assert.ok((await template()).text.includes(hostile), 'the text was not saved');
  await page.reload();
  await page.getByLabel('Locale').selectOption('en');
  await settled(page, (h) => document.querySelector('textarea')?.value.includes(h) ?? false, hostile);
  await settled(page, (h) => (document.querySelector('[data-testid=sms-preview]')?.innerText ?? '').includes(h),
                hostile);
  assert.equal(await page.locator('main img, main script').count(), 0);
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});
