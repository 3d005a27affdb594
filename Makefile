# stap, staprun and stapio, the guest runner, and their tests.
#
#   make            build everything (./stap works straight away)
#   make check      install what is missing, build, run the whole testsuite
#   make bench      time the translator on the kernel's debug information
#   make demo       install what is missing, build, run a few one-liners in a guest
#   make man        the tapset reference (build/man/*.3stap) from the doc comments
#   make install    install under $(PREFIX) (DESTDIR for packaging)

CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS = -std=gnu11 -Wall -Wextra -Werror
DWARF_LIBS = -ldw -lelf -lcrypto
PREFIX ?= /usr/local
SANITIZE = -fsanitize=address,undefined -fno-omit-frame-pointer

TRANSLATOR_SRCS = $(sort $(wildcard translator/*.c))
TRANSLATOR_HDRS = $(wildcard translator/*.h)
STAPRUN_SRCS = $(sort $(wildcard staprun/*.c))
STAPIO_SRCS = $(sort $(filter-out stapio/stap-merge.c,$(wildcard stapio/*.c)))
RUNTIME_HDRS = runtime/stp_msgs.h

# stap sits at the top so ./stap works; the others live beside their
# sources (staprun/ and stapio/ are directories).
BINARIES = stap staprun/staprun stapio/stapio stapio/stap-merge guest/stap-guest-agent guest/stap-qemu

all: $(BINARIES)

stap: $(TRANSLATOR_SRCS) $(TRANSLATOR_HDRS)
	$(CC) $(WARNINGS) $(CFLAGS) -o $@ $(TRANSLATOR_SRCS) $(DWARF_LIBS)

# The translator again, under AddressSanitizer and UBSan, for the tests.
# (UBSan's null checks make gcc 12 see a NULL printf format on paths that
# cannot happen, hence -Wno-format-truncation here only.)
build/asan/stap: $(TRANSLATOR_SRCS) $(TRANSLATOR_HDRS)
	@mkdir -p build/asan
	$(CC) $(WARNINGS) -Wno-format-truncation -O1 -g $(SANITIZE) -o $@ $(TRANSLATOR_SRCS) $(DWARF_LIBS)

staprun/staprun: $(STAPRUN_SRCS) $(wildcard staprun/*.h) $(RUNTIME_HDRS)
	$(CC) $(WARNINGS) $(CFLAGS) -Iruntime -o $@ $(STAPRUN_SRCS) -lcrypto

stapio/stapio: $(STAPIO_SRCS) $(wildcard stapio/*.h) $(RUNTIME_HDRS)
	$(CC) $(WARNINGS) $(CFLAGS) -pthread -Iruntime -o $@ $(STAPIO_SRCS)

stapio/stap-merge: stapio/stap-merge.c stapio/merge.c stapio/output.c $(wildcard stapio/*.h) $(RUNTIME_HDRS)
	$(CC) $(WARNINGS) $(CFLAGS) -Iruntime -o $@ stapio/stap-merge.c stapio/merge.c stapio/output.c

guest/stap-guest-agent: guest/agent.c
	$(CC) $(WARNINGS) $(CFLAGS) -o $@ guest/agent.c

REMOTE_QEMU_SRCS = $(sort $(wildcard translator/remote_qemu*.c))

guest/stap-qemu: guest/stap-qemu.c $(REMOTE_QEMU_SRCS) $(wildcard translator/remote_qemu*.h)
	$(CC) $(WARNINGS) $(CFLAGS) -Itranslator -o $@ guest/stap-qemu.c $(REMOTE_QEMU_SRCS)

deps:
	./scripts/install-deps

check: deps
	$(MAKE) all build/asan/stap
	./testsuite/run

# Translation time and memory, probe cost and output throughput in the
# guest (bench/run, doc/benchmarks.md); not part of check.  RUNS=N runs
# per figure (default 5), BENCH_QUICK=1 for a shorter run.
bench: all
	./bench/run $(RUNS)

demo: deps
	$(MAKE) all
	./scripts/demo

# One page per tapset function name and probe alias: function::strlen(3stap).
man: stap
	rm -rf build/man && mkdir -p build/man
	./stap --man-pages=build/man

MANDIR = $(DESTDIR)$(PREFIX)/share/man

install: all man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/systemtap $(MANDIR)/man1 \
		$(MANDIR)/man3 $(MANDIR)/man8
	install -m 644 $(wildcard doc/*.1) $(MANDIR)/man1
	install -m 644 $(wildcard doc/*.8) $(MANDIR)/man8
	install -m 644 build/man/*.3stap $(MANDIR)/man3
	install -m 755 stap stapio/stapio stapio/stap-merge guest/stap-guest-agent guest/stap-qemu $(DESTDIR)$(PREFIX)/bin
	install -m 4755 staprun/staprun $(DESTDIR)$(PREFIX)/bin
	cp -r runtime tapset $(DESTDIR)$(PREFIX)/share/systemtap/

clean:
	rm -rf build $(BINARIES) *.ko

.PHONY: all deps check demo bench man install clean
