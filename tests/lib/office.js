// tests/lib/office.js — the back office's service form as a browser without
// JavaScript submits it: read every field of the edit page's form (inputs,
// text areas, selects, the buttons), change some, post it back.
const ENT = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" };

function decode(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENT[e] ?? m;
  });
}

function attr(tag, name) {
  const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`, 'i'));
  return m ? decode(m[1]) : null;
}

// The service form of an edit page: { action, fields: [[name, value]],
// buttons: [{name, value, label}], title, base }.
export function parseForm(html) {
  const forms = [...html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)].map((m) => m[0]);
  const form = forms.find((f) => /method="post"/i.test(f) && /name="[^"]*title[^"]*"/i.test(f));
  if (!form) return null;
  const fields = [];
  const buttons = [];
  for (const m of form.matchAll(/<(input|textarea|select|button)\b([^>]*)>([\s\S]*?)(?=<(?:input|textarea|select|button|\/form)\b)/gi)) {
    const [, kind, attrs, rest] = m;
    const tag = `<${kind}${attrs}>`;
    const name = attr(tag, 'name');
    if (!name || /\sdisabled\b/i.test(attrs)) continue;
    const k = kind.toLowerCase();
    if (k === 'button' || (k === 'input' && /type="submit"/i.test(attrs))) {
      buttons.push({ name, value: attr(tag, 'value') ?? '', label: decode(rest.replace(/<\/button>[\s\S]*/, '').replace(/<[^>]+>/g, '').trim()) });
    } else if (k === 'input') {
      const type = (attr(tag, 'type') || 'text').toLowerCase();
      if ((type === 'checkbox' || type === 'radio') && !/\schecked\b/i.test(attrs)) continue;
      fields.push([name, attr(tag, 'value') ?? (type === 'checkbox' ? 'on' : '')]);
    } else if (k === 'textarea') {
      fields.push([name, decode(rest.replace(/<\/textarea>[\s\S]*/, '').replace(/^\n/, ''))]);
    } else if (k === 'select') {
      const body = rest.replace(/<\/select>[\s\S]*/, '');
      const opts = [...body.matchAll(/<option\b([^>]*)>/gi)].map((o) => o[1]);
      const sel = opts.find((o) => /\sselected\b/i.test(o)) ?? opts[0];
      if (sel !== undefined) fields.push([name, attr(`<option${sel}>`, 'value') ?? '']);
    }
  }
  const formTag = form.match(/<form\b[^>]*>/i)[0];
  const titleField = fields.find(([n]) => /title/i.test(n) && /lv/i.test(n));
  return {
    action: attr(formTag, 'action'), fields, buttons,
    title: titleField ? titleField[1] : null,
    titleName: titleField ? titleField[0] : null,
  };
}

// The edit page's form of slug, as browser b sees it.
export async function editForm(b, slug) {
  const res = await b.get(`/birojs/pakalpojumi/${slug}`);
  if (res.status !== 200) throw new Error(`edit page of ${slug}: ${res.status}`);
  const f = parseForm(res.html);
  if (!f) throw new Error(`edit page of ${slug}: no service form`);
  return f;
}
editForm.parse = parseForm;

// Posts the service form of slug (form: as read before, or read now) with
// changes: { title } sets the Latvian title; action 'draft' or 'publish'
// presses the button whose value or label says so.
export async function saveService(b, slug, changes, action, form = null) {
  const f = form || await editForm(b, slug);
  const fields = f.fields.map(([n, v]) => [n, n === f.titleName && changes.title !== undefined ? changes.title : v]);
  const want = action === 'publish' ? /publ/i : /draft|melnrakst|saglab|save/i;
  const btn = f.buttons.find((x) => want.test(x.value) || want.test(x.label));
  if (!btn) throw new Error(`no ${action} button among ${JSON.stringify(f.buttons)}`);
  fields.push([btn.name, btn.value]);
  const csrf = fields.find(([n]) => n === '_csrf');
  const body = new URLSearchParams(fields.filter(([n]) => n !== '_csrf'));
  if (csrf) body.set('_csrf', csrf[1]);
  const url = f.action && f.action.startsWith('/') ? f.action : `/birojs/pakalpojumi/${slug}`;
  const res = await fetch(b.base + url, {
    method: 'POST', redirect: 'manual', body: body.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.cookie() },
  });
  b.take(res);
  res.html = await res.text();
  return res;
}

// The public page of slug at base, once re matches it (want) or stops
// matching (!want): the read model refreshes within a second or two.
export async function publicPage(base, slug, re, want = true, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await fetch(`${base}/pakalpojumi/${slug}`);
    const html = await res.text();
    if (re.test(html) === want) return html;
    if (Date.now() > deadline) throw new Error(`public page of ${slug}: ${re} ${want ? 'never appeared' : 'never went'}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
