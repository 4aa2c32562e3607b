// ombud's browser tests, in real headless Chromium (Debian's `chromium`) driven by
// playwright-core. Run by `crates/cli/tests/browser.rs`, which passes the binary and
// where to put screenshots; by hand:
//   OMBUD_BIN=target/debug/ombud OMBUD_SHOTS=target/browser node tests/browser/run.mjs
//
// It starts `ombud demo` in a fresh directory (the embedded SQLite store, the demo shop,
// an outbox) and walks what issue 6 promises a person and a staff member:
//   1. a browser sending Global Privacy Control is opted out without a click and every
//      page says "Opt-Out Request Honored";
//   2. a consumer submits an access request, reads the code from the outbox, verifies;
//      a staff member logs in and approves; the job runs against the demo shop; the
//      consumer downloads the zip and it holds their rows;
//   3. the staff queue shows an overdue request in red with JavaScript off.
// Screenshots of the main pages land in $OMBUD_SHOTS. Any failed check exits non-zero
// with what was expected.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const BIN = process.env.OMBUD_BIN;
const SHOTS = process.env.OMBUD_SHOTS ?? 'target/browser';
const CHROMIUM = process.env.OMBUD_CHROMIUM ?? '/usr/bin/chromium';
// Every wait is bounded: a hung page fails the test rather than the CI run.
const STEP_MS = 15_000;

if (!BIN) {
  console.error('set OMBUD_BIN to the ombud binary');
  process.exit(2);
}
mkdirSync(SHOTS, { recursive: true });

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

/// Starts `ombud demo` in `dir`; resolves with what it printed once it serves.
function startDemo(dir) {
  const child = spawn(BIN, ['demo', '--customers', '50', '--listen', '127.0.0.1:0', '--dir', join(dir, 'demo')], {
    cwd: dir,
    env: { ...process.env, OMBUD_STORE: '', OMBUD_PROGRAM: '', OMBUD_MASTER_KEY: '', OMBUD_MASTER_KEY_FILE: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const lines = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ombud demo did not start:\n${stderr}`)), 120_000);
    child.on('exit', (code) => reject(new Error(`ombud demo exited (${code}):\n${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith('stop with')) {
        clearTimeout(timer);
        const text = lines.join('\n');
        const center = text.match(/privacy center: (http:\/\/\S+?)\/?$/m)?.[1];
        // "staff pages: http://…/staff/login — username U, password P (kept in …)"
        const login = text.match(/staff pages: (http:\/\/\S+) — username (\S+), password (\S+) /m);
        const outbox = text.match(/^messages[^:]*: (\S+)$/m)?.[1];
        resolve({ child, center, staff: login?.[1], user: login?.[2], password: login?.[3], outbox, text });
      }
    });
  });
}

/// The newest message in the outbox addressed to `email`, as text.
function newestMessageTo(outbox, email) {
  const files = readdirSync(outbox)
    .map((name) => join(outbox, name))
    .filter((path) => statSync(path).isFile())
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const path of files) {
    const text = readFileSync(path, 'utf8');
    if (text.includes(email)) return text;
  }
  return null;
}

/// Waits until `probe()` returns something truthy, polling; fails after `ms`.
async function until(probe, what, ms = 60_000) {
  const since = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - since > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/// Accessibility basics every page of ours keeps: a language, one h1, a label for every
/// form control, and text that meets WCAG AA contrast (4.5:1) against the page's white.
async function accessible(page, name) {
  const problems = await page.evaluate(() => {
    const out = [];
    if (!document.documentElement.lang) out.push('no lang on <html>');
    const h1 = document.querySelectorAll('h1').length;
    if (h1 !== 1) out.push(`${h1} h1 elements`);
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden' || el.type === 'submit') continue;
      if (!el.labels || el.labels.length === 0) out.push(`no label for #${el.id || el.name}`);
    }
    const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    const rgb = (text) => (text.match(/\d+(\.\d+)?/g) ?? []).map(Number);
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const [r, g, b, a] = rgb(getComputedStyle(e).backgroundColor);
        if (a === undefined || a > 0) return [r, g, b];
      }
      return [255, 255, 255];
    };
    for (const el of document.querySelectorAll('p, li, a, td, th, h1, h2, h3, label, button, legend, dt, dd')) {
      if (!el.textContent.trim()) continue;
      const fg = luminance(rgb(getComputedStyle(el).color));
      const bg = luminance(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < 4.5) out.push(`contrast ${ratio.toFixed(2)} on <${el.tagName.toLowerCase()}> "${el.textContent.trim().slice(0, 30)}"`);
    }
    return out;
  });
  check(problems.length === 0, `${name} is accessible: ${problems.join('; ')}`);
}

