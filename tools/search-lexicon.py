#!/usr/bin/env python3
"""search-lexicon.py — generate data/search/lexicon.tsv, the table from a
folded word form to its Latvian lemma(s) that epak's search analyzer reads.

    tools/search-lexicon.py [-o data/search/lexicon.tsv] [--words data/search/situations.tsv] CATALOG.jsonld...

Recipe (docs/search.md, "Lexicon"):
 1. Take every word of the catalogs' Latvian text (titles, descriptions,
    keywords, institution and event names), and of the phrases of
    situations.tsv (--words: its third and later fields; '|' separates
    alternatives), so the words people use for what happened to them are
    known in every form ("pārcelties" -> "pārcēlos").
 2. Lemmatise each with hunspell-lv (`hunspell -d lv_LV -s`), which maps
    inflected and derived forms to the dictionary entry ("deklarēšanu" ->
    "deklarēt", "suņa" -> "suns").
 3. Expand each lemma's dictionary entry through the affix file's suffix
    rules (two levels, as hunspell applies them) to all its forms, so a query
    may use a form the catalog never does ("dzīvesvietu").
 4. Keep a generated form only when hunspell itself lemmatises it back to the
    same lemma (the expander may over-generate; hunspell is the judge).
 5. Fold every form (lower case, diacritics removed: the analyzer's folding)
    and write "folded<TAB>lemma[<TAB>lemma...]", sorted.

Needs the Debian packages hunspell and hunspell-lv (mk/deps.sh). Run it
again when the catalog's vocabulary grows; words it does not know fall back to
the analyzer's suffix stemmer, so a stale table degrades, never breaks.
"""
import argparse
import json
import re
import subprocess
import sys
import unicodedata

DICT_DIR = "/usr/share/hunspell"
WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


def fold(s):
    s = unicodedata.normalize("NFD", s.lower())
    return "".join(c for c in s if unicodedata.category(c) != "Mn")


def catalog_texts(node, out):
    """Every Latvian (or untagged) string in a JSON-LD tree."""
    if isinstance(node, dict):
        if "@value" in node:
            if node.get("@language", "lv") == "lv" and isinstance(node["@value"], str):
                out.append(node["@value"])
            return
        for k, v in node.items():
            if k in ("@id", "@type", "@context"):
                continue
            catalog_texts(v, out)
    elif isinstance(node, list):
        for v in node:
            catalog_texts(v, out)
    elif isinstance(node, str):
        out.append(node)


def hunspell_stems(words):
    """word -> set of lemmas, by one batch run of hunspell -s."""
    words = list(words)
    res = {}
    if not words:
        return res
    p = subprocess.run(["hunspell", "-d", DICT_DIR + "/lv_LV", "-s", "-i", "utf-8"],
                       input="\n".join(words) + "\n", capture_output=True, text=True, check=True)
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2:
            res.setdefault(parts[0], set()).add(parts[1])
    return res


class Affixes:
    def __init__(self, path):
        self.sfx = {}   # flag -> [(strip, add, contflags, cond regex)]
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        i = 0
        while i < len(lines):
            parts = lines[i].split()
            if len(parts) >= 4 and parts[0] == "SFX" and parts[2] in ("Y", "N"):
                flag, n = parts[1], int(parts[3])
                rules = []
                for j in range(1, n + 1):
                    r = lines[i + j].split()
                    strip = "" if r[2] == "0" else r[2]
                    add, cont = (r[3].split("/", 1) + [""])[:2]
                    add = "" if add == "0" else add
                    cond = r[4] if len(r) > 4 else "."
                    rules.append((strip, add, cont, re.compile("(?:" + cond + ")$")))
                self.sfx[flag] = rules
                i += n
            i += 1

    def expand(self, word, flags, depth=2):
        out = set()
        if depth == 0:
            return out
        for fl in flags:
            for strip, add, cont, cond in self.sfx.get(fl, ()):
                if not cond.search(word) or (strip and not word.endswith(strip)):
                    continue
                form = (word[: len(word) - len(strip)] if strip else word) + add
                out.add(form)
                if cont:
                    out |= self.expand(form, cont, depth - 1)
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default="data/search/lexicon.tsv")
    ap.add_argument("--words", action="append", default=[],
                    help="a situations.tsv whose phrases' words to add")
    ap.add_argument("catalogs", nargs="+")
    a = ap.parse_args()

    texts = []
    for c in a.catalogs:
        with open(c, encoding="utf-8") as f:
            catalog_texts(json.load(f), texts)
    for path in a.words:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or line.startswith("!"):
                    continue
                texts.extend(p.replace("|", " ") for p in line.rstrip("\n").split("\t")[2:])
    words = set()
    for t in texts:
        for w in WORD_RE.findall(t):
            words.add(w)
            words.add(w.lower())
    stems = hunspell_stems(sorted(words))
    lemmas = set()
    for s in stems.values():
        lemmas |= s

    entries = {}
    with open(DICT_DIR + "/lv_LV.dic", encoding="utf-8") as f:
        next(f)
        for line in f:
            head = line.split()[0] if line.strip() else ""
            w, _, flags = head.partition("/")
            if w in lemmas:
                entries.setdefault(w, set()).update(flags)
    aff = Affixes(DICT_DIR + "/lv_LV.aff")
    candidates = {}
    for lemma, flags in entries.items():
        for form in aff.expand(lemma, flags) | {lemma}:
            candidates.setdefault(form, set()).add(lemma)
    checked = hunspell_stems(sorted(candidates))

    table = {}
    for form, lems in candidates.items():
        ok = checked.get(form, set()) & lems
        for lemma in ok:
            table.setdefault(fold(form), set()).add(lemma.lower())
    for w, s in stems.items():  # the catalog's own words, as hunspell saw them
        for lemma in s:
            table.setdefault(fold(w), set()).add(lemma.lower())

    with open(a.output, "w", encoding="utf-8") as f:
        f.write("# lexicon.tsv — folded word form -> Latvian lemma(s). Generated by\n")
        f.write("# tools/search-lexicon.py from hunspell-lv; do not edit by hand.\n")
        for form in sorted(table):
            if len(form) < 2:
                continue
            f.write(form + "\t" + "\t".join(sorted(table[form])) + "\n")
    print(f"{len(words)} catalog words, {len(lemmas)} lemmas, {len(table)} folded forms -> {a.output}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
