#!/bin/sh
# asan-wrap.sh CMD... - run CMD with gvirtus's ASan+UBSan client libraries
# (packed beside this script in san/ by `PACK_SAN=1 gpu-host.sh pack`)
# in place of the ones gvirtus-run preloaded, the ASan runtime first: an
# uninstrumented program (python3) then reports our libraries' overflows.
S=$(cd "$(dirname "$0")/san" && pwd)
pre=$S/libasan.so.8
for p in $(echo "$LD_PRELOAD" | tr ':' ' '); do
    pre="$pre $S/$(basename "$p")"
done
LD_PRELOAD=$pre
LD_LIBRARY_PATH=$S:$LD_LIBRARY_PATH
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export LD_PRELOAD LD_LIBRARY_PATH ASAN_OPTIONS UBSAN_OPTIONS
exec "$@"
