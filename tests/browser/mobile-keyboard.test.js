// tests/browser/mobile-keyboard.test.js — results first, on phones and with
// the keyboard (issue 13): at 320 x 640 the header and menu take less than a
// third of the screen and the first search result is on the first screen;
// the facets fold under "Sašaurināt" on narrow screens and stand open on
// wide ones; Enter in the search box then one Tab reaches the first result,
// with JavaScript and without; every target passes WCAG 2.5.8 (axe-core's
// target-size) beside WCAG 2.1 AA, in both languages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { root, startServer } from '../lib/server.js';
import { launch, axeSource, formatViolations } from '../lib/browser.js';
import { citizenSession } from '../lib/auth.js';

const shots = path.join(root, 'tests/out/screenshots');
const PHONE = { width: 320, height: 640 };
const WIDE = { width: 1280, height: 900 };
// A third of the phone's first screen: 640 / 3.
const THIRD = 640 / 3;
// A query with many results in the demo catalog (checked below).
const MANY = 'apliecība';

let srv;
let browser;
before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer({ imports: [path.join(root, 'data/catalog.jsonld')] });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

// axe-core at WCAG 2.0/2.1 A and AA plus 2.2 AA (target-size, 2.5.8).
async function axe22(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' :: ' + n.failureSummary),
    }));
  });
}

// The header (account bar, brand, search box, language) and the menu, as
// laid out: from the top of the page to the bottom of the <header>.
const headerBottom = (page) => page.$eval('header.site-header', (h) => h.getBoundingClientRect().bottom);

test('the query used here has many results', async () => {
  const j = await (await fetch(`${srv.base}/api/v1/search?q=${encodeURIComponent(MANY)}`)).json();
  assert.ok(j.total >= 10, `"${MANY}" finds ${j.total}`);
});

test('at 320 x 640 the header and menu take less than a third of the first screen', async () => {
  for (const js of [true, false]) {
    const ctx = await browser.newContext({ viewport: PHONE, javaScriptEnabled: js });
    const page = await ctx.newPage();
    for (const p of ['/', '/en/', '/pakalpojumi/lv-dzivesvietas-deklaresana', '/en/pakalpojumi/lv-pases-sanemsana',
      `/meklet?q=${encodeURIComponent(MANY)}`, '/parbaudit', '/en/nosutit']) {
      await page.goto(srv.base + p);
      const h = await headerBottom(page);
      assert.ok(h < THIRD, `${p} (JavaScript ${js ? 'on' : 'off'}): header ${h} px, more than ${THIRD.toFixed(0)}`);
      // the menu is there, folded: one tap opens it, and every item is reachable
      assert.equal(await page.$eval('.nav-box', (d) => d.open), false, `${p}: menu folded`);
      await page.click('.nav-box > summary');
      assert.ok(await page.isVisible('.site-nav a[href$="/nosutit"]'), `${p}: the menu opens`);
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 320, `${p}: no sideways scrolling`);
    }
    await ctx.close();
  }
});

test('at 320 x 640 a logged-in person\'s header stays under a third too', async () => {
  const ctx = await browser.newContext({ viewport: PHONE });
  await ctx.addCookies([{ name: 'epak_session', value: citizenSession(srv, 'ANNA BĒRZIŅA-OZOLIŅA'), url: srv.base }]);
  const page = await ctx.newPage();
  for (const p of ['/', '/en/', `/meklet?q=${encodeURIComponent(MANY)}`]) {
    await page.goto(srv.base + p);
    assert.ok(await page.isVisible('.account-name'), `${p}: logged in`);
    // the one-time "your previous login" notice is a message, not the header
    const notice = await page.$eval('header', (h) => h.querySelector('.login-notice')?.getBoundingClientRect().height || 0);
    const h = await headerBottom(page) - notice;
    assert.ok(h < THIRD, `${p}: header ${h} px, more than ${THIRD.toFixed(0)}`);
  }
  await page.screenshot({ path: path.join(shots, 'search-320-logged-in.png') });
  await ctx.close();
});

test('on wide screens the menu and the facets stand open, with JavaScript and without', async () => {
  for (const js of [true, false]) {
    const ctx = await browser.newContext({ viewport: WIDE, javaScriptEnabled: js });
    const page = await ctx.newPage();
    await page.goto(`${srv.base}/meklet?q=${encodeURIComponent(MANY)}`);
    assert.ok(await page.isVisible('.site-nav a[href="/pakalpojumi"]'), `menu visible (JavaScript ${js})`);
    assert.equal(await page.isVisible('.nav-box > summary'), false, 'no menu toggle');
    assert.ok(await page.isVisible('.facets a[href*="e=1"]'), `facets visible (JavaScript ${js})`);
    assert.equal(await page.isVisible('.facets-box > summary'), false, 'no facets toggle');
    if (js) assert.equal(await page.$eval('.facets-box', (d) => d.open), true, 'the <details> is open, as it shows');
    // results left, facets right: the order they are read and tabbed in
    const [res, fac] = await Promise.all([page.$eval('ol.results', (e) => e.getBoundingClientRect().left),
      page.$eval('.facets', (e) => e.getBoundingClientRect().left)]);
    assert.ok(res < fac, 'the results come first on the line');
    await page.screenshot({ path: path.join(shots, 'search-1280.png'), fullPage: true });
    await ctx.close();
  }
});

