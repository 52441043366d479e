#!/usr/bin/env python3
"""gen-catalog.py — a large JSON-LD catalog for measuring memory and speed.

Repeats the services of a reference catalog (CPSV-AP JSON-LD with an
@graph) until there are N of them, each copy with a new IRI and
dct:identifier and its copy number appended to its titles and descriptions
(so the text is not all identical). Organisations, events, contact points
and portals are kept once; the copies point to them as the originals do.

    tools/gen-catalog.py [--services N] [REFERENCE] > big.jsonld

Standard library only. The first copy keeps the reference's own IRIs and
identifiers.
"""
import argparse
import copy
import json
import sys


def suffix_text(value, tag):
    """Appends tag to every literal of a text property (str, value object or list)."""
    if isinstance(value, str):
        return value + tag
    if isinstance(value, list):
        return [suffix_text(v, tag) for v in value]
    if isinstance(value, dict) and "@value" in value:
        value = dict(value)
        value["@value"] = str(value["@value"]) + tag
    return value


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--services", type=int, default=100000, help="services to write (default 100000)")
    ap.add_argument("reference", nargs="?", default="../shared/testdata/catalog-lv/catalog.jsonld")
    args = ap.parse_args()

    with open(args.reference, encoding="utf-8") as f:
        doc = json.load(f)
    graph = doc["@graph"]
    services = [n for n in graph if "PublicService" in json.dumps(n.get("@type", ""))]
    others = [n for n in graph if n not in services]
    if not services:
        sys.exit("gen-catalog: no services in " + args.reference)

    out = []
    for i in range(args.services):
        k, src = divmod(i, len(services))
        s = services[src]
        if k:
            s = copy.deepcopy(s)
            if "@id" in s:
                s["@id"] = "%s-g%d" % (s["@id"], k)
            ident = s.get("dct:identifier")
            if isinstance(ident, str):
                s["dct:identifier"] = "%s-g%d" % (ident, k)
            for prop in ("dct:title", "dct:description"):
                if prop in s:
                    s[prop] = suffix_text(s[prop], " %d" % k)
        out.append(s)
    doc["@graph"] = others + out
    json.dump(doc, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
