#!/bin/bash
# gpu-host.sh - gvirtus on a GPU host, in one script.
#
#   testsuite/gpu-host.sh pack   on the build machine: build, install into
#                                .pack/, fetch the shared libraries a bare
#                                GPU host lacks (UCX, inih, ...), build the
#                                GPU programs and benchmarks
#   testsuite/gpu-host.sh with-gvd CMD...   on the GPU host: CMD through
#                                gvirtus against a gvd of its own (TLS=tcp
#                                or sm,self), e.g. with GVIRTUS_STATS=1
#   testsuite/gpu-host.sh run    on the GPU host, from the repository root
#                                with .pack/ beside it: start gvd on
#                                loopback, run the GPU suite natively and
#                                through gvirtus over TCP and shared memory,
#                                run the benchmarks and the hardening
#                                checks (gpu/hardening-gpu.sh), print the
#                                tables last
#
# Results go to $OUT (default /tmp/gvirtus-gpu): summary.md, and
# results.tgz with the per-run logs and tables (testsuite/results.sh).
# Environment: GPU_SUITE_ONLY="name ..." limits the suite; SKIP_BENCH=1
# skips benchmarks, SKIP_HARDENING=1 the hardening checks, SKIP_SUITE=1,
# SKIP_PEER=1 and SKIP_MPI=1 the suite, the peer copies between two gvd
# (run_peer) and the MPI examples; SKIP_TORCH=1 and SKIP_CUPY=1 the
# PyTorch and CuPy cases (TORCH_CASES="...", CUPY_CASES="..." some of
# them; TORCH_WRAP="cmd" runs their gvirtus side through a wrapper such
# as .pack/asan-wrap.sh after pack with PACK_SAN=1; TORCH_TIMEOUT its
# seconds, default 180); CUDA_HOME (default /usr/local/cuda).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
P=$top/.pack
cuda=${CUDA_HOME:-/usr/local/cuda}
DEBS="libucx0 ucx-utils libibverbs1 librdmacm1 libnuma1 ibverbs-providers
      libhwloc15 libinih1"

