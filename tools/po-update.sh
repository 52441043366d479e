#!/bin/bash
# tools/po-update.sh — `make po`: gather every msgid (templates through
# `epak msgids`, C sources through xgettext's N_ and i18n_tr keywords) into
# po/epak.pot and merge it into each po/LANG.po. Translate the new entries,
# then `make` compiles them.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s build/epak
{
	printf 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
	./build/epak msgids --templates templates
} > build/templates-raw.pot
msguniq --use-first --no-wrap -o build/templates.pot build/templates-raw.pot
xgettext --from-code=UTF-8 --language=C --keyword=N_ --keyword=i18n_tr:2 --add-comments \
	--no-wrap -o build/c.pot $(find src -name '*.c' | sort)
msgcat --use-first --no-wrap -o po/epak.pot build/templates.pot build/c.pot
for po in po/*.po; do
	msgmerge --quiet --update --backup=none --no-wrap "$po" po/epak.pot
	echo "$po: $(msgfmt --statistics -o /dev/null "$po" 2>&1)"
done