test('at 320 px the first result is on the first screen, the facets folded under "Sašaurināt" after the results', async () => {
  for (const [prefix, refine] of [['', 'Sašaurināt'], ['/en', 'Refine']]) {
    for (const js of [true, false]) {
      const ctx = await browser.newContext({ viewport: PHONE, javaScriptEnabled: js });
      const page = await ctx.newPage();
      // a plain link to the results (no #rezultati): the layout alone puts them on the first screen
      await page.goto(`${srv.base}${prefix}/meklet?q=${encodeURIComponent(MANY)}`);
      const first = await page.$eval('ol.results li a', (a) => a.getBoundingClientRect().bottom);
      assert.ok(first <= 640, `${prefix || '/lv'} (JavaScript ${js}): the first result ends at ${first} px`);
      assert.equal(await page.$eval('.facets-box', (d) => d.open), false, 'facets folded');
      assert.equal((await page.textContent('.facets-box > summary')).trim(), refine);
      assert.equal(await page.isVisible('.facets a[href*="e=1"]'), false, 'facet links hidden while folded');
      const [lastResult, facets] = await Promise.all([
        page.$eval('ol.results > li:last-child', (e) => e.getBoundingClientRect().bottom),
        page.$eval('.facets', (e) => e.getBoundingClientRect().top)]);
      assert.ok(lastResult <= facets, 'the facets come after the results');
      // open without JavaScript too: a <details>
      await page.click('.facets-box > summary');
      assert.ok(await page.isVisible('.facets a[href*="e=1"]'), 'the facets open');
      if (!prefix && js) {
        await page.click('.facets-box > summary');
        await page.screenshot({ path: path.join(shots, 'search-320.png'), fullPage: true });
        await page.screenshot({ path: path.join(shots, 'search-320-first-screen.png') });
      }
      await ctx.close();
    }
  }
});

test('Enter in the search box, then one Tab, reaches the first result (JavaScript on and off)', async () => {
  for (const js of [true, false]) {
    for (const [start, box] of [['/', '#q'], ['/meklet', '#q-big'], ['/en/pakalpojumi', '#q-big'], ['/en/', '#q']]) {
      for (const viewport of [PHONE, WIDE]) {
        const ctx = await browser.newContext({ viewport, javaScriptEnabled: js });
        const page = await ctx.newPage();
        await page.goto(srv.base + start);
        await page.fill(box, MANY);
        await Promise.all([page.waitForURL(/\/meklet\?q=/), page.press(box, 'Enter')]);
        await page.waitForLoadState('load');
        const where = `${start} ${box} ${viewport.width} px, JavaScript ${js ? 'on' : 'off'}`;
        assert.match(page.url(), /#rezultati$/, where);
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const a = document.activeElement;
          const first = document.querySelector('ol.results li a');
          return { same: a === first, text: a.textContent, tag: a.tagName };
        });
        assert.ok(focused.same, `${where}: Tab went to ${focused.tag} "${focused.text}"`);
        // and the focused result is on the screen
        const r = await page.evaluate(() => document.activeElement.getBoundingClientRect().bottom);
        assert.ok(r > 0 && r <= viewport.height, `${where}: the first result is in view (${r})`);
        await ctx.close();
      }
    }
  }
});

test('the results heading says how many were found and takes the focus', async () => {
  const ctx = await browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/meklet?q=${encodeURIComponent(MANY)}#rezultati`);
  assert.match(await page.textContent('#rezultati'), /^Atrasti pakalpojumi: \d+$/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'rezultati');
  await page.goto(`${srv.base}/en/meklet?q=zzzqqqxx#rezultati`);
  assert.equal((await page.textContent('#rezultati')).trim(), 'Nothing was found.');
  assert.equal(await page.$('.facets'), null, 'no facets for nothing');
  await ctx.close();
});

const checked = ['/', '/meklet?q=' + encodeURIComponent(MANY), '/meklet?q=zzzqqqxx', '/pakalpojumi',
  '/pakalpojumi/lv-dzivesvietas-deklaresana', '/palidziba', '/parbaudit', '/nosutit', '/buj', '/iestades/pmlp',
  '/e-pakalpojumi?lapa=2', '/drosiba', '/e-zime', '/atsauksmes', '/iestades', '/kontakti', '/ka-sakt', '/jautajums',
  '/materiali', '/jaunumi', '/pieteikties'];
for (const lang of ['', '/en']) {
  for (const viewport of [PHONE, WIDE]) {
    test(`${lang || '/lv'} pages at ${viewport.width} px pass axe-core: WCAG 2.1 AA and target size (2.5.8)`, async () => {
      const ctx = await browser.newContext({ bypassCSP: true, viewport });
      const page = await ctx.newPage();
      for (const p of checked) {
        await page.goto(srv.base + lang + p);
        let v = await axe22(page);
        assert.deepEqual(v, [], `${lang}${p}:\n${formatViolations(v)}`);
        if (viewport === PHONE) { // the menu opened, too
          await page.click('.nav-box > summary');
          v = await axe22(page);
          assert.deepEqual(v, [], `${lang}${p}, menu open:\n${formatViolations(v)}`);
        }
      }
      await ctx.close();
    });
  }
}
