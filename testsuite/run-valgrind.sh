#!/bin/sh
# make check-valgrind: the client side (libgvirtus, libcudart.so.13,
# libcuda.so.1, libcublas.so.13, libcublasLt.so.13, libcudnn.so.9,
# libcurand.so.10, libcusolver.so.12, libcufft.so.12, libnvrtc.so.13,
# libcusparse.so.12 and their callers' paths) under valgrind memcheck,
# against a gvd on the simulated device (not itself under valgrind).
# Runs the test clients' modes; any memcheck error (invalid access,
# uninitialised value in a branch or system call, a definite leak) fails
# the mode.
# Suppressions: testsuite/valgrind.supp (third-party code only).
#
#   run-valgrind.sh BUILDDIR SRCDIR
#
# Prints one line per mode and "N passed, N failed, N skipped"; logs in
# BUILDDIR/testsuite/valgrind/.
set -u
b=$1 s=$2
out="$b/testsuite/valgrind"
libtool="$b/libtool"
if ! command -v valgrind > /dev/null 2>&1; then
    echo "check-valgrind: valgrind not installed (apt-get install valgrind)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
rm -rf "$out"
mkdir -p "$out"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$out/gvd.ini" <<INI
[gvd]
listen = 127.0.0.1
port = $port
device = sim
sim_runtime = $b/gvd/.libs/libgvdsim.so
cache_dir = $out
log_level = info
sim_memory = 2G
memory_limit = 64M
INI
"$b/gvd/gvd" -c "$out/gvd.ini" > "$out/gvd.log" 2>&1 &
gvd=$!
trap 'kill $gvd 2>/dev/null; wait $gvd 2>/dev/null' EXIT INT TERM
if ! python3 - "$port" <<'PY'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
then
    echo "check-valgrind: gvd did not start (see $out/gvd.log)"
    exit 1
fi

p=0 f=0
# program mode [stdin]: one run under memcheck.
run() {
    prog=$1 mode=$2 input=${3:-}
    log="$out/$(basename "$prog").$(echo "$mode" | tr ' ' _).log"
    printf '%s\n' "$input" | GVIRTUS_SERVERS="127.0.0.1:$port" \
        GVIRTUS_LOGLEVEL=error UCX_TLS=tcp \
        "$libtool" --mode=execute valgrind --tool=memcheck \
        --error-exitcode=99 --leak-check=full \
        --show-leak-kinds=definite --errors-for-leak-kinds=definite \
        --track-origins=yes --num-callers=30 \
        --suppressions="$s/testsuite/valgrind.supp" \
        "$b/testsuite/$prog" $mode > "$log" 2>&1
    rc=$?
    errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" |
           tail -n 1)
    if [ "$rc" -eq 0 ] && [ "${errs:-1}" -eq 0 ]; then
        echo "ok:   $prog $mode"
        p=$((p + 1))
    else
        echo "FAIL: $prog $mode: exit $rc, ${errs:-?} memcheck errors (see $log)"
        grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|[0-9,]+ bytes)' \
            "$log" | head -n 5 | sed 's/^/    /'
        f=$((f + 1))
    fi
}

for m in copies device streams forged quota threads overlap first-error; do
    run unit/simapp $m
done
run unit/simapp "big 8"
run unit/hardapp idle go
if [ -x "$b/testsuite/unit/drvapp" ]; then
    for m in basic memory interop errors nvml fork; do
        run unit/drvapp $m
    done
fi
if [ -x "$b/testsuite/unit/blasapp" ]; then
    for m in handles gemm late ltdesc ltmatmul lterrors fork; do
        run unit/blasapp $m
    done
fi
if [ -x "$b/testsuite/unit/dnnapp" ]; then
    for m in handles conv backend; do
        run unit/dnnapp $m
    done
fi
if [ -x "$b/testsuite/unit/randapp" ]; then
    for m in gens numbers; do
        run unit/randapp $m
    done
fi
if [ -x "$b/testsuite/unit/solverapp" ]; then
    for m in handles solve x64; do
        run unit/solverapp $m
    done
fi
if [ -x "$b/testsuite/unit/fftapp" ]; then
    for m in plans transforms double xt; do
        run unit/fftapp $m
    done
fi
if [ -x "$b/testsuite/unit/rtcapp" ]; then
    run unit/rtcapp compile
fi
if [ -x "$b/testsuite/unit/spapp" ]; then
    for m in handles compute spgemm; do
        run unit/spapp $m
    done
fi
echo "$p passed, $f failed, 0 skipped"
[ $f -eq 0 ]