pack() {
    set -e
    make -C "$top" all
    rm -rf "$P/root" "$P/gpu-bin" "$P/bench"
    mkdir -p "$P/debs" "$P/deps" "$P/bench"
    make -C "$top/build" install DESTDIR="$P/root" >/dev/null
    if [ ! -f "$P/debs/.done" ]; then
        (cd "$P/debs" && apt-get download $DEBS) && touch "$P/debs/.done"
    fi
    for d in "$P"/debs/*.deb; do dpkg -x "$d" "$P/deps"; done
    make -f "$top/testsuite/gpu/Makefile.gpu" OUT="$P/gpu-bin" -j"$(nproc)" \
        >/dev/null
    "$cuda/bin/nvcc" -cudart shared -O2 \
        -gencode arch=compute_90,code=sm_90 \
        -o "$P/bench/cuda_bench" "$top/testsuite/bench/cuda_bench.cu"
    "$cuda/bin/nvcc" -cudart shared -O2 -std=c++17 \
        -gencode arch=compute_90,code=sm_90 \
        -o "$P/bench/cublas_bench" "$top/testsuite/bench/cublas_bench.cu" \
        -lcublas -lcublasLt
    cp "$top/build/testsuite/bench/bench_transport" \
       "$top/build/testsuite/bench/bench_rawam" "$P/bench/"
    bash "$top/testsuite/gpu/hardening-gpu.sh" build > /dev/null
    rm -rf "$P/mpi"
    if [ -x "$top/build/mpi-examples/ring_pass" ]; then
        mkdir -p "$P/mpi"
        for b in vector_reduce jacobi2d ring_pass pingpong; do
            cp "$top/build/mpi-examples/$b" "$P/mpi/"
        done
    fi
    # PACK_SAN=1: the client libraries built with ASan+UBSan too (make
    # check's build-san/), for TORCH_WRAP="$P/asan-wrap.sh" or any
    # program run through that wrapper.
    rm -rf "$P/san" "$P/asan-wrap.sh"
    if [ -n "${PACK_SAN:-}" ]; then
        make -C "$top/build-san" >/dev/null
        mkdir -p "$P/san"
        for f in "$top"/build-san/lib/.libs/lib*.so.[0-9]*; do
            case $f in *.so.*.*) continue ;; esac
            cp -L "$f" "$P/san/"
        done
        cp -L "$(gcc -print-file-name=libasan.so.8)" \
            "$(gcc -print-file-name=libubsan.so.1)" "$P/san/"
        cp "$top/testsuite/asan-wrap.sh" "$P/"
    fi
    du -sh "$P"
}

# ---- on the GPU host ------------------------------------------------------

setup_env() {
    OUT=${OUT:-/tmp/gvirtus-gpu}
    mkdir -p "$OUT"
    DEPS=$P/deps/usr/lib/x86_64-linux-gnu
    ROOT=$P/root/usr/local
    GVLIB=$ROOT/lib/gvirtus
    export UCX_MODULE_DIR=$DEPS/ucx
    export LD_LIBRARY_PATH=$DEPS:$cuda/lib64
    # cuDNN: the toolkit's, or else the one PyTorch's wheels carry (for the
    # native runs and for gvd's workers, which dlopen libcudnn.so.9).
    if [ ! -e "$cuda/lib64/libcudnn.so.9" ]; then
        d=$(python3 -c 'import glob, site
for p in site.getsitepackages():
    for f in glob.glob(p + "/nvidia/cudnn/lib/libcudnn.so.9"):
        print(f.rsplit("/", 1)[0]); raise SystemExit' 2>/dev/null)
        [ -z "$d" ] || export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:$d
    fi
    export PATH=$P/deps/usr/bin:$PATH
    PORT=${GVD_PORT:-9999}
    CACHE=${GVD_CACHE:-/tmp/gvirtus-cache}
}

start_gvd() {
    cat > "$OUT/gvd.ini" <<EOF
[gvd]
listen = 127.0.0.1
port = $PORT
device = cuda
cuda_runtime = $cuda/lib64/libcudart.so.13
worker = $ROOT/libexec/gvirtus/gvd-worker
cache_dir = $CACHE
log_level = ${GVD_LOGLEVEL:-info}
EOF
    mkdir -p "$CACHE"
    "$ROOT/sbin/gvd" -c "$OUT/gvd.ini" --list-gpus
    "$ROOT/sbin/gvd" -c "$OUT/gvd.ini" 2> "$OUT/gvd.log" &
    GVD_PID=$!
    for _ in $(seq 100); do
        grep -q listening "$OUT/gvd.log" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "gvd did not start:"; cat "$OUT/gvd.log"; exit 1
}

env_file() { # tls -> path of the env file for a gvirtus run
    f=$OUT/env.$2
    {
        echo "LD_LIBRARY_PATH=$GVLIB:$DEPS:$cuda/lib64"
        echo "GVIRTUS_SERVERS=127.0.0.1:$PORT"
        echo "UCX_TLS=$1"
        echo "UCX_MODULE_DIR=$UCX_MODULE_DIR"
        echo "GVIRTUS_LOGLEVEL=${GVIRTUS_LOGLEVEL:-warn}"
    } > "$f"
    echo "$f"
}

run_suite() {
    for t in tcp shm; do
        tls=tcp; [ $t = shm ] && tls=sm,self
        GVIRTUS_ENV_FILE=$(env_file $tls $t) \
            sh "$top/testsuite/gpu/run-suite.sh" "$P/gpu-bin" \
            "$OUT/suite-$t" ${GPU_SUITE_ONLY:-} > "$OUT/suite-$t.txt" 2>&1
        echo "== GPU suite over $t:"; tail -n 3 "$OUT/suite-$t.txt"
    done
}

# A second gvd on this host, one port below the first (same GPUs): a
# client listing both has two devices, each its own worker.
start_gvd2() {
    sed "s/^port = $PORT/port = $((PORT - 1))/" "$OUT/gvd.ini" > "$OUT/gvd2.ini"
    "$ROOT/sbin/gvd" -c "$OUT/gvd2.ini" 2> "$OUT/gvd2.log" &
    GVD2_PID=$!
    for _ in $(seq 100); do
        grep -q listening "$OUT/gvd2.log" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "second gvd did not start:"; cat "$OUT/gvd2.log"
}

stop_gvd2() {
    kill "$GVD2_PID"; wait "$GVD2_PID"
}

peer_ctr() { # port, counter -> the GPU's total (first "gpus" entry)
    "$ROOT/bin/gvctl" status --node "127.0.0.1:$1" --json 2>/dev/null |
        grep -o "\"$2\": [0-9]*" | head -n 1 | awk '{print $2}'
}

# Peer copies between the two gvd (devices 0 and 1 of one process): the
# program checks the data; gvd's counters must show exactly its bytes
# sent by one worker and received by the other, worker to worker.
run_peer() {
    local f o0 i0 o1 i1 b0 b1 rc
    f=$(env_file tcp peer)
    sed -i "s/^GVIRTUS_SERVERS=.*/GVIRTUS_SERVERS=127.0.0.1:$PORT,127.0.0.1:$((PORT - 1))/" "$f"
    o0=$(peer_ctr "$PORT" peer_out_bytes); i0=$(peer_ctr "$PORT" peer_in_bytes)
    o1=$(peer_ctr $((PORT - 1)) peer_out_bytes)
    i1=$(peer_ctr $((PORT - 1)) peer_in_bytes)
    env $(cat "$f") "$P/gpu-bin/peer_two_gvd" > "$OUT/peer.txt" 2>&1
    rc=$?
    sleep 1 # the workers' exit folds their counters into the GPUs'
    {
        echo "gvd :$PORT after: $("$ROOT/bin/gvctl" status --node "127.0.0.1:$PORT")"
        echo "gvd :$((PORT - 1)) after: $("$ROOT/bin/gvctl" status --node "127.0.0.1:$((PORT - 1))")"
    } >> "$OUT/peer.txt" 2>&1
    read -r b0 b1 <<EOT
$(awk '/^PEER_BYTES/ {print $2, $3}' "$OUT/peer.txt")
EOT
    echo "== peer copies between two gvd (peer_two_gvd):"
    grep -E "^(PASS|FAIL)" "$OUT/peer.txt"
    if [ "$rc" -eq 0 ] && [ -n "${b0:-}" ] &&
       [ $(( $(peer_ctr "$PORT" peer_out_bytes) - o0 )) -eq "$b0" ] &&
       [ $(( $(peer_ctr "$PORT" peer_in_bytes) - i0 )) -eq "$b1" ] &&
       [ $(( $(peer_ctr $((PORT - 1)) peer_in_bytes) - i1 )) -eq "$b0" ] &&
       [ $(( $(peer_ctr $((PORT - 1)) peer_out_bytes) - o1 )) -eq "$b1" ]; then
        echo "PEER COUNTERS OK: $b0 bytes 0->1, $b1 bytes 1->0 worker to worker"
    else
        echo "PEER COUNTERS WRONG (exit $rc; see peer.txt)"
    fi | tee -a "$OUT/peer.txt"
}

