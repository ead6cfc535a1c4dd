// End-to-end test of the console and the dashboard in headless Chromium
// (Debian's /usr/bin/chromium driven by playwright-core), run by
// e2e_integration_test.go against `mono dev`:
//   sign in, invalid form input gets inline messages, create an order, see
//   it in the list, cancel it; the dashboard counts it; a console whose
//   orders-api is down says so and keeps retrying.
// Environment: CONSOLE_URL, DASH_URL, TOKEN, ARTIFACTS (screenshots go
// there), DOWN_CONSOLE_URL (optional: a console whose orders-api is down),
// CHROMIUM (default /usr/bin/chromium).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (k, d) => {
  const v = process.env[k] ?? d;
  if (v === undefined) throw new Error(`${k} is not set`);
  return v;
};
const consoleURL = env('CONSOLE_URL');
const dashURL = env('DASH_URL');
const token = env('TOKEN');
const artifacts = env('ARTIFACTS');
const downURL = process.env.DOWN_CONSOLE_URL;
await mkdir(artifacts, { recursive: true });

const step = (msg) => console.log(`e2e: ${msg}`);
const browser = await chromium.launch({
  executablePath: env('CHROMIUM', '/usr/bin/chromium'),
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' });
context.setDefaultTimeout(20000);

// Nothing may leave the machine: every request to another host fails the test.
const outside = [];
await context.route('**/*', (route) => {
  const host = new URL(route.request().url()).hostname;
  if (host === '127.0.0.1' || host === 'localhost' || route.request().url().startsWith('data:')) {
    return route.continue();
  }
  outside.push(route.request().url());
  return route.abort();
});

const problems = [];
const watch = (page, name) => {
  page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) {
      problems.push(`${name}: ${m.text()}`);
    }
  });
};

const page = await context.newPage();
watch(page, 'console');
const dash = await context.newPage();
watch(dash, 'dashboard');

async function kpis() {
  const read = async (id) => (await dash.locator(`#${id}`).textContent())?.trim();
  await dash.waitForFunction(() => /^\d+$/.test(document.querySelector('#kpi-orders')?.textContent?.trim() ?? ''), null, { timeout: 30000 });
  return { orders: Number(await read('kpi-orders')), cancelled: Number(await read('kpi-cancelled')), revenue: await read('kpi-revenue') };
}

let failed = false;
try {
  step(`dashboard before: ${dashURL}`);
  await dash.goto(dashURL);
  const before = await kpis();
  step(`dashboard counts ${JSON.stringify(before)}`);

  step(`console: ${consoleURL}`);
  await page.goto(consoleURL);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Paste a token.').waitFor();
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as').waitFor();
  await page.locator('table.orders tbody tr').first().waitFor();
  step(`signed in; ${await page.locator('table.orders tbody tr').count()} orders listed`);

  step('invalid input is flagged next to the fields');
  const form = page.getByRole('form', { name: 'New order' });
  await form.getByLabel('Customer id').fill('not valid!');
  await form.getByLabel('Unit price (EUR)').fill('abc');
  await form.getByRole('button', { name: 'Create order' }).click();
  await form.getByText("Use 1-64 letters, digits, '_' or '-'.").waitFor();
  await form.getByText('Enter a region.').waitFor();
  await form.getByText('A price such as 12.50').waitFor();
  await page.screenshot({ path: join(artifacts, 'console-validation.png'), fullPage: true });

  const customer = `e2e-${Date.now().toString(36)}`;
  step(`create an order for ${customer}`);
  await form.getByLabel('Customer id').fill(customer);
  await form.getByLabel('Region').fill('eu-west');
  await form.getByLabel('SKU').fill('E2E-1');
  await form.getByLabel('Quantity').fill('2');
  await form.getByLabel('Unit price (EUR)').fill('12.50');
  await form.getByRole('button', { name: 'Create order' }).click();
  await page.getByRole('status').filter({ hasText: `created for ${customer}` }).waitFor();
  const row = page.locator('table.orders tbody tr', { hasText: customer });
  await row.getByText('pending').waitFor();

  step('filter by customer finds it');
  await page.getByRole('form', { name: 'Filter orders' }).getByLabel('Customer').fill(customer);
  await page.waitForFunction(() => document.querySelectorAll('table.orders tbody tr').length === 1);
  await row.getByText('pending').waitFor();
  await page.screenshot({ path: join(artifacts, 'console-created.png'), fullPage: true });

  step('cancel it');
  await row.getByRole('button', { name: /Cancel order/ }).click();
  await row.getByText('cancelled').waitFor();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.waitForFunction(() => document.querySelectorAll('table.orders tbody tr').length > 1);
  await page.screenshot({ path: join(artifacts, 'console.png'), fullPage: true });

  step('the dashboard counts the new order');
  let after = before;
  for (let i = 0; i < 10; i++) {
    await dash.reload();
    after = await kpis();
    if (after.orders === before.orders + 1 && after.cancelled === before.cancelled + 1) break;
    await dash.waitForTimeout(1000);
  }
  if (after.orders !== before.orders + 1 || after.cancelled !== before.cancelled + 1) {
    throw new Error(`dashboard counts ${JSON.stringify(after)}, want orders ${before.orders + 1} and cancelled ${before.cancelled + 1}`);
  }
  await dash.locator('#orders-by-status .main-svg').first().waitFor();
  await dash.locator('#daily-sales .main-svg').first().waitFor();
  await dash.waitForTimeout(500); // let plotly finish drawing
  await dash.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });
  step(`dashboard counts ${JSON.stringify(after)}`);

  if (downURL) {
    step(`console with orders-api down: ${downURL}`);
    const down = await context.newPage();
    watch(down, 'console (api down)');
    await down.addInitScript((t) => sessionStorage.setItem('console.token', t), token);
    await down.goto(downURL);
    const banner = down.getByRole('alert').filter({ hasText: 'Cannot reach orders-api' });
    await banner.waitFor();
    await banner.filter({ hasText: /attempt [3-9]/ }).waitFor({ timeout: 30000 }); // it retried on its own
    await down.getByText('Orders console').first().waitFor(); // the page is there, not blank
    await down.screenshot({ path: join(artifacts, 'console-api-down.png'), fullPage: true });
    step(`banner: ${(await banner.textContent())?.replace(/\s+/g, ' ')}`);
  }

  if (outside.length) throw new Error(`requests left the machine: ${outside.join(', ')}`);
  if (problems.length) throw new Error(`browser problems:\n${problems.join('\n')}`);
  step('ok');
} catch (e) {
  failed = true;
  console.error(`e2e: FAILED: ${e instanceof Error ? e.stack : e}`);
  if (problems.length) console.error(problems.join('\n'));
  await page.screenshot({ path: join(artifacts, 'failure-console.png'), fullPage: true }).catch(() => {});
  await dash.screenshot({ path: join(artifacts, 'failure-dashboard.png'), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
