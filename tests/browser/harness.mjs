// The real otpgate binary, on the run's shared Redis, with brands and API keys of its own, and
// Debian's chromium driven by playwright-core, for the console's browser tests.
//
// Environment: OTPGATE_BINARY (the binary; CTest sets it), OTPGATE_TEST_REDIS_PORT (the run's
// Redis, scripts/test starts it), CHROMIUM (default /usr/bin/chromium),
// OTPGATE_KEEP_TEST_DIRS=1 keeps the temp dir (logs, outbox, screenshots of failures).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// playwright-core and axe-core are the console's dev dependencies (web/package.json).
const webRequire = createRequire(join(repo, 'web', 'package.json'));
export const { chromium } = webRequire('playwright-core');
export const axeSource = readFileSync(webRequire.resolve('axe-core/axe.min.js'), 'utf8');

export const roles = ['shop', 'brand_manager', 'support', 'analyst', 'admin'];

let brandCounter = 0;
// A brand id no other test process uses on the shared Redis.
export function uniqueBrand(stem) {
  return `${stem}-${process.pid}-${brandCounter++}-${Date.now() % 1000000}`;
}

let phoneCounter = 0;
// A valid German mobile number no other test uses.
export function freshPhone(prefix = '+49151') {
  const v = (process.pid * 7919 + (phoneCounter++ + Date.now() % 1000) * 104729) % 100000000;
  return prefix + String(v).padStart(8, '0');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// An API key's record for the keys file, and the key itself.
function makeKey(id, brand, keyRoles) {
  const key = `test_${id}_${randomBytes(16).toString('hex')}`;
  const sha256 = createHash('sha256').update(key).digest('hex');
  return { key, record: { id, sha256, brand, roles: keyRoles } };
}

// Starts otpgate with two brands copied from the demo brand nordwind (a, "Alpha Mobil", and b,
// "Beta Mobil": their ids in `brands`), and API keys: per brand one per role (keys[brand][role]), a brand-bound key with
// every role but shop (keys[brand].all), and keys.star (`*`, every role). `brandJson` may amend
// both brands' brand.json; `ready: false` waits for /healthz only (a Redis meant to be down).
export async function startOtpgate({ brandJson = {}, env = {}, ready = true } = {}) {
  const binary = process.env.OTPGATE_BINARY;
  const redisPort = process.env.OTPGATE_TEST_REDIS_PORT;
  if (!binary || !existsSync(binary)) throw new Error(`OTPGATE_BINARY not set or missing: ${binary}`);
  if (!redisPort) throw new Error('OTPGATE_TEST_REDIS_PORT is not set (scripts/test sets it)');
  const consoleDir = process.env.OTPGATE_TEST_CONSOLE_DIR || join(repo, 'web', 'dist');
  if (!existsSync(join(consoleDir, 'index.html'))) throw new Error(`console not built: ${consoleDir}`);

  const dir = mkdtempSync(join(tmpdir(), 'otpgate-browser-'));
  const brands = { a: uniqueBrand('console-a'), b: uniqueBrand('console-b') };
  cpSync(join(repo, 'brands', 'schema.json'), join(dir, 'brands', 'schema.json'));
  for (const [name, id] of Object.entries(brands)) {
    cpSync(join(repo, 'brands', 'nordwind'), join(dir, 'brands', id), { recursive: true });
    const file = join(dir, 'brands', id, 'brand.json');
    const display_name = name === 'a' ? 'Alpha Mobil' : 'Beta Mobil';
    const json = { ...JSON.parse(readFileSync(file, 'utf8')), display_name, ...brandJson };
    writeFileSync(file, JSON.stringify(json));
  }
  const keys = { star: null };
  const records = [];
  for (const id of Object.values(brands)) {
    keys[id] = {};
    for (const role of roles) {
      const k = makeKey(`${role}-${id}`, id, [role]);
      keys[id][role] = k.key;
      records.push(k.record);
    }
    const all = makeKey(`all-${id}`, id, roles.filter((r) => r !== 'shop'));
    keys[id].all = all.key;
    records.push(all.record);
  }
  const star = makeKey(`star-${brands.a}`, '*', roles);
  keys.star = star.key;
  records.push(star.record);
  writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: records }));

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(binary, [], {
    env: {
      PATH: process.env.PATH,
      OTPGATE_LISTEN: `127.0.0.1:${port}`,
      OTPGATE_REDIS: `127.0.0.1:${redisPort}`,
      OTPGATE_SECRET: randomBytes(32).toString('hex'),
      OTPGATE_THREADS: '2',
      OTPGATE_BRANDS_DIR: join(dir, 'brands'),
      OTPGATE_TEMPLATES_DIR: join(repo, 'templates'),
      OTPGATE_API_KEYS_FILE: join(dir, 'keys.json'),
      OTPGATE_SMS_OUTBOX: join(dir, 'outbox.jsonl'),
      OTPGATE_CONSOLE_DIR: consoleDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });

  const service = {
    base, dir, brands, keys, child,
    log: () => log,
    outbox() {
      const file = join(dir, 'outbox.jsonl');
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    },
    // The code of the newest SMS to `phone` (the file gateway's outbox).
    lastCode(phone) {
      const sms = service.outbox().filter((m) => m.to === phone).pop();
      if (!sms) throw new Error(`no SMS to ${phone} in the outbox`);
      const m = /\b(\d{6})\b/.exec(sms.text);
      if (!m) throw new Error(`no code in ${JSON.stringify(sms.text)}`);
      return m[1];
    },
    async api(key, method, path, body, headers = {}) {
      const res = await fetch(base + path, {
        method,
        headers: {
          ...(key ? { Authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let json = null;
      try { json = text ? JSON.parse(text) : null; } catch { json = null; }
      return { status: res.status, headers: res.headers, json, text };
    },
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        for (let i = 0; i < 100 && !exited; i++) await sleep(50);
        if (!exited) child.kill('SIGKILL');
      }
      if (process.env.OTPGATE_KEEP_TEST_DIRS) console.log(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };

  for (let i = 0; i < 200; i++) {
    if (exited) throw new Error(`otpgate exited (${JSON.stringify(exited)}):\n${log.slice(-3000)}`);
    try {
      const r = await fetch(`${base}/${ready ? 'readyz' : 'healthz'}`);
      if (r.status === 200) return service;
    } catch { /* not listening yet */ }
    await sleep(100);
  }
  await service.stop();
  throw new Error(`otpgate not ready on ${base}:\n${log.slice(-3000)}`);
}

// Headless chromium (Debian's), one per test file.
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

// A page that records what must not happen: dialogs (alert() from injected markup), page
// errors, console errors (CSP violations among them). `problems` lists them.
export async function watchedPage(context) {
  const page = await context.newPage();
  const problems = [];
  page.on('dialog', async (d) => { problems.push(`dialog: ${d.message()}`); await d.dismiss(); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  return { page, problems };
}

// axe-core's serious and critical violations on the page as it is now. axe is evaluated
// through the DevTools protocol, not as a script tag, so the page's CSP stays in force.
export async function axeViolations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

// Screenshots for docs/console.md, written only when OTPGATE_SCREENSHOTS names a directory
// (scripts/console-screenshots sets it), so a test run leaves the tree as it was.
export async function screenshot(page, name) {
  const out = process.env.OTPGATE_SCREENSHOTS;
  if (!out) return;
  await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
}

// One otpgate (startOtpgate's options) and one browser for a test file: node:test hooks start
// them before its tests and stop them after. world.svc and world.browser are set once they run.
export function withOtpgateAndBrowser(options) {
  const world = { svc: null, browser: null };
  before(async () => {
    world.svc = await startOtpgate(options);
    world.browser = await launchBrowser();
  });
  after(async () => {
    await world.browser?.close();
    await world.svc?.stop();
  });
  return world;
}

// The problems a watched page recorded, without Chromium's "Failed to load resource" lines,
// which it logs for every 4xx answer (a 412, 422 or 401 the test caused on purpose).
export const unexpected = (problems) => problems.filter((p) => !/Failed to load resource/.test(p));

// Opens the console at `base` and signs in with `key` (waits for nothing after the click).
export async function signIn(page, base, key) {
  await page.goto(`${base}/console/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
