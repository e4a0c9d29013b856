#!/bin/bash
# hardening-gpu.sh - the GPU-host parts of issue 9 (hardening).
#
#   testsuite/gpu/hardening-gpu.sh build   on the build machine, after
#                                          testsuite/gpu-host.sh pack:
#                                          nvcc stress32, hold_mem and
#                                          mem_free into .pack/hardening
#   testsuite/gpu/hardening-gpu.sh run     on the GPU host, from the
#                                          repository root with .pack/
#
# run does, against a gvd of its own on loopback:
#  1. stress32: 32 threads, each with its own streams, launches, copies and
#     events for STRESS_SECONDS (30), natively and through gvirtus over
#     TCP and over shared memory; every result checked, stdouts compared.
#  2. a client SIGKILLed mid-transfer (hold_mem, HOLD_MIB device memory,
#     256 MiB copies in a loop): its worker exits, gvd has no worker left,
#     and cudaMemGetInfo seen natively (mem_free) is back to the baseline.
#  3. its worker SIGKILLed: the client's next call returns
#     cudaErrorDevicesUnavailable within 5 s, later calls within 10 ms;
#     memory back.
#  4. its worker SIGSTOPped, client with GVIRTUS_TIMEOUT=2s: the error
#     comes after about 2 s with a log line; then SIGKILL, memory back.
#
# Output: $OUT/hardening.md (a table for testsuite/gpu/RESULTS.md), the
# logs beside it; exit status 0 when every check passed.  Environment:
# OUT (/tmp/gvirtus-hardening), STRESS_SECONDS, HOLD_MIB (4096), GVD_PORT
# (9979), CUDA_HOME.  DRY_BUILD=build runs steps 2-4 on the simulated
# device from a build directory (no GPU: memory is not measured).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
P=$top/.pack
cuda=${CUDA_HOME:-/usr/local/cuda}
H=$P/hardening

build() {
    set -e
    mkdir -p "$H"
    for p in stress32 hold_mem mem_free; do
        "$cuda/bin/nvcc" -cudart shared -O2 -std=c++17 \
            -gencode arch=compute_90,code=sm_90 \
            -gencode arch=compute_90,code=compute_90 \
            -Xcompiler -Wall,-Wextra,-pthread -I"$top/testsuite/gpu" \
            -o "$H/$p" "$top/testsuite/gpu/$p.cu"
    done
    ls -la "$H"
}

# ---- on the GPU host ---------------------------------------------------------

OUT=${OUT:-/tmp/gvirtus-hardening}
PORT=${GVD_PORT:-9979}
HOLD_MIB=${HOLD_MIB:-4096}
pass=0 fail=0
rows=""

setup() {
    mkdir -p "$OUT"
    if [ -n "${DRY_BUILD:-}" ]; then
        B=$(cd "$DRY_BUILD" && pwd)
        GVD=$B/gvd/gvd
        GVLIB=$B/lib/.libs
        DEPS=""
        H=${DRY_BIN:-$H}
        DEVICE="device = sim
sim_runtime = $B/gvd/.libs/libgvdsim.so
sim_memory = 8G
worker = $B/gvd/gvd-worker"
    else
        DEPS=$P/deps/usr/lib/x86_64-linux-gnu
        ROOT=$P/root/usr/local
        GVD=$ROOT/sbin/gvd
        GVLIB=$ROOT/lib/gvirtus
        export UCX_MODULE_DIR=$DEPS/ucx
        export LD_LIBRARY_PATH=$DEPS:$cuda/lib64
        export PATH=$P/deps/usr/bin:$PATH
        DEVICE="device = cuda
cuda_runtime = $cuda/lib64/libcudart.so.13
worker = $ROOT/libexec/gvirtus/gvd-worker"
    fi
    for p in hold_mem mem_free; do
        [ -x "$H/$p" ] || { echo "no $H/$p: run '$0 build' first"; exit 2; }
    done
}

start_gvd() {
    cat > "$OUT/gvd.ini" <<EOF
[gvd]
listen = 127.0.0.1
port = $PORT
$DEVICE
cache_dir = $OUT/cache
log_level = info
EOF
    mkdir -p "$OUT/cache"
    "$GVD" -c "$OUT/gvd.ini" 2> "$OUT/gvd.log" &
    GVD_PID=$!
    for _ in $(seq 100); do
        grep -q listening "$OUT/gvd.log" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "gvd did not start:"; cat "$OUT/gvd.log"; exit 1
}

