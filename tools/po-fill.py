#!/usr/bin/env python3
"""po-fill.py PO TRANSLATIONS.tsv — set msgstr for msgids listed in a TSV
(msgid<TAB>msgstr), clearing their fuzzy flag. For bulk translation work;
msgmerge/msgfmt remain the source of truth for the file format."""
import re, sys

def unq(s):
    return s.encode('latin1', 'backslashreplace').decode('unicode_escape').encode('latin1').decode('utf-8') if False else \
        bytes(s, 'utf-8').decode('unicode_escape').encode('latin1').decode('utf-8')

def q(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'

po, tsv = sys.argv[1], sys.argv[2]
tr = {}
for line in open(tsv, encoding='utf-8'):
    line = line.rstrip('\n')
    if not line or line.startswith('#'):
        continue
    k, v = line.split('\t')
    # \n in the TSV stands for a line break, as in the po file
    tr[k.replace('\\n', '\n')] = v.replace('\\n', '\n')
blocks = open(po, encoding='utf-8').read().split('\n\n')
out = []
done = 0
for b in blocks:
    lines = b.split('\n')
    m = [i for i, l in enumerate(lines) if l.startswith('msgid ')]
    if not m:
        out.append(b); continue
    i = m[0]
    j = i + 1
    msgid = unq(lines[i][7:-1])
    while j < len(lines) and lines[j].startswith('"'):
        msgid += unq(lines[j][1:-1]); j += 1
    if msgid in tr:
        head = [l for l in lines[:i] if not (l.startswith('#,') and 'fuzzy' in l)]
        head = [l for l in head if not l.startswith('#|')]
        flags = [l for l in lines[:i] if l.startswith('#,') and 'c-format' in l]
        if flags and not any(l.startswith('#,') for l in head):
            head.append('#, c-format')
        out.append('\n'.join(head + ['msgid ' + q(msgid), 'msgstr ' + q(tr[msgid])]))
        done += 1
    else:
        out.append(b)
open(po, 'w', encoding='utf-8').write('\n\n'.join(out))
print(f'{po}: {done} set')
