// Drives the classic Jupyter Notebook (6.x) in headless Chromium as a user would:
// opens a notebook, picks "Go (goparallel)" from Kernel > Change kernel, runs
// every cell with Cell > Run All, waits until the kernel is idle and no cell is
// left running, then reads what the page shows and saves a screenshot.
//
//   node browser.mjs --url http://127.0.0.1:PORT/ --token TOKEN --notebook NAME.ipynb
//       [--kernel goparallel] [--screenshot FILE] [--expect TEXT]... [--pngs N]
//       [--timeout SECONDS]
//
// Prints one JSON object (what the page showed) on stdout. Exits 0 when the
// kernel was picked from the list, every cell ran without an error output,
// every --expect text is shown in the outputs and at least --pngs inline PNG
// images are on the page; 1 otherwise (the reasons on stderr); 2 on bad usage.
//
// Chromium is Debian's /usr/bin/chromium (CHROMIUM overrides it); playwright-core
// never downloads a browser.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

function parseArgs(argv) {
  const opts = { kernel: 'goparallel', expect: [], pngs: 0, timeout: 300, screenshot: '' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) usage(`${flag} needs a value`);
    switch (flag) {
      case '--url': opts.url = value.replace(/\/?$/, '/'); break;
      case '--token': opts.token = value; break;
      case '--notebook': opts.notebook = value; break;
      case '--kernel': opts.kernel = value; break;
      case '--screenshot': opts.screenshot = value; break;
      case '--expect': opts.expect.push(value); break;
      case '--pngs': opts.pngs = Number(value); break;
      case '--timeout': opts.timeout = Number(value); break;
      default: usage(`unknown flag ${flag}`);
    }
  }
  if (!opts.url || !opts.notebook) usage('--url and --notebook are required');
  return opts;
}

function usage(msg) {
  console.error(`browser.mjs: ${msg}`);
  process.exit(2);
}

const log = (...a) => console.error(`[browser ${new Date().toISOString().slice(11, 23)}]`, ...a);

const opts = parseArgs(process.argv.slice(2));
const deadline = Date.now() + opts.timeout * 1000;
const left = () => Math.max(1000, deadline - Date.now());

const userDataDir = mkdtempSync(join(tmpdir(), 'goparallel-chromium-'));
const failures = [];
const report = { notebook: opts.notebook, pageErrors: [], consoleErrors: [] };
let context;
let page;
let code = 1;