async function shot(page, name) {
  if (await page.evaluate(() => true).catch(() => false)) await accessible(page, name);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/// 1. GPC: no click, and the page says so.
async function gpc(browser, demo) {
  const context = await browser.newContext({ extraHTTPHeaders: { 'Sec-GPC': '1' } });
  const page = await context.newPage();
  await page.goto(`${demo.center}/`);
  await page.getByText('Opt-Out Request Honored').first().waitFor({ timeout: STEP_MS });
  await shot(page, 'center-home-gpc');
  // Every page of the privacy center says it while the signal is on.
  for (const path of ['/do-not-sell-or-share', '/notice/ccpa', '/request']) {
    const response = await page.goto(`${demo.center}${path}`);
    check(response.status() === 200, `${path} answers 200 (got ${response.status()})`);
    check(await page.getByText('Opt-Out Request Honored').count() > 0, `${path} says "Opt-Out Request Honored"`);
  }
  await shot(page, 'center-do-not-sell-gpc');
  // A browser without the signal is not opted out by it.
  const plain = await browser.newContext();
  const other = await plain.newPage();
  await other.goto(`${demo.center}/`);
  check(await other.getByText('Opt-Out Request Honored').count() === 0, 'no signal, no claim');
  await shot(other, 'center-home');
  await plain.close();
  await context.close();
}

/// Logs a staff member in, in `context`; the page, on the queue.
async function staffLogin(context, demo) {
  check(demo.staff && demo.user && demo.password, `ombud demo prints the staff login:\n${demo.text}`);
  const page = await context.newPage();
  await page.goto(demo.staff);
  await page.getByLabel('Username').fill(demo.user);
  await page.getByLabel('Password').fill(demo.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Request queue' }).waitFor({ timeout: STEP_MS });
  return page;
}

/// 2. An access request, end to end: form, code from the outbox, staff
/// approval, the job against the demo shop, the zip with the person's rows.
async function access(browser, demo, dir) {
  const email = 'customer7@example.com';
  const consumer = await browser.newContext({ acceptDownloads: true });
  const page = await consumer.newPage();
  await page.goto(`${demo.center}/request`);
  await shot(page, 'center-request-start');
  await page.goto(`${demo.center}/request/access?law=ccpa`);
  await page.getByLabel('Your full name').fill('Ada Testperson');
  await page.locator('#email').fill(email);
  await shot(page, 'center-request-form');
  await page.getByRole('button', { name: 'Send my request' }).click();
  await page.getByLabel('The code from our email').waitFor({ timeout: STEP_MS });
  const statusUrl = page.url();
  check(/\/status\//.test(statusUrl), `the form leads to the status page (got ${statusUrl})`);
  await shot(page, 'center-status-code');
  // Mail goes out every 10 seconds.
  const code = await until(() => {
    const mail = newestMessageTo(demo.outbox, email);
    return mail?.match(/verification code is:\s+([0-9A-Z-]{4,16})/)?.[1];
  }, 'the verification code in the outbox', 30_000);
  await page.getByLabel('The code from our email').fill(code);
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.waitForLoadState();
  await shot(page, 'center-status-verified');

  // Staff approve.
  const staffContext = await browser.newContext();
  const staff = await staffLogin(staffContext, demo);
  await shot(staff, 'staff-queue');
  const id = statusUrl.match(/\/status\/([^/?#]+)/)[1];
  await staff.goto(`${demo.staff.replace(/\/staff\/login$/, '')}/staff/requests/${id}`);
  await shot(staff, 'staff-request');
  // An emailed code confirms the address only; access to specific pieces needs a
  // reasonably high degree of certainty, which staff record after checking
  // three data points with the person.
  await staff.getByLabel('Level reached').selectOption('reasonably_high');
  await staff.getByLabel('How', { exact: true }).selectOption('data_points');
  await staff.getByRole('button', { name: 'Record the verification' }).click();
  await staff.getByRole('button', { name: 'Approve and start fulfilment' }).waitFor({ timeout: STEP_MS });
  await staff.getByRole('button', { name: 'Approve and start fulfilment' }).click();
  await staff.waitForLoadState();
  await shot(staff, 'staff-request-approved');

  // The job runs; the consumer's status page offers the download.
  await until(async () => {
    await page.goto(statusUrl);
    return await page.getByRole('button', { name: 'Download your data' }).count() > 0;
  }, 'the package to be ready', 60_000);
  await shot(page, 'center-status-ready');
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: STEP_MS }),
    page.getByRole('button', { name: 'Download your data' }).click(),
  ]);
  const zip = join(dir, 'package.zip');
  await download.saveAs(zip);
  // The zip holds this customer's own rows: their email in the customers table, and
  // no other customer's.
  const listing = execFileSync('python3', ['-c', `
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
text = ''.join(z.read(n).decode('utf-8', 'replace') for n in names if n.endswith('.json'))
print(json.dumps({'names': names, 'has_email': sys.argv[2] in text, 'others': 'customer8@example.com' in text}))
`, zip, email]).toString();
  const found = JSON.parse(listing);
  check(found.names.includes('README.html'), `the zip has README.html: ${found.names}`);
  check(found.has_email, 'the zip holds the customer\'s own rows');
  check(!found.others, 'the zip holds no other customer\'s rows');
  await staffContext.close();
  await consumer.close();
}

/// 3. An overdue request is red in the queue, with JavaScript off.
async function overdue(browser, demo) {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const staff = await staffLogin(context, demo);
  await staff.goto(`${demo.staff.replace(/\/staff\/login$/, '')}/staff/requests/new`);
  // Received by phone 80 days ago: past the CCPA's 45 days.
  const received = new Date(Date.now() - 80 * 24 * 3600 * 1000).toISOString().slice(0, 16);
  await staff.getByLabel('What the person asks for').selectOption('access');
  await staff.getByLabel('Law', { exact: true }).selectOption('ccpa');
  await staff.getByLabel('Received by').selectOption('phone');
  await staff.getByLabel('Received at', { exact: false }).fill(received);
  await staff.getByLabel('Name', { exact: true }).fill('Bram Overdue');
  await staff.locator('#email').fill('bram.overdue@example.com');
  await staff.getByRole('button', { name: 'Enter the request' }).click();
  await staff.waitForLoadState();
  await staff.goto(`${demo.staff.replace(/\/staff\/login$/, '')}/staff`);
  const row = staff.locator('tr.overdue').first();
  await row.waitFor({ timeout: STEP_MS });
  const text = await row.innerText();
  check(/Overdue/.test(text), `the overdue row says so in words: ${text}`);
  // Computed style needs no page script: the browser's own evaluation.
  const color = await row.evaluate((el) => {
    const cell = el.querySelector('.overdue, td') ?? el;
    const style = getComputedStyle(el);
    return [style.color, style.backgroundColor, getComputedStyle(cell).color, style.borderLeftColor].join(' ');
  });
  const reds = [...color.matchAll(/rgba?\((\d+), (\d+), (\d+)/g)]
    .map((m) => m.slice(1).map(Number))
    .filter(([r, g, b]) => r > 150 && g < 100 && b < 100 || (r > 200 && g < 230 && b < 230 && r - g > 25));
  check(reds.length > 0, `the overdue row is red: ${color}`);
  await shot(staff, 'staff-queue-overdue-no-js');
  for (const path of ['/staff/metrics', '/staff/audit']) {
    await staff.goto(`${demo.staff.replace(/\/staff\/login$/, '')}${path}`);
    await shot(staff, `staff${path.replaceAll('/', '-').replace(/^-staff/, '')}`);
  }
  await context.close();
}

const FLOWS = { gpc, access, overdue };

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ombud-browser-'));
  const demo = await startDemo(dir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  let failed = false;
  try {
    for (const [name, flow] of Object.entries(FLOWS)) {
      const since = Date.now();
      try {
        await flow(browser, demo, dir);
        console.log(`ok ${name} (${Date.now() - since} ms)`);
      } catch (error) {
        failed = true;
        console.log(`FAILED ${name}: ${error.message}`);
      }
    }
  } finally {
    await browser.close();
    demo.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