# MPI examples: natively, then through two gvd instances on this host
# (ranks alternate between them: devices 0 and 1 of the client).
run_mpi() {
    [ -d "$P/mpi" ] && command -v mpirun >/dev/null || return 0
    f=$(env_file tcp mpi)
    sed -i "s/^GVIRTUS_SERVERS=.*/GVIRTUS_SERVERS=127.0.0.1:$PORT,127.0.0.1:$((PORT - 1))/" "$f"
    MPIRUN_FLAGS="--allow-run-as-root --oversubscribe --mca opal_cuda_support 0" \
        GVIRTUS_ENV_FILE=$f sh "$top/mpi-examples/run-mpi.sh" "$P/mpi" \
        "$OUT/mpi" > "$OUT/mpi.txt" 2>&1
    echo "== MPI examples (4 ranks over two gvd):"; tail -n 3 "$OUT/mpi.txt"
}

# A Python workload (gpu/torch_smoke.py, gpu/cupy_smoke.py), each case in
# its own process natively and through gvirtus-run over shared memory:
# run_py NAME MODULE SCRIPT CASES -> $OUT/NAME.txt
run_py() {
    local name=$1 mod=$2 py=$top/testsuite/gpu/$3 cases=$4 f p=0 n=0
    python3 -c "import $mod" 2>/dev/null || {
        echo "== $name: no $mod in python3"; return 0; }
    f=$(env_file sm,self $name)
    {
        echo "| case | native | gvirtus (shm) | result |"
        echo "|---|---|---|---|"
        for c in $cases; do
            a=$(timeout 120 python3 "$py" $c 2>"$OUT/$name.$c.native.err")
            b=$(env $(cat "$f") timeout ${TORCH_TIMEOUT:-180} \
                "$ROOT/bin/gvirtus-run" -L "$GVLIB" ${TORCH_WRAP:-} \
                python3 "$py" $c 2>"$OUT/$name.$c.gv.err")
            rc=$?
            [ -n "$b" ] || b="exit $rc: $(grep -v '^\s*$' "$OUT/$name.$c.gv.err" | tail -n 1 | cut -c1-150)"
            n=$((n + 1))
            case $b in "$c ok "*) p=$((p + 1)); r=PASS ;; *) r=FAIL ;; esac
            echo "| $c | ${a#$c } | ${b#$c } | $r |"
        done
        echo
        echo "$p passed, $((n - p)) failed"
    } > "$OUT/$name.txt" 2>&1
    echo "== $name through gvirtus:"; tail -n 1 "$OUT/$name.txt"
}

