#!/usr/bin/env python3
# tools/lint-conditions.py — `make lint`: no assignment inside an if, while
# or do-while condition (docs/CODE_STYLE.md). clang-tidy 14 (Debian 12) has
# no check for the parenthesised form `if ((x = f()))`, and the compiler
# accepts it, so this reads the C files themselves: it joins each condition
# across lines, drops comments and string and character literals, and
# looks for =, +=, -= ... that are not ==, !=, <= or >=. `for` headers are
# allowed their assignments. Prints file:line: condition; exits 1 if any.
import re
import sys

ASSIGN = re.compile(r'(?<![=!<>+\-*/%&|^])(=|\+=|-=|\*=|/=|%=|&=|\|=|\^=|<<=|>>=)(?!=)')
KEYWORD = re.compile(r'\b(if|while)\s*\(')


def strip(text):
    """Comments and literals become spaces (newlines kept, so lines still count)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(c + ' ' * (min(j, n) - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def conditions(text):
    """Yields (offset, condition text) of every if/while condition."""
    for m in KEYWORD.finditer(text):
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {'(': 1, ')': -1}.get(text[j], 0)
            j += 1
        yield m.start(), text[m.end():j - 1]


def main(paths):
    bad = 0
    for path in paths:
        with open(path, encoding='utf-8') as f:
            text = strip(f.read())
        # preprocessor lines (macros may assign in their own loops) are skipped
        text = re.sub(r'(?m)^\s*#.*(\\\n.*)*', lambda m: re.sub(r'[^\n]', ' ', m.group(0)), text)
        for off, cond in conditions(text):
            if ASSIGN.search(cond):
                line = text.count('\n', 0, off) + 1
                print(f'{path}:{line}: assignment in a condition: {" ".join(cond.split())[:100]}')
                bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
