# epak — GNU Make build. Read the README first; the targets that matter:
#   make run    install what is missing, build, migrate, load demo data, serve :8080
#   make test   install what tests need, build with ASan+UBSan, run every test
#   make lint   clang-format check, cppcheck, banned functions
#   make fuzz   run each fuzz target for FUZZ_SECONDS
#   make bench  wrk against epak and nginx serving the same bytes

SHELL := /bin/bash
.DEFAULT_GOAL := all

# C libraries, each by its pkg-config name (Debian -dev packages in mk/deps.sh).
PKGS := libh2o-evloop openssl sqlite3 libpq jansson libsodium libcmark libutf8proc \
	libxml-2.0 libzip libcurl serd-0 liboath libmagic \
	libsystemd

CC ?= cc
BASE_CFLAGS := -std=c17 -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -Wall -Wextra -Werror \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter \
	-Isrc -pthread
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lz -lm

REL_CFLAGS := -O2 -g
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

# B: the build folder; SRC may be narrowed on the command line to build one
# module's tests in isolation (e.g. make B=build-x SRC="src/core/buf.c" ...).
B ?= build
SRC ?= $(sort $(shell find src -name '*.c' ! -path 'src/main.c'))
HDR := $(shell find src -name '*.h' -o -name '*.def')
UNIT := $(sort $(wildcard tests/unit/test_*.c))

PO := $(wildcard po/*.po)
MO := $(PO:po/%.po=$(B)/locale/%/LC_MESSAGES/epak.mo)
REL_OBJ := $(SRC:%.c=$(B)/rel/%.o)
SAN_OBJ := $(SRC:%.c=$(B)/asan/%.o)
SAN_TESTS := $(UNIT:tests/unit/%.c=$(B)/asan/tests/%)

# V=1 shows full command lines.
Q := $(if $(V),,@)
SHARED ?= $(abspath ../shared)
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)

# Header dependencies, written by the compiler (-MMD).
-include $(REL_OBJ:.o=.d) $(SAN_OBJ:.o=.d) $(B)/rel/src/main.d $(B)/asan/src/main.d

.PHONY: all run test unit lint fuzz fuzz-build bench deps deps-test clean format po search-eval

# everything `epak serve` needs: the binary and the compiled translations
# (serve refuses to start without them)
all: $(B)/epak $(MO)

$(B)/rel/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(BASE_CFLAGS) $(REL_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(B)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC-SAN  $<")
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(B)/rel/libepak.a: $(REL_OBJ)
	@rm -f $@; ar rcs $@ $^

$(B)/asan/libepak.a: $(SAN_OBJ)
	@rm -f $@; ar rcs $@ $^

$(B)/epak: $(B)/rel/src/main.o $(B)/rel/libepak.a
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(BASE_CFLAGS) $(REL_CFLAGS) $^ $(PKG_LIBS) -o $@

$(B)/asan/epak: $(B)/asan/src/main.o $(B)/asan/libepak.a
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $^ $(PKG_LIBS) -o $@

$(B)/asan/tests/%: tests/unit/%.c $(B)/asan/libepak.a tests/unit/testutil.h tests/unit/pgtest.h \
		tests/sign/vhelp.h tests/sign/zipw.h
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  TEST    $@")
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(PKG_CFLAGS) -Itests/unit $< $(B)/asan/libepak.a \
		$(PKG_LIBS) $(shell pkg-config --libs cmocka) -o $@

# The HTTP layer on its own (issue 9): test_http links src/core and src/http
# only, with just the libraries those need (h2o, OpenSSL, jansson, libsodium), so that http can never come to
# depend on src/web (or store, catalog, ...) unseen.
HTTP_ONLY_OBJ := $(filter $(B)/asan/src/core/% $(B)/asan/src/http/%,$(SAN_OBJ))
HTTP_ONLY_LIBS = $(shell pkg-config --libs libh2o-evloop openssl jansson libsodium liboath libsystemd 2>/dev/null) -lpthread -lz -lm
$(B)/asan/tests/test_http: tests/unit/test_http.c $(HTTP_ONLY_OBJ) tests/unit/testutil.h
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  TEST    $@ (core + http only)")
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(PKG_CFLAGS) -Itests/unit $< $(HTTP_ONLY_OBJ) \
		$(HTTP_ONLY_LIBS) $(shell pkg-config --libs cmocka) -o $@

# Translations: po/LANG.po -> $(B)/locale/LANG/LC_MESSAGES/epak.mo (PO and MO
# are defined at the top, before `all` names them)
$(B)/locale/%/LC_MESSAGES/epak.mo: po/%.po
	@mkdir -p $(dir $@)
	$(Q)msgfmt --check -o $@ $<
po:
	tools/po-update.sh

deps:
	@mk/deps.sh build

deps-test:
	@mk/deps.sh test

run: deps $(B)/epak $(MO)
	./$(B)/epak migrate --data ./var
	./$(B)/epak import --data ./var data/catalog.jsonld
	./$(B)/epak serve --data ./var --listen 127.0.0.1:8080 --dev

unit: $(B)/asan/epak $(SAN_TESTS) $(MO)

test: deps-test
	@$(MAKE) --no-print-directory unit fuzz-build
	@tests/run.sh

lint:
	@tools/lint.sh

fuzz-build:
	@$(MAKE) --no-print-directory -f fuzz/fuzz.mk PKGS="$(PKGS)" all

fuzz: deps-test fuzz-build
	@$(MAKE) --no-print-directory -f fuzz/fuzz.mk PKGS="$(PKGS)" run

# Search quality on the reference catalog's development queries, with a plain
# SQLite FTS5 baseline beside it.
search-eval: deps $(B)/epak
	./$(B)/epak search-eval --catalog $(SHARED)/testdata/catalog-lv/catalog.jsonld \
		--queries $(SHARED)/testdata/catalog-lv/queries-dev.tsv,$(SHARED)/testdata/catalog-lv/queries-situations-dev.tsv \
		--data data/search

bench: deps-test $(B)/epak $(MO)
	@bench/run.sh

format:
	clang-format -i $(SRC) src/main.c $(filter %.h,$(HDR)) $(wildcard tests/unit/*.c tests/unit/*.h fuzz/*.c)

clean:
	rm -rf build
