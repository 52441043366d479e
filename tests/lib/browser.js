// tests/lib/browser.js — Debian's Chromium driven by playwright-core, and
// axe-core for WCAG 2.1 AA checks. No browser is downloaded.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
export const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// playwright-core gives every launch a fresh temporary profile of its own.
export async function launch({ env } = {}) {
  return chromium.launch({
    ...(env ? { env } : {}),
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
}

// Runs axe-core on the page; returns the violations at WCAG 2.1 A/AA.
// Evaluated through the DevTools protocol, so the page's CSP (no inline
// script) stays on for the page's own scripts.
export async function axe(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' :: ' + n.failureSummary),
    }));
  });
}

export function formatViolations(v) {
  return v.map((x) => `${x.id} (${x.impact}): ${x.help}\n    ${x.nodes.join('\n    ')}`).join('\n');
}

// check(page, name) for one test file: axe-core must find nothing, and the
// page is photographed as tests/out/screenshots/PREFIX-NAME.png for people
// to look at.
export function accessibilityCheck(prefix) {
  const shots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../out/screenshots');
  fs.mkdirSync(shots, { recursive: true });
  return async (page, name) => {
    const v = await axe(page);
    await page.screenshot({ path: path.join(shots, `${prefix}-${name}.png`), fullPage: true });
    assert.deepEqual(v, [], `${name}:\n${formatViolations(v)}`);
  };
}