# Stock PyTorch (the host's python3).
run_torch() {
    run_py torch torch torch_smoke.py "${TORCH_CASES:-info add linear mlp conv fft solve sparse graph events streams}"
}

# CuPy (the host's python3).
run_cupy() {
    run_py cupy cupy cupy_smoke.py "${CUPY_CASES:-info elementwise raw reduce matmul fft linalg random sparse}"
}

# Bytes of fatbins clients sent to gvd so far (its log; cache hits send 0).
fatbin_bytes() {
    sed -n 's/.*fatbin [0-9a-f]* (\([0-9]*\) bytes) sent by the client.*/\1/p' \
        "$OUT/gvd.log" | awk '{ s += $1 } END { print s + 0 }'
}

bench_with() { # label, env file or "" -> BENCH lines prefixed with label
    tb=$top/testsuite/bench/torch_bench.py
    if [ -z "$2" ]; then
        "$P/bench/cuda_bench" 1024
        "$P/bench/cublas_bench" 8192
        python3 -c 'import torch' 2>/dev/null && timeout 300 python3 "$tb"
    else
        env $(cat "$2") "$P/bench/cuda_bench" 1024
        # gvirtus's libcublas and libcublasLt (LD_LIBRARY_PATH of the env
        # file); the program refuses to run on NVIDIA's.
        env $(cat "$2") "$P/bench/cublas_bench" 8192
        if python3 -c 'import torch' 2>/dev/null; then
            # The first gvirtus run ships PyTorch's fatbins, the second
            # should find them all in gvd's cache.
            before=$(fatbin_bytes)
            env $(cat "$2") timeout 300 "$ROOT/bin/gvirtus-run" -L "$GVLIB" \
                python3 "$tb"
            echo "BENCH torch_fatbin_sent 0 $(($(fatbin_bytes) - before)) B"
        fi
    fi 2>&1 | awk -v l="$1" '/^BENCH/ {print l, $2, $3, $4, $5}'
}

run_bench() {
    : > "$OUT/cuda-bench.txt"
    bench_with native "" >> "$OUT/cuda-bench.txt"
    bench_with tcp "$(env_file tcp tcp)" >> "$OUT/cuda-bench.txt"
    bench_with shm "$(env_file sm,self shm)" >> "$OUT/cuda-bench.txt"
    UCX_PERFTEST=$P/deps/usr/bin/ucx_perftest sh \
        "$top/testsuite/bench/bench-transport.sh" "$P/bench/bench_transport" \
        "$OUT/transport-bench.csv" > "$OUT/transport-bench.txt" 2>&1
}

