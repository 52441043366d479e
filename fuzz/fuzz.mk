# fuzz/fuzz.mk — libFuzzer targets, one per parser: fuzz/fuzz_NAME.c defines
# LLVMFuzzerTestOneInput. Built with clang against all of src/ (without main).
# `make fuzz` runs each for FUZZ_SECONDS on a corpus seeded from fuzz/corpus/NAME/.
# The run recipe reads ${PIPESTATUS[0]}, which only bash has: the main
# Makefile's SHELL does not reach a sub-make started with -f, so say it here.
SHELL := /bin/bash
FUZZ_SECONDS ?= 30
CLANG ?= clang
PKGS ?= $(error run fuzz targets through the main Makefile: make fuzz)
FCFLAGS := -std=c17 -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -g -O1 -Isrc -pthread \
	-fsanitize=fuzzer-no-link,address,undefined $(shell pkg-config --cflags $(PKGS))
FLIBS := $(shell pkg-config --libs $(PKGS)) -lpthread -lz -lm
SRC := $(sort $(shell find src -name '*.c' ! -path 'src/main.c'))
OBJ := $(SRC:%.c=build/fuzz/%.o)
TARGETS := $(patsubst fuzz/%.c,build/fuzz/%,$(wildcard fuzz/fuzz_*.c))

all: $(TARGETS)

-include $(OBJ:.o=.d)

build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CLANG   $<"
	@$(CLANG) $(FCFLAGS) -MMD -MP -c $< -o $@

build/fuzz/libepak.a: $(OBJ)
	@rm -f $@; ar rcs $@ $^

build/fuzz/fuzz_%: fuzz/fuzz_%.c build/fuzz/libepak.a
	$(CLANG) $(FCFLAGS) -fsanitize=fuzzer $< build/fuzz/libepak.a $(FLIBS) -o $@

run: $(TARGETS)
	@for t in $(TARGETS); do n=$${t#build/fuzz/fuzz_}; \
		mkdir -p fuzz/corpus-work/$$n; \
		echo "== fuzz $$n for $(FUZZ_SECONDS)s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
			fuzz/corpus-work/$$n $$( [ -d fuzz/corpus/$$n ] && echo fuzz/corpus/$$n ) 2>&1 \
			| grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|Done' || true; \
		test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

# Replay the seed corpus only (quick regression, used by make test).
replay: $(TARGETS)
	@for t in $(TARGETS); do n=$${t#build/fuzz/fuzz_}; \
		if [ -d fuzz/corpus/$$n ]; then $$t -runs=0 fuzz/corpus/$$n >/dev/null 2>&1 || { echo "fuzz replay $$n failed"; exit 1; }; fi; \
	done

.PHONY: all run replay