stop_gvd() {
    kill "$GVD_PID" 2>/dev/null
    wait "$GVD_PID" 2>/dev/null
}

# Run a program through gvirtus: gv TLS COMMAND...
gv() {
    tls=$1
    shift
    env LD_LIBRARY_PATH="$GVLIB${DEPS:+:$DEPS}:$cuda/lib64" \
        GVIRTUS_SERVERS=127.0.0.1:$PORT UCX_TLS="$tls" \
        GVIRTUS_LOGLEVEL=${GVIRTUS_LOGLEVEL:-warn} "$@"
}

result() { # name ok|fail detail
    if [ "$2" = ok ]; then
        pass=$((pass + 1)); r=PASS
    else
        fail=$((fail + 1)); r=FAIL
    fi
    rows="$rows| $1 | $r | $3 |
"
    echo "$1: $r ($3)"
}

workers() { ps -o pid= --ppid "$GVD_PID" | tr -d ' '; }

now_ms() { date +%s%3N; }

# Free device memory as a native process sees it ("" on the simulator).
free_bytes() {
    [ -n "${DRY_BUILD:-}" ] && return 0
    LD_LIBRARY_PATH=$cuda/lib64 "$H/mem_free" | sed -n 's/^FREE \([0-9]*\).*/\1/p'
}

# Wait until free memory is within 64 MiB of $1 (at most 10 s); prints
# the seconds it took, or "never".
wait_free() {
    base=$1 t0=$(now_ms)
    if [ -z "$base" ]; then
        echo "n/a"; return 0
    fi
    while [ $(( $(now_ms) - t0 )) -lt 10000 ]; do
        f=$(free_bytes)
        if [ -n "$f" ] && [ $((base - f)) -lt $((64 << 20)) ]; then
            awk -v ms=$(( $(now_ms) - t0 )) 'BEGIN { printf "%.2f", ms / 1000 }'
            return 0
        fi
        sleep 0.1
    done
    echo never
}

# Wait until gvd has no worker (at most 5 s); seconds or "never".
wait_no_workers() {
    t0=$(now_ms)
    while [ $(( $(now_ms) - t0 )) -lt 5000 ]; do
        if [ -z "$(workers)" ]; then
            awk -v ms=$(( $(now_ms) - t0 )) 'BEGIN { printf "%.2f", ms / 1000 }'
            return 0
        fi
        sleep 0.02
    done
    echo never
}

# Start hold_mem through gvirtus in the background (env execs it, so
# $HOLDER is its pid); wait for READY.
start_holder() { # log [VAR=value...]
    log=$1
    shift
    env LD_LIBRARY_PATH="$GVLIB${DEPS:+:$DEPS}:$cuda/lib64" \
        GVIRTUS_SERVERS=127.0.0.1:$PORT UCX_TLS=tcp \
        GVIRTUS_LOGLEVEL=${GVIRTUS_LOGLEVEL:-warn} "$@" \
        "$H/hold_mem" "$HOLD_MIB" > "$log" 2>&1 &
    HOLDER=$!
    for _ in $(seq 300); do
        grep -q READY "$log" 2>/dev/null && return 0
        kill -0 $HOLDER 2>/dev/null || break
        sleep 0.1
    done
    echo "hold_mem did not start:"; cat "$log"
    return 1
}

stress() {
    secs=${STRESS_SECONDS:-30}
    [ -x "$H/stress32" ] || { result stress32 fail "not built"; return; }
    LD_LIBRARY_PATH=$cuda/lib64 "$H/stress32" "$secs" \
        > "$OUT/stress32.native.out" 2> "$OUT/stress32.native.err"
    rc=$?
    [ $rc -eq 0 ] || { result "stress32 native" fail "exit $rc"; return; }
    for t in tcp shm; do
        tls=tcp; [ $t = shm ] && tls=sm,self
        gv $tls "$H/stress32" "$secs" > "$OUT/stress32.$t.out" \
            2> "$OUT/stress32.$t.err"
        rc=$?
        rounds=$(sed -n 's/^stress32: \([0-9]*\) rounds.*/\1/p' \
                 "$OUT/stress32.$t.err")
        native=$(sed -n 's/^stress32: \([0-9]*\) rounds.*/\1/p' \
                 "$OUT/stress32.native.err")
        if [ $rc -eq 0 ] && cmp -s "$OUT/stress32.native.out" \
                                   "$OUT/stress32.$t.out"; then
            result "stress32 ${secs}s over $t" ok \
                "32 threads, $rounds rounds checked (native $native)"
        else
            result "stress32 ${secs}s over $t" fail \
                "exit $rc; $(grep -v ': ok$' "$OUT/stress32.$t.out" | head -n 2 | tr '\n' ' ')"
        fi
    done
}

