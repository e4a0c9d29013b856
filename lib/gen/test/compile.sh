#!/bin/sh
# Compile the generated C with the project's warning flags (-Werror), as
# the real build will: an empty config.h, and test/gvd_rt.h in place of
# gvd's.  Run from anywhere; CUDA headers from $CUDA_HOME (default
# /usr/local/cuda).  Exit status: gcc's.
set -e
gen=$(cd "$(dirname "$0")/.." && pwd)
top=$(cd "$gen/../.." && pwd)
cuda=${CUDA_HOME:-/usr/local/cuda}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/config.h"
flags="-std=gnu11 -O2 -Wall -Wextra -Wshadow -Wmissing-prototypes
       -Wstrict-prototypes -Wno-unused-parameter -Werror
       -I$tmp -I$gen/test -I$cuda/include -I$top/lib -I$top/lib/common
       -I$top/lib/cudart -I$top/lib/cuda -I$top/lib/nvml -I$top/lib/cublas
       -I$top/lib/cublaslt -I$top/lib/cudnn -I$top/lib/curand
       -I$top/lib/cusolver -I$top/lib/cufft -I$top/lib/nvrtc -I$top/lib/cusparse
       -I$gen/third_party/nvml/include -I$top/transport -I$top/gvd
       -I$gen/out"
# In parallel (a few files are large); any failure fails the whole.
pids=""
for f in "$gen"/out/*_client_gen.c "$gen"/out/gvd_*_gen.c; do
    ${CC:-gcc} $flags -c "$f" -o "$tmp/$(basename "$f" .c).o" &
    pids="$pids $!"
done
rc=0
for p in $pids; do
    wait "$p" || rc=1
done
[ $rc -eq 0 ] || exit 1
echo "compile.sh: generated C compiles warning-free"
