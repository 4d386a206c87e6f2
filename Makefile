# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# wattprobe: one Makefile, in libbpf-bootstrap's shape. Every artifact goes under $(OUTPUT).
OUTPUT ?= build
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
ARCH ?= $(shell uname -m | sed 's/x86_64/x86/' | sed 's/aarch64/arm64/' \
			 | sed 's/ppc64le/powerpc/' | sed 's/mips.*/mips/')
VMLINUX := vmlinux/$(ARCH)/vmlinux.h
VERSION := $(shell cat VERSION)
GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

CFLAGS ?= -g -O2
# Messages go through bounded buffers on purpose: a truncated diagnostic is not a bug.
WP_CFLAGS := $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -Wno-format-truncation -D_GNU_SOURCE \
	-DWP_VERSION='"$(VERSION)"' -DWP_GIT_REV='"$(GIT_REV)"'
INCLUDES := -I$(OUTPUT) -Ibpf -Iuser
LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz) -lz -lm \
	$(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c) \
	$(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl) \
	$(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd) -ldl -lpthread
# libvirt is dlopen'd by `host` (user/virt.c); only its test links it, to drive the test driver.
TEST_LIBS_virt := $(shell pkg-config --libs libvirt 2>/dev/null || echo -lvirt)
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# clang's -target bpf lacks the system include paths; take them from clang itself.
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s%s\n' "$(1)" "$(patsubst $(abspath $(OUTPUT))/%,%,$(2))" \
		"$(if $(3), $(3))";
	MAKEFLAGS += --no-print-directory
