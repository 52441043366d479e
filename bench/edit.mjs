// bench/edit.mjs BASE SLUG LOGIN PASSWORD [ROUNDS] — an institution editor
// opens a service's form in the back office, changes its Latvian title,
// publishes, and the time until the public page shows the new title is
// measured (the edit-to-public-page time of issue 11). Prints one line per
// round and the median. Used by bench/edit.sh.
const [base, slug, login, password, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg || 5);
const jar = new Map();

function cookie() { return [...jar].map(([k, v]) => `${k}=${v}`).join('; '); }
function take(res) {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
  }
}
async function get(p) {
  const res = await fetch(base + p, { redirect: 'manual', headers: { cookie: cookie() } });
  take(res);
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}
async function post(p, fields) {
  const res = await fetch(base + p, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
  });
  take(res);
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}
const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

// Every successful control of the first form with method="post" in html.
function formFields(html, marker) {
  const start = html.indexOf(marker);
  const form = html.slice(start, html.indexOf('</form>', start));
  const out = [];
  for (const m of form.matchAll(/<input\b([^>]*)>/g)) {
    const a = m[1];
    const name = (a.match(/\bname="([^"]*)"/) || [])[1];
    if (!name) continue;
    const type = (a.match(/\btype="([^"]*)"/) || [, 'text'])[1];
    if ((type === 'checkbox' || type === 'radio') && !/\bchecked\b/.test(a)) continue;
    if (type === 'submit') continue;
    out.push([name, unescape((a.match(/\bvalue="([^"]*)"/) || [, ''])[1])]);
  }
  for (const m of form.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
    out.push([m[1].match(/\bname="([^"]*)"/)[1], unescape(m[2])]);
  }
  for (const m of form.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
    const sel = m[2].match(/<option value="([^"]*)"[^>]*\bselected/) || m[2].match(/<option value="([^"]*)"/);
    out.push([m[1].match(/\bname="([^"]*)"/)[1], unescape(sel ? sel[1] : '')]);
  }
  return out;
}

let res = await get('/pieteikties');
const csrf = res.html.match(/name="_csrf" value="([^"]+)"/)[1];
res = await post('/pieteikties', { _csrf: csrf, login, password });
if (res.status !== 303) throw new Error(`login: ${res.status}`);
const times = [];
for (let i = 1; i <= rounds; i++) {
  const form = await get(`/birojs/pakalpojumi/${slug}`);
  if (form.status !== 200) throw new Error(`form: ${form.status}`);
  const fields = formFields(form.html, `action="/birojs/pakalpojumi/${slug}"`);
  const title = `Mērījums ${Date.now()} ${i}`;
  const body = new URLSearchParams();
  for (const [k, v] of fields) body.append(k, k === 'title.lv' ? title : v);
  body.append('darbiba', 'publicet');
  const t0 = performance.now();
  const saved = await fetch(`${base}/birojs/pakalpojumi/${slug}`, {
    method: 'POST', redirect: 'manual', body: body.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
  });
  const t1 = performance.now();
  if (saved.status !== 303) throw new Error(`publish: ${saved.status}\n${(await saved.text()).slice(0, 2000)}`);
  for (;;) {
    const page = await fetch(`${base}/pakalpojumi/${slug}`);
    if ((await page.text()).includes(title)) break;
    if (performance.now() - t0 > 120000) throw new Error('the public page did not change in 2 minutes');
    await new Promise((r) => setTimeout(r, 10));
  }
  const t2 = performance.now();
  times.push(t2 - t0);
  console.log(`round ${i}: publish answered in ${(t1 - t0).toFixed(0)} ms, public page changed after ${(t2 - t0).toFixed(0)} ms`);
  await new Promise((r) => setTimeout(r, 1500));
}
times.sort((a, b) => a - b);
console.log(`edit to public page: median ${times[Math.floor(times.length / 2)].toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms (${rounds} rounds)`);