summary() {
    {
        if [ -f "$OUT/cuda-bench.txt" ]; then
            echo "## CUDA micro-benchmarks (gvirtus / native; lower is better for us, higher for GB/s and TFLOP/s)"
            echo
            echo "| metric | size | native | tcp | shm | tcp/native | shm/native |"
            echo "|---|---|---|---|---|---|---|"
            awk '{ v[$1" "$2" "$3] = $4; u[$2" "$3] = $5; k[$2" "$3] = 1 }
                 END { for (m in k) { n = v["native " m]; t = v["tcp " m];
                       s = v["shm " m]; split(m, a, " ");
                       printf "| %s (%s) | %s | %s | %s | %s | %.2f | %.2f |\n",
                         a[1], u[m], a[2], n, t, s, n ? t / n : 0, n ? s / n : 0 } }' \
                "$OUT/cuda-bench.txt" | sort -t'|' -k2,2 -k3,3n
            echo
            echo "## Transport against raw UCX"
            sed -n '/^Medians of/,$p' "$OUT/transport-bench.txt"
            echo
        fi
        if [ -f "$OUT/peer.txt" ]; then
            echo "## Peer copies between two gvd"
            grep -E "^(PASS|FAIL|PEER |peer )" "$OUT/peer.txt"
            echo
        fi
        if [ -f "$OUT/mpi.txt" ]; then
            echo "## MPI examples through two gvd"
            tail -n 1 "$OUT/mpi.txt"
        fi
        if [ -f "$OUT/torch.txt" ]; then
            echo "## PyTorch through gvirtus"
            cat "$OUT/torch.txt"
            echo
        fi
        if [ -f "$OUT/cupy.txt" ]; then
            echo "## CuPy through gvirtus"
            cat "$OUT/cupy.txt"
            echo
        fi
        if [ -f "$OUT/hardening.md" ]; then
            echo "## Hardening"
            cat "$OUT/hardening.md"
            echo
        fi
        for t in tcp shm; do
            [ -f "$OUT/suite-$t.txt" ] || continue
            echo "## GPU suite over $t"
            tail -n 1 "$OUT/suite-$t.txt"
        done
        echo
        echo "## Fatbin cache"
        cat /tmp/gvirtus-fatbin-cache.txt
    } > "$OUT/summary.md"
    cat "$OUT/summary.md"
}

run() {
    setup_env
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    start_gvd
    [ -n "${SKIP_SUITE:-}" ] || run_suite
    start_gvd2
    [ -n "${SKIP_PEER:-}" ] || run_peer
    [ -n "${SKIP_MPI:-}" ] || run_mpi
    stop_gvd2
    [ -n "${SKIP_TORCH:-}" ] || run_torch
    [ -n "${SKIP_CUPY:-}" ] || run_cupy
    [ -n "${SKIP_BENCH:-}" ] || run_bench
    kill "$GVD_PID"; wait "$GVD_PID"
    grep -E "ERROR|WARN" "$OUT/gvd.log" | grep -v "connection lost" |
        head -n 20
    echo "fatbins sent by clients: $(grep -c 'sent by the client' "$OUT/gvd.log"),"\
         "loaded from gvd's cache: $(grep -c 'from the cache' "$OUT/gvd.log")" |
        tee /tmp/gvirtus-fatbin-cache.txt
    rm -f "$OUT"/env.* "$OUT"/gvd*.ini "$OUT/transport-bench.csv"
    # Last: it kills clients and workers of a gvd of its own.
    if [ -z "${SKIP_HARDENING:-}" ]; then
        OUT=$OUT/hardening bash "$top/testsuite/gpu/hardening-gpu.sh" run \
            > "$OUT/hardening.txt" 2>&1
        cp "$OUT/hardening/hardening.md" "$OUT/" 2>/dev/null
    fi
    summary
    # Few files come back from a lent GPU host: everything but the summary
    # and the caller's log goes into results.tgz (results.sh reads it).
    (cd "$OUT" && find . -mindepth 1 -maxdepth 1 ! -name summary.md \
        ! -name run.txt ! -name results.tgz -printf '%P\n' |
        tar -czf results.tgz -T - && find . -mindepth 1 -maxdepth 1 \
        ! -name summary.md ! -name run.txt ! -name results.tgz \
        -exec rm -rf {} +)
}

# One command through gvirtus against a gvd of its own on this host, over
# TLS (UCX_TLS, default tcp), for looking into one case: GVIRTUS_STATS=1,
# GVIRTUS_LOGLEVEL and the like pass through.
with_gvd() {
    local f rc
    setup_env
    start_gvd
    f=$(env_file "${TLS:-tcp}" one)
    env $(cat "$f") "$ROOT/bin/gvirtus-run" -L "$GVLIB" "$@"
    rc=$?
    kill "$GVD_PID"; wait "$GVD_PID"
    return $rc
}

case ${1:-} in
pack) pack ;;
run) run ;;
with-gvd) shift; with_gvd "$@" ;;
*) echo "usage: $0 pack|run|with-gvd CMD..." >&2; exit 2 ;;
esac