try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
    timeout: 60000,
  });
  page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => report.pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') report.consoleErrors.push(m.text()); });
  page.on('dialog', (d) => d.accept()); // "leave page?" and the like

  const url = `${opts.url}notebooks/${encodeURIComponent(opts.notebook)}?token=${encodeURIComponent(opts.token || '')}`;
  log('open', url.replace(/token=[^&]*/, 'token=…'));
  await page.goto(url, { timeout: left() });

  // The notebook starts the kernel its metadata names; wait until it is up.
  const indicator = page.locator('.kernel_indicator_name');
  await page.waitForFunction(() => window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded,
    null, { timeout: left() });
  await page.waitForSelector('#kernel_indicator_icon.kernel_idle_icon', { timeout: left() });
  report.kernelAtOpen = (await indicator.textContent()).trim();
  log('kernel at open:', report.kernelAtOpen);

  // Kernel > Change kernel: the list the frontend offers.
  await page.click('#kernellink');
  await page.hover('#menu-change-kernel');
  const items = page.locator('#menu-change-kernel-submenu > li');
  await items.first().waitFor({ timeout: left() });
  report.kernelList = await items.evaluateAll((lis) => lis.map((li) => ({
    name: li.id.replace(/^kernel-submenu-/, ''), display: li.textContent.trim(),
  })));
  log('kernel list:', JSON.stringify(report.kernelList));
  const wanted = report.kernelList.find((k) => k.name === opts.kernel);
  if (!wanted) throw new Error(`kernel ${opts.kernel} is not in Kernel > Change kernel`);
  await page.click(`#kernel-submenu-${opts.kernel} > a`);

  // The indicator shows the new kernel's display name once it has started.
  await page.waitForFunction(([display, name]) => {
    const el = document.querySelector('.kernel_indicator_name');
    return el && el.textContent.trim() === display && Jupyter.notebook.kernel &&
      Jupyter.notebook.kernel.name === name && Jupyter.notebook.kernel.is_connected() &&
      document.querySelector('#kernel_indicator_icon.kernel_idle_icon') !== null;
  }, [wanted.display, opts.kernel], { timeout: left(), polling: 200 });
  report.kernelAfterChange = (await indicator.textContent()).trim();
  report.metadataKernel = await page.evaluate(() => (Jupyter.notebook.metadata.kernelspec || {}).name);
  log('kernel after change:', report.kernelAfterChange);

  // Cell > Run All.
  await page.click('#celllink');
  await page.click('#run_all_cells > a');
  const started = Date.now();
  // Run All marks every code cell [*] at once; done when none is left running
  // and the kernel has been idle for a second.
  let idleSince = 0;
  for (;;) {
    const s = await page.evaluate(() => ({
      running: [...document.querySelectorAll('.code_cell .input_prompt')]
        .filter((p) => p.textContent.includes('[*]')).length,
      idle: document.querySelector('#kernel_indicator_icon.kernel_idle_icon') !== null,
    }));
    if (s.running === 0 && s.idle) {
      if (!idleSince) idleSince = Date.now();
      if (Date.now() - idleSince >= 1000) break;
    } else {
      idleSince = 0;
    }
    if (Date.now() > deadline) throw new Error(`cells still running after ${opts.timeout}s (${s.running} [*])`);
    await page.waitForTimeout(250);
  }
  report.runSeconds = (Date.now() - started) / 1000;
  log(`run all done in ${report.runSeconds}s`);

  // What the page shows.
  report.cells = await page.evaluate(() => [...document.querySelectorAll('.cell.code_cell')].map((c) => ({
    prompt: (c.querySelector('.input_prompt') || {}).textContent?.replace(/\u00a0/g, ' ').trim() ?? '',
    source: c.querySelector('.CodeMirror') ? c.querySelector('.CodeMirror').CodeMirror.getValue() : '',
    text: [...c.querySelectorAll('.output_area')].map((o) => o.innerText).join('\n'),
    errors: c.querySelectorAll('.output_error').length,
    pngs: [...c.querySelectorAll('.output_area img')]
      .filter((i) => i.src.startsWith('data:image/png;base64,') && i.naturalWidth > 0)
      .map((i) => ({ width: i.naturalWidth, height: i.naturalHeight, bytes: i.src.length })),
  })));
  const shown = report.cells.map((c) => c.text).join('\n');
  report.pngs = report.cells.reduce((n, c) => n + c.pngs.length, 0);

  if (report.kernelAfterChange !== wanted.display) failures.push(`kernel indicator shows ${report.kernelAfterChange}`);
  if (report.metadataKernel !== opts.kernel) failures.push(`notebook metadata names kernel ${report.metadataKernel}`);
  let last = 0;
  report.cells.forEach((c, i) => {
    const m = /^In \[(\d+)\]:$/.exec(c.prompt);
    if (!m) failures.push(`code cell ${i} did not run (prompt "${c.prompt}")`);
    // An aborted cell (after an error, stop_on_error) keeps an earlier count.
    else if (Number(m[1]) <= last) failures.push(`code cell ${i} did not run (prompt "${c.prompt}" after In [${last}])`);
    else last = Number(m[1]);
    if (c.errors) failures.push(`code cell ${i} shows an error: ${c.text.slice(0, 500)}`);
  });
  for (const e of opts.expect) if (!shown.includes(e)) failures.push(`not shown: ${JSON.stringify(e)}`);
  if (report.pngs < opts.pngs) failures.push(`${report.pngs} inline PNG image(s) shown, want ${opts.pngs}`);

  // Save, so the server's copy has the outputs too (and no "leave page?" prompt).
  await page.evaluate(() => Jupyter.notebook.save_notebook());

  if (opts.screenshot) {
    // The notebook scrolls inside #site: grow the viewport so the whole notebook shows.
    const h = await page.evaluate(() => document.querySelector('#header').offsetHeight +
      document.querySelector('#notebook').scrollHeight);
    await page.setViewportSize({ width: 1280, height: Math.min(Math.max(900, h + 20), 16000) });
    await page.waitForTimeout(300);
    mkdirSync(dirname(opts.screenshot), { recursive: true });
    await page.screenshot({ path: opts.screenshot });
    report.screenshot = opts.screenshot;
  }

  code = failures.length ? 1 : 0;
} catch (e) {
  failures.push(`${e.name}: ${e.message}`);
  code = 1;
} finally {
  if (opts.screenshot && !report.screenshot && page) {
    // What the page showed when it went wrong, for the CI artifacts.
    mkdirSync(dirname(opts.screenshot), { recursive: true });
    await page.screenshot({ path: opts.screenshot, fullPage: true, timeout: 10000 })
      .then(() => { report.screenshot = opts.screenshot; }, (e) => log('screenshot:', e.message));
  }
  report.failures = failures;
  process.stdout.write(JSON.stringify(report, null, 1) + '\n');
  for (const f of failures) console.error(`FAIL: ${f}`);
  if (context) await context.close().catch((e) => log('close:', e.message));
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(code);