endif

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_HDRS := $(wildcard bpf/*.h)
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
LIB_SRCS := $(filter-out user/main.c,$(wildcard user/*.c))
LIB_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(LIB_SRCS))
LIB_ASAN_OBJS := $(patsubst user/%.c,$(OUTPUT)/asan/user/%.o,$(LIB_SRCS))
USER_HDRS := $(wildcard user/*.h user/*.def)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
UNIT_ASAN_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/asan/%,$(UNIT_SRCS))
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(patsubst tests/helpers/%.c,$(OUTPUT)/tests/helpers/%,$(HELPER_SRCS))
# Per-helper libraries: HELPER_LIBS_<name>.
HELPER_LIBS_fakeapi := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd) \
	$(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)
HELPER_LIBS_fakekepler := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
HELPER_LIBS_pngstat := -lz

.PHONY: all clean test unit unit-asan integration deps format check-format helpers fuzz fuzz-smoke \
	test-e2e
.DELETE_ON_ERROR:
.SECONDARY:

all: $(OUTPUT)/wattprobe

deps:
	$(Q)tools/deps.sh

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/asan/user $(OUTPUT)/tests $(OUTPUT)/tests/asan $(OUTPUT)/tests/helpers:
	$(Q)mkdir -p $@

# BPF objects: compile, then let bpftool link (static linking strips dwarf noise) and
# generate the skeleton.
$(OUTPUT)/%.tmp.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(VMLINUX) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) \
		-Ivmlinux/$(ARCH) -Ibpf $(CLANG_BPF_SYS_INCLUDES) -c $< -o $@

$(OUTPUT)/%.bpf.o: $(OUTPUT)/%.tmp.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT)/user/%.o: user/%.c $(USER_HDRS) $(BPF_HDRS) $(SKELS) | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(WP_CFLAGS) $(INCLUDES) -c $< -o $@

$(OUTPUT)/asan/user/%.o: user/%.c $(USER_HDRS) $(BPF_HDRS) $(SKELS) | $(OUTPUT)/asan/user
	$(call msg,CC-ASAN,$@)
	$(Q)$(CC) $(WP_CFLAGS) $(ASAN_FLAGS) $(INCLUDES) -c $< -o $@

$(OUTPUT)/libwp.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/libwp-asan.a: $(LIB_ASAN_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/wattprobe: user/main.c $(OUTPUT)/libwp.a $(USER_HDRS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(WP_CFLAGS) $(INCLUDES) $< $(OUTPUT)/libwp.a $(LIBS) -o $@

# Unit tests (cmocka), plain and under ASan+UBSan (LeakSanitizer included).
$(OUTPUT)/tests/test_%: tests/unit/test_%.c tests/unit/*.h $(OUTPUT)/libwp.a | $(OUTPUT)/tests
	$(call msg,TEST-CC,$@)
	$(Q)$(CC) $(WP_CFLAGS) $(INCLUDES) -Itests/unit $< $(OUTPUT)/libwp.a $(LIBS) \
		$(TEST_LIBS_$*) -lcmocka -o $@

$(OUTPUT)/tests/asan/test_%: tests/unit/test_%.c tests/unit/*.h $(OUTPUT)/libwp-asan.a \
		| $(OUTPUT)/tests/asan
	$(call msg,TEST-CC,$@)
	$(Q)$(CC) $(WP_CFLAGS) $(ASAN_FLAGS) $(INCLUDES) -Itests/unit $< $(OUTPUT)/libwp-asan.a \
		$(LIBS) $(TEST_LIBS_$*) -lcmocka -o $@

$(OUTPUT)/tests/helpers/%: tests/helpers/%.c | $(OUTPUT)/tests/helpers
	$(call msg,TEST-CC,$@)
	$(Q)$(CC) $(WP_CFLAGS) $< -o $@ -lm $(HELPER_LIBS_$*)

helpers: $(HELPER_BINS)

unit: $(UNIT_BINS)
	$(Q)tests/run-unit.sh $(UNIT_BINS)

unit-asan: $(UNIT_ASAN_BINS)
	$(Q)ASAN_OPTIONS=detect_leaks=1 tests/run-unit.sh $(UNIT_ASAN_BINS)

integration: $(OUTPUT)/wattprobe $(HELPER_BINS)
	$(Q)tests/integration/run.sh

# The whole suite: unit tests plain and sanitized, then the integration tests (root).
test: $(OUTPUT)/wattprobe $(UNIT_BINS) $(UNIT_ASAN_BINS) $(HELPER_BINS)
	$(Q)tests/run-all.sh

# ---- end to end (issue 8) ----
# make test-e2e: a real guest under qemu (TCG, or KVM where it works) fed by `wattprobe host`
# against a fake powercap tree (tests/e2e/README.md). Root. The guest's Debian kernel is
# downloaded once per version into $(OUTPUT)/e2e/kernel; make test runs it too (run-all.sh).
test-e2e: $(OUTPUT)/wattprobe $(OUTPUT)/tests/helpers/burn
	$(Q)OUTPUT=$(OUTPUT) tests/e2e/test_e2e.sh
# ---- end e2e ----

# ---- bench (issue 7) ----
# make bench: what the probe costs (BPF ns per event, userspace CPU and memory, tick cost,
# resolution), printed as a table and written to $(OUTPUT)/bench.json. Needs root; never part
# of make test. tests/bench/bench.sh drives bench (BPF cost, with storm.c) and cgload (cgroups).
.PHONY: bench
BENCH_BINS := $(OUTPUT)/tests/bench/bench $(OUTPUT)/tests/bench/cgload

$(OUTPUT)/tests/bench:
	$(Q)mkdir -p $@

$(OUTPUT)/tests/bench/bench: tests/bench/bench.c tests/bench/storm.c tests/bench/storm.h \
		$(OUTPUT)/libwp.a $(OUTPUT)/bench_floor.skel.h $(USER_HDRS) | $(OUTPUT)/tests/bench
	$(call msg,BENCH-CC,$@)
	$(Q)$(CC) $(WP_CFLAGS) $(INCLUDES) tests/bench/bench.c tests/bench/storm.c \
		$(OUTPUT)/libwp.a $(LIBS) -o $@

$(OUTPUT)/tests/bench/cgload: tests/bench/cgload.c | $(OUTPUT)/tests/bench
	$(call msg,BENCH-CC,$@)
	$(Q)$(CC) $(WP_CFLAGS) $< -o $@ -lpthread

bench: $(OUTPUT)/wattprobe $(BENCH_BINS)
	$(Q)OUTPUT=$(OUTPUT) tests/bench/bench.sh
# ---- end bench ----

FORMAT_SRCS := bpf/*.c bpf/*.h user/*.c user/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c \
	tests/fuzz/*.h tests/bench/*.c tests/bench/*.h

format:
	$(Q)clang-format -i $(FORMAT_SRCS)

# Fails when a file is not as .clang-format has it (clang-format 14, Debian 12's).
check-format:
	$(Q)clang-format --dry-run -Werror $(FORMAT_SRCS)

# ---- fuzzing (issue 7) ----
# libFuzzer targets for the parsers (tests/fuzz/README.md). Built by clang from objects of
# their own (never the gcc ones) under $(OUTPUT)/fuzz, and run by tests/fuzz/run.sh on a copy
# of their seeds there, so the source tree stays clean. fuzz-smoke is what CI runs.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRCS))
# The modules the targets reach; a link error names one missing here.
FUZZ_LIB_SRCS := $(addprefix user/,attrib.c cgname.c cgroupfs.c cpulist.c cputopo.c \
	duration.c esrc_msr.c esrc_powercap.c group_rules.c k8s_path.c kepler_series.c \
	kepler_work.c kepler_zones.c opts.c opts_analysis.c opts_host.c outfile.c pods.c powercap.c \
	prom_text.c rapl_msr.c recfile.c recmeta.c summary.c sysfile.c u64map.c unit_name.c)
FUZZ_LIB_OBJS := $(patsubst user/%.c,$(OUTPUT)/fuzz/user/%.o,$(FUZZ_LIB_SRCS))
# clang 14 has no -Wformat-truncation to turn off.
FUZZ_CFLAGS := $(filter-out -Wno-format-truncation,$(WP_CFLAGS)) \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_LIBS := -lz -lm $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)

$(OUTPUT)/fuzz/user:
	$(Q)mkdir -p $@

$(OUTPUT)/fuzz/user/%.o: user/%.c $(USER_HDRS) $(BPF_HDRS) | $(OUTPUT)/fuzz/user
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(INCLUDES) -c $< -o $@

$(OUTPUT)/fuzz/libwp-fuzz.a: $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/*.h $(OUTPUT)/fuzz/libwp-fuzz.a
	$(call msg,FUZZ-LD,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(INCLUDES) -Itests/fuzz $< \
		$(OUTPUT)/fuzz/libwp-fuzz.a $(FUZZ_LIBS) -o $@

fuzz: $(FUZZ_BINS)
	$(Q)OUTPUT=$(OUTPUT) tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-smoke: $(FUZZ_BINS)
	$(Q)OUTPUT=$(OUTPUT) tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_BINS)
# ---- end fuzzing ----

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT)
