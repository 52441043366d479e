#!/usr/bin/env python3
"""search-compare.py — search answers of two epak builds, byte for byte.

Starts `epak serve` from each binary on its own SQLite folder with the same
catalog, templates, static files, translations and search data, then asks
both, for every query of the query files (query<TAB>expected<TAB>class):

    /api/v1/search?q=Q            and &limit=100, &limit=5&offset=3,
                                  &eservice=1, and &institution=ID, &event=ID
                                  for the first answer's first two
                                  institution and event facets
    /api/v1/suggest?q=P           P: Q, and Q without its last two bytes
    /meklet?q=Q, /en/meklet?q=Q   the results pages

and compares status, Content-Type and body byte for byte. The queries of
data/search/best-bets.tsv are asked too (class "best-bet", not counted
in the figures). It also prints
MRR@10 and Success@1 per class computed from the second server's API
answers (top 10, a hit is any expected id), to set beside
`epak search-eval`: those are the figures the server gives people.

    tools/search-compare.py --a OLD/build/epak --b build/epak \\
        [--catalog FILE] [--root DIR] QUERIES.tsv...

Exit status 0 when every answer is identical, 1 otherwise. Standard library
only; --root (default: this tree) gives templates/, static/, build/locale/
and data/search/ to both servers.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, catalog, root):
        self.data = tempfile.mkdtemp(prefix='epak-cmp-')
        self.port = free_port()
        common = ['--data', self.data, '--templates', os.path.join(root, 'templates'),
                  '--static', os.path.join(root, 'static'), '--locale', os.path.join(root, 'build/locale'),
                  '--search-data', os.path.join(root, 'data/search')]
        subprocess.run([binary, 'migrate'] + common, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([binary, 'import'] + common + [catalog], check=True, stdout=subprocess.DEVNULL)
        self.log = open(os.path.join(self.data, 'log'), 'w')
        self.proc = subprocess.Popen([binary, 'serve'] + common + ['--listen', f'127.0.0.1:{self.port}',
                                                                  '--threads', '2'],
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 60
        while True:
            try:
                if self.get('/api/v1/health')[0] == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise SystemExit(f'{binary} did not start (log in {self.data}/log)')
            time.sleep(0.1)

    def get(self, path):
        try:
            with urllib.request.urlopen(f'http://127.0.0.1:{self.port}{path}', timeout=30) as r:
                return r.status, r.headers.get('Content-Type'), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get('Content-Type'), e.read()

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)


def read_queries(paths):
    out = []
    for p in paths:
        with open(p, encoding='utf-8') as f:
            for n, line in enumerate(f):
                line = line.rstrip('\r\n')
                if n == 0 or not line or line.startswith('#'):
                    continue
                q, expected, cls = line.split('\t')[:3]
                out.append((q, expected.split(','), cls))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--a', required=True, help='the reference binary (e.g. built from main)')
    ap.add_argument('--b', required=True, help='the binary under test')
    ap.add_argument('--catalog', default=os.path.join(ROOT, '../shared/testdata/catalog-lv/catalog.jsonld'))
    ap.add_argument('--root', default=ROOT)
    ap.add_argument('queries', nargs='+')
    args = ap.parse_args()

    queries = read_queries(args.queries)
    bets = os.path.join(args.root, 'data/search/best-bets.tsv')
    if os.path.exists(bets):
        with open(bets, encoding='utf-8') as f:
            queries += [(line.split('\t')[0], [], 'best-bet') for line in f
                        if line.strip() and not line.startswith('#')]
    a = Server(args.a, args.catalog, args.root)
    try:
        b = Server(args.b, args.catalog, args.root)
    except BaseException:
        a.stop()
        raise
    compared = differ = 0
    classes = {}
    try:
        for q, expected, cls in queries:
            qq = urllib.parse.quote(q)
            paths = [f'/api/v1/search?q={qq}', f'/api/v1/search?q={qq}&limit=100',
                     f'/api/v1/search?q={qq}&limit=5&offset=3', f'/api/v1/search?q={qq}&eservice=1', f'/meklet?q={qq}', f'/en/meklet?q={qq}',
                     f'/api/v1/suggest?q={qq}']
            short = q.encode()[:-2].decode('utf-8', 'ignore')
            if short:
                paths.append('/api/v1/suggest?q=' + urllib.parse.quote(short))
            first = a.get(paths[0])
            if first[0] == 200:
                facets = json.loads(first[2])['facets']
                for kind, param in (('institution', 'institution'), ('event', 'event')):
                    for f in facets[kind][:2]:
                        paths.append(f'/api/v1/search?q={qq}&{param}={urllib.parse.quote(f["id"])}')
            for p in paths:
                ra, rb = a.get(p), b.get(p)
                compared += 1
                if ra != rb:
                    differ += 1
                    print(f'DIFFERENT {p}: {ra[0]} {len(ra[2])} bytes vs {rb[0]} {len(rb[2])} bytes')
            if cls == 'best-bet':
                continue
            rank = 0
            status, _, body = b.get(f'/api/v1/search?q={qq}&limit=10')
            if status == 200:
                ids = [h['id'] for h in json.loads(body)['results']]
                rank = next((i + 1 for i, x in enumerate(ids) if x in expected), 0)
            c = classes.setdefault(cls, [0, 0.0, 0])
            c[0] += 1
            c[1] += 1 / rank if rank else 0
            c[2] += rank == 1
    finally:
        a.stop()
        b.stop()
    print(f'\nserver {args.b}: quality from /api/v1/search (top 10)')
    print(f'{"class":13} {"n":>4} {"MRR@10":>7} {"S@1":>7}')
    n = mrr = s1 = 0
    for cls, (cn, cm, cs) in classes.items():
        print(f'{cls:13} {cn:4} {cm / cn:7.3f} {cs / cn:7.3f}')
        n, mrr, s1 = n + cn, mrr + cm, s1 + cs
    if n:
        print(f'{"overall":13} {n:4} {mrr / n:7.3f} {s1 / n:7.3f}')
    print(f'\n{compared} answers compared, {differ} different')
    return 1 if differ else 0


if __name__ == '__main__':
    sys.exit(main())
