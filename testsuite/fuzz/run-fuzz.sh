#!/bin/sh
# make fuzz: build the fuzz targets with clang + libFuzzer (plus ASan and
# UBSan) in their own build directory, then run each for FUZZ_SECONDS
# from its seed corpus.
#
#   run-fuzz.sh SRCDIR FUZZBUILD fuzz/fuzz_NAME...
#
# Environment: CLANG (compiler), FUZZ_SECONDS (default 60), FUZZ_JOBS
# (targets fuzzed at once, default one per core), FUZZ_SEED (libFuzzer's
# -seed: make check fixes it so a CI failure replays; default random),
# FUZZ_FLAGS (more libFuzzer options).  New inputs go to FUZZBUILD/corpus/NAME (the seeds in the
# source tree are only read); a crash leaves FUZZBUILD/crash/NAME/* and
# makes the script fail.  Reproduce one with the gcc build:
#   testsuite/fuzz/fuzz_NAME FILE
set -u
src=$1 fb=$2
shift 2
clang=${CLANG:-clang}
secs=${FUZZ_SECONDS:-60}
san="-fsanitize=fuzzer-no-link"
mkdir -p "$fb" || exit 1

# libFuzzer is in libclang-rt-*-dev; say so rather than fail to link.
tmp=$(mktemp -d)
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ return 0; }\n' \
    > "$tmp/t.c"
if ! "$clang" -fsanitize=fuzzer "$tmp/t.c" -o "$tmp/t" 2> "$tmp/err"; then
    cat "$tmp/err"
    echo "make fuzz: $clang cannot link libFuzzer (apt-get install" \
         "libclang-rt-14-dev)"
    rm -rf "$tmp"
    exit 1
fi
rm -rf "$tmp"

if [ ! -f "$fb/Makefile" ]; then
    echo "make fuzz: configuring $fb with $clang"
    (cd "$fb" && "$src/configure" CC="$clang" CFLAGS="-g -O1 $san" \
        --enable-asan --enable-ubsan > configure.log 2>&1) || {
        tail -n 20 "$fb/configure.log"; exit 1; }
fi
# Only what the targets link: the rest of the tree (the frontends, with
# -z defs) is not built with the fuzzer runtime.
j=$(nproc 2>/dev/null || echo 2)
(cd "$fb" && make -j"$j" -C lib/common > build.log 2>&1 &&
    make -j"$j" -C registry libgvrclient.la >> build.log 2>&1 &&
    { ! grep -q '^libgvregd.la' registry/Makefile ||
      make -j"$j" -C registry libgvregd.la >> build.log 2>&1; } &&
    { ! grep -q '^libgvdworker.la' gvd/Makefile ||
      make -j"$j" -C gvd libgvdworker.la libgvdsim.la >> build.log 2>&1; } &&
    make -j"$j" -C testsuite FUZZ_MAIN= FUZZ_ENGINE=-fsanitize=fuzzer \
        "$@" >> build.log 2>&1) || { tail -n 30 "$fb/build.log"; exit 1; }

# One target per core at a time: each still gets FUZZ_SECONDS of its
# own, and CI's two cores finish four targets in two rounds.
fuzz_one() { # target
    name=$(basename "$1")
    short=${name#fuzz_}
    mkdir -p "$fb/corpus/$short" "$fb/crash/$short"
    # Leak checks stay on: each input is a whole client or connection.
    (cd "$fb/testsuite" && ASAN_OPTIONS=abort_on_error=0 \
        UBSAN_OPTIONS=print_stacktrace=1 \
        GVTEST_BUILDDIR="$fb" ./"$1" -max_total_time="$secs" \
        -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$fb/crash/$short/" \
        ${FUZZ_SEED:+-seed="$FUZZ_SEED"} ${FUZZ_FLAGS:-} \
        "$fb/corpus/$short" "$src/testsuite/fuzz/corpus/$short" \
        > "$fb/$name.log" 2>&1)
    echo $? > "$fb/$name.rc"
}

j=${FUZZ_JOBS:-$j}
echo "make fuzz: $# targets, ${secs}s each, $j at a time"
pending="$*"
while [ -n "$pending" ]; do
    round=''
    n=0
    for t in $pending; do
        [ "$n" -lt "$j" ] || break
        round="$round $t"
        n=$((n + 1))
    done
    for t in $round; do fuzz_one "$t" & done
    wait
    rest=''
    for t in $pending; do
        case " $round " in *" $t "*) ;; *) rest="$rest $t" ;; esac
    done
    pending=${rest# }
done

p=0 f=0
for t in "$@"; do
    name=$(basename "$t")
    short=${name#fuzz_}
    st=$(cat "$fb/$name.rc" 2>/dev/null || echo 1)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$fb/$name.log" |
           tail -n 1)
    if [ "$st" -eq 0 ]; then
        echo "ok:   $name: ${runs:-?} inputs in ${secs}s"
        p=$((p + 1))
    else
        echo "FAIL: $name (see $fb/$name.log; inputs in $fb/crash/$short)"
        grep -E 'ERROR|SUMMARY|invariant' "$fb/$name.log" | head -n 5 |
            sed 's/^/    /'
        f=$((f + 1))
    fi
done
echo "$p passed, $f failed, 0 skipped"
[ "$f" -eq 0 ]
