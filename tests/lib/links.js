// tests/lib/links.js — what the link checker's tests share: a real HTTP
// server answering each kind of link (200, a HEAD it refuses, a redirect
// chain across hosts, 404, 500, never, a reset) and recording every request
// it gets, and a small catalog whose e-services and homepages point at it.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { root } from './server.js';

// Starts the server on every local address (127.0.0.2 … reach it too).
// seen: every request {host, path, method, ua, t}.
export async function linkServer() {
  const seen = [];
  let port = 0;
  const web = http.createServer((req, res) => {
    const host = (req.headers.host || '').replace(/:\d+$/, '');
    seen.push({ host, path: req.url, method: req.method, ua: req.headers['user-agent'], t: Date.now() });
    const go = (code, loc) => { res.writeHead(code, loc ? { location: loc } : {}); res.end(); };
    switch (req.url) {
      case '/ok': case '/home-a': case '/final': return go(200);
      case '/head-refused': return req.method === 'HEAD' ? go(405) : res.end('x'.repeat(100000));
      case '/chain/1': return go(301, '/chain/2');
      case '/chain/2': return go(302, `http://127.0.0.2:${port}/chain/3`);
      case '/chain/3': return go(308, '/final');
      case '/missing': case '/dead': return go(404);
      case '/error': return go(500);
      case '/hang': return undefined; // never answers
      case '/reset': return req.socket.destroy();
      case '/home-b': return go(301, `http://localhost:${port}/ok`);
      case '/loop': return go(301, '/loop');
      case '/ftp': return go(302, 'ftp://127.0.0.1/file');
      case '/long': return go(301, `/${'a'.repeat(3000)}`);
      default: return go(404);
    }
  });
  await new Promise((r) => web.listen(0, '0.0.0.0', r));
  port = web.address().port;
  return {
    port, seen,
    close() { web.closeAllConnections(); web.close(); },
  };
}

const L = (lv, en) => [{ '@language': 'lv', '@value': lv }, { '@language': 'en', '@value': en }];
const ONLINE = { '@id': 'https://epak.example/ns/channel-type/online' };

function service(id, org, url) {
  return {
    '@id': `https://epak.example/t/service/${id}`, '@type': 'cpsv:PublicService', 'dct:identifier': id,
    'dct:title': L(`Pakalpojums ${id}`, `Service ${id}`),
    'dct:description': L('Apraksts.', 'Description.'),
    'cv:hasCompetentAuthority': { '@id': `https://epak.example/t/org/${org}` },
    'epak:eService': true,
    'cv:hasChannel': [{
      '@id': `https://epak.example/t/channel/${id}`, '@type': 'cv:Channel', 'dct:identifier': `${id}/online`,
      'dct:type': ONLINE, 'foaf:page': { '@id': url }, 'dct:description': L('Uz e-pakalpojumu', 'To the e-service'),
    }],
  };
}

function org(id, homepage, phone, email) {
  return [{
    '@id': `https://epak.example/t/org/${id}`, '@type': ['cv:PublicOrganisation', 'org:Organization'],
    'dct:identifier': id, 'skos:prefLabel': L(`Iestāde ${id}`, `Institution ${id}`), 'epak:level': 'state',
    'dct:spatial': { '@id': 'http://publications.europa.eu/resource/authority/country/LVA' },
    'foaf:homepage': { '@id': homepage }, 'cv:contactPoint': [{ '@id': `https://epak.example/t/contact/${id}` }],
  }, {
    '@id': `https://epak.example/t/contact/${id}`, '@type': 'cv:ContactPoint', 'dct:identifier': `cp-${id}`,
    'dct:title': L(`Iestāde ${id}`, `Institution ${id}`), 'cv:telephone': phone, 'cv:email': email,
  }];
}

// Writes the catalog (two institutions, eleven e-services) into dir; returns its path.
export function linkCatalog(dir, port) {
  const ctx = JSON.parse(fs.readFileSync(path.join(root, 'data/catalog.jsonld')))['@context'];
  const a = `http://127.0.0.1:${port}`, b = `http://localhost:${port}`;
  const doc = {
    '@context': ctx,
    '@graph': [
      ...org('iestade-a', `${a}/home-a`, '+371 60000001', 'info@a.example.lv'),
      ...org('iestade-b', `${b}/home-b`, '+371 60000002', 'info@b.example.lv'),
      service('svc-ok', 'iestade-a', `${a}/ok`),
      service('svc-chain', 'iestade-a', `${a}/chain/1`),
      service('svc-head', 'iestade-a', `${a}/head-refused`),
      service('svc-dead', 'iestade-a', `http://127.0.0.3:${port}/dead`),
      service('svc-missing', 'iestade-b', `${b}/missing`),
      service('svc-error', 'iestade-b', `${b}/error`),
      service('svc-hang', 'iestade-b', `http://127.0.0.4:${port}/hang`),
      service('svc-reset', 'iestade-b', `http://127.0.0.5:${port}/reset`),
      service('svc-loop', 'iestade-b', `http://127.0.0.6:${port}/loop`),
      service('svc-ftp', 'iestade-b', `http://127.0.0.6:${port}/ftp`),
      service('svc-long', 'iestade-b', `http://127.0.0.6:${port}/long`),
    ],
  };
  const file = path.join(dir, 'catalog.jsonld');
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}
