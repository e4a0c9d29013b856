# gvirtus - convenience front.  On a fresh clone:
#
#   make check   install missing Debian build dependencies (when root),
#                bootstrap autotools into build/, build, run the tests,
#                make distcheck, the tests again under ASan + UBSan,
#                valgrind, the fuzzers (testsuite/check-all.sh); the
#                last line is "N passed, N failed, N skipped"
#   make demo    on a GPU host: start gvd on loopback, run a sample CUDA
#                program through the gvirtus frontend, say what happened
#   make bench   on a GPU host: benchmarks, native vs gvirtus, ratios last
#   make gpu-suite  on a GPU host: the GPU programs, native vs gvirtus
#   make         build only;  make distclean-all  remove build/ and
#                everything autoreconf generated
#
# The real build is automake's, in build/ (configure with
# CONFIGURE_FLAGS="..." e.g. --enable-asan).  This file is hand-written and
# never generated; configure writes build/Makefile, not this one.

BUILD ?= build
CONFIGURE_FLAGS ?=
MAKEFLAGS += --no-print-directory

# Debian 12 packages the build and the test suite need (systemd only for
# systemd-analyze, which checks etc/systemd's units).
DEB_DEPS = gcc make autoconf automake libtool pkg-config \
	libucx-dev ucx-utils libibverbs-dev librdmacm-dev libhwloc-dev \
	libinih-dev libcunit1-dev libsqlite3-dev libssl-dev \
	libmunge-dev munge groff-base python3 \
	slurm-wlm libopenmpi-dev openmpi-bin \
	clang libclang-rt-14-dev valgrind systemd

.PHONY: all check check-suite demo deps print-deps bootstrap distclean-all bench gpu-suite

all: $(BUILD)/Makefile
	@$(MAKE) -C $(BUILD)

# Every stage CI runs (testsuite/check-all.sh): the suite and make
# distcheck in $(BUILD), the suite again with ASan + UBSan in
# $(BUILD)-san, the client libraries under valgrind, each fuzz target for
# FUZZ_SECONDS; the last line adds them up as "N passed, N failed, N
# skipped".  DISTCHECK=no, SANITIZE=no, VALGRIND=no, FUZZ=no leave a stage
# out (counted as skipped); `make check-suite` is the first stage alone.
check: $(BUILD)/Makefile
	@MAKE='$(MAKE)' BUILD='$(BUILD)' CONFIGURE_FLAGS='$(CONFIGURE_FLAGS)' \
	  sh testsuite/check-all.sh

# The suite, then `make distcheck` (with a quick subset of the suite,
# testsuite/distcheck.sh), counted as one more test in the summary line
# printed last.  DISTCHECK=no leaves it out (counted as skipped).
check-suite: $(BUILD)/Makefile
	@rm -f $(BUILD)/testsuite/test-summary.txt; \
	  $(MAKE) -C $(BUILD) -j$$(nproc) all && \
	  $(MAKE) -C $(BUILD) check; rc=$$?; \
	  if [ -f $(BUILD)/testsuite/test-summary.txt ]; then \
	    MAKE='$(MAKE)' sh testsuite/distcheck.sh $(BUILD) || rc=1; \
	  else echo "the build failed"; echo "0 passed, 1 failed, 0 skipped"; \
	  fi; exit $$rc

# On a GPU host: build, run the benchmarks natively and through gvirtus
# over TCP and shared memory, print the ratios (testsuite/bench).
bench: $(BUILD)/Makefile
	@sh testsuite/gpu-host.sh pack && SKIP_SUITE=1 OUT=$${OUT:-bench-out} \
	  sh testsuite/gpu-host.sh run && \
	  sh testsuite/bench/plot.sh $${OUT:-bench-out}/cuda-bench.txt \
	  $${OUT:-bench-out}

# On a GPU host: the GPU suite, natively and through gvirtus.
gpu-suite: $(BUILD)/Makefile
	@sh testsuite/gpu-host.sh pack && SKIP_BENCH=1 \
	  OUT=$${OUT:-gpu-out} sh testsuite/gpu-host.sh run

demo: $(BUILD)/Makefile
	@$(MAKE) -C $(BUILD) -j$$(nproc) all
	@sh testsuite/gpu/demo.sh $(BUILD)

print-deps:
	@echo $(DEB_DEPS)

deps:
	@missing=""; for p in $(DEB_DEPS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q 'ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing build dependencies:$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -q $$missing || exit 1; \
	  else \
	    echo "missing build dependencies; as root run:"; \
	    echo "  apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

configure: configure.ac $(wildcard m4/gv_*.m4) | deps
	autoreconf -fi

$(BUILD)/Makefile: configure
	@mkdir -p $(BUILD)
	cd $(BUILD) && ../configure $(CONFIGURE_FLAGS)

bootstrap: $(BUILD)/Makefile

distclean-all:
	rm -rf $(BUILD) autom4te.cache build-aux configure aclocal.m4 \
	  config.h.in config.h.in~
	find . -name Makefile.in -delete
