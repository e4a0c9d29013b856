#!/bin/sh
# demo.sh BUILD_DIR - the quick start's main job (`make demo`).
#
# Starts the registry (gvregistryd) and gvd on loopback, builds a small
# CUDA program with `nvcc -cudart shared`, runs it natively and then
# through the gvirtus frontend (LD_LIBRARY_PATH to our libcudart.so.13,
# GVIRTUS_SERVERS to the local gvd), and says what happened.  On a
# machine without a GPU, gvd is started with require_gpu = no: the call
# path runs up to the GPU host and the real CUDA error comes back.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
case $build in /*) ;; *) build=$top/$build ;; esac
cuda=${CUDA_HOME:-/usr/local/cuda}
tmp=$(mktemp -d /tmp/gvirtus-demo.XXXXXX)
port=${GVD_PORT:-19999}
rport=${GVR_PORT:-19998}
pids=""

say() { printf '\n== %s\n' "$*"; }
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

gpu=no
if [ -e /dev/nvidia0 ] && nvidia-smi -L >/dev/null 2>&1; then
    gpu=yes
fi

say "building the sample program (nvcc -cudart shared)"
if ! "$cuda/bin/nvcc" -cudart shared -O2 -o "$tmp/vector_add" \
        "$top/testsuite/gpu/vector_add.cu" -I"$top/testsuite/gpu"; then
    echo "nvcc failed; is the CUDA toolkit at $cuda (CUDA_HOME)?"
    exit 1
fi

if [ -x "$build/registry/gvregistryd" ]; then
    say "starting gvregistryd on 127.0.0.1:$rport"
    cat > "$tmp/registry.ini" <<EOF
[registryd]
listen = 127.0.0.1
port = $rport
database = $tmp/registry.db
auth = none
EOF
    "$build/registry/gvregistryd" -c "$tmp/registry.ini" \
        2> "$tmp/registry.log" &
    pids="$pids $!"
fi

say "starting gvd on 127.0.0.1:$port (GPU here: $gpu)"
cat > "$tmp/gvd.ini" <<EOF
[gvd]
listen = 127.0.0.1
port = $port
device = cuda
require_gpu = $gpu
cache_dir = $tmp/cache
worker = $build/gvd/gvd-worker
cuda_runtime = $cuda/lib64/libcudart.so.13
EOF
mkdir -p "$tmp/cache"
"$build/gvd/gvd" -c "$tmp/gvd.ini" 2> "$tmp/gvd.log" &
pids="$pids $!"
i=0
while ! grep -q listening "$tmp/gvd.log" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$!" 2>/dev/null; then
        echo "gvd did not start:"; cat "$tmp/gvd.log"; exit 1
    fi
    sleep 0.1
done
sed 's/^/   gvd: /' "$tmp/gvd.log"

if [ $gpu = yes ]; then
    say "running vector_add natively"
    LD_LIBRARY_PATH=$cuda/lib64 "$tmp/vector_add" 1000000
fi

say "running vector_add through gvirtus"
echo "   LD_LIBRARY_PATH=$build/lib/.libs GVIRTUS_SERVERS=127.0.0.1:$port"
LD_LIBRARY_PATH=$build/lib/.libs GVIRTUS_SERVERS=127.0.0.1:$port \
    "$tmp/vector_add" 1000000 > "$tmp/out" 2>&1
rc=$?
sed 's/^/   app: /' "$tmp/out"
grep -h "worker\|client" "$tmp/gvd.log" | tail -n 3 | sed 's/^/   gvd: /'

say "what happened"
if [ $gpu = yes ] && [ $rc -eq 0 ]; then
    echo "vector_add ran on the GPU through gvd: its CUDA calls went over"
    echo "UCX to a gvd-worker process, which ran them on the real driver."
elif [ $gpu = no ]; then
    echo "No GPU here: the program's calls reached gvd-worker, which called"
    echo "the real CUDA runtime; the error above is the one CUDA reported."
else
    echo "vector_add failed through gvirtus (exit $rc); see the lines above."
    exit 1
fi