killed_client() {
    base=$(free_bytes)
    start_holder "$OUT/holder1.log" || { result "client SIGKILL" fail "no client"; return; }
    held=$(free_bytes)
    sleep 0.5 # mid-transfer: 256 MiB copies back to back
    kill -9 $HOLDER
    wait $HOLDER 2>/dev/null
    w=$(wait_no_workers)
    m=$(wait_free "$base")
    detail="worker gone after ${w} s, memory back after ${m} s"
    [ -n "$base" ] && detail="$detail (free $base, held $held)"
    if [ "$w" != never ] && [ "$m" != never ]; then
        result "client SIGKILL mid-transfer" ok "$detail"
    else
        result "client SIGKILL mid-transfer" fail "$detail"
    fi
}

killed_worker() {
    base=$(free_bytes)
    start_holder "$OUT/holder2.log" || { result "worker SIGKILL" fail "no client"; return; }
    kill -9 $(workers)
    wait $HOLDER 2>/dev/null
    first=$(sed -n 's/^ERROR \([^ ]*\) \([0-9.]*\)$/\1 \2/p' "$OUT/holder2.log")
    later=$(sed -n 's/^LATER \([^ ]*\) \([0-9.]*\)$/\1 \2/p' "$OUT/holder2.log")
    m=$(wait_free "$base")
    detail="first call: ${first:-none} ms; later: ${later:-none} ms; memory back after ${m} s"
    if echo "$first" | awk '$1 == "cudaErrorDevicesUnavailable" && $2 < 5000 { ok = 1 } END { exit !ok }' &&
       echo "$later" | awk '$1 == "cudaErrorDevicesUnavailable" && $2 < 10 { ok = 1 } END { exit !ok }' &&
       [ "$m" != never ]; then
        result "worker SIGKILL" ok "$detail"
    else
        result "worker SIGKILL" fail "$detail"
    fi
}

stalled_worker() {
    base=$(free_bytes)
    start_holder "$OUT/holder3.log" GVIRTUS_TIMEOUT=2s ||
        { result "worker SIGSTOP" fail "no client"; return; }
    w=$(workers)
    kill -STOP $w
    wait $HOLDER 2>/dev/null
    first=$(sed -n 's/^ERROR \([^ ]*\) \([0-9.]*\)$/\1 \2/p' "$OUT/holder3.log")
    why=$(grep -m1 -o "[a-z ]* within [0-9]* ms" "$OUT/holder3.log")
    kill -9 $w
    kill -CONT $w 2>/dev/null
    m=$(wait_free "$base")
    detail="error: ${first:-none} ms; log: '${why:-none}'; memory back after ${m} s"
    if echo "$first" | awk '$1 == "cudaErrorDevicesUnavailable" && $2 >= 1900 && $2 < 4000 { ok = 1 } END { exit !ok }' &&
       [ -n "$why" ] && [ "$m" != never ]; then
        result "worker SIGSTOP, GVIRTUS_TIMEOUT=2s" ok "$detail"
    else
        result "worker SIGSTOP, GVIRTUS_TIMEOUT=2s" fail "$detail"
    fi
}

run() {
    setup
    [ -n "${DRY_BUILD:-}" ] ||
        nvidia-smi --query-gpu=name,driver_version,memory.total \
            --format=csv,noheader
    start_gvd
    [ -n "${DRY_BUILD:-}" ] || stress
    killed_client
    killed_worker
    stalled_worker
    stop_gvd
    {
        echo "## Hardening on the GPU host ($(date -u +%Y-%m-%d))"
        echo
        echo "| check | result | details |"
        echo "|---|---|---|"
        printf '%s' "$rows"
        echo
        echo "$pass passed, $fail failed"
    } > "$OUT/hardening.md"
    echo
    cat "$OUT/hardening.md"
    [ $fail -eq 0 ]
}

case ${1:-} in
build) build ;;
run) run ;;
*) echo "usage: $0 build|run" >&2; exit 2 ;;
esac
