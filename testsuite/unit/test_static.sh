#!/bin/sh
# test_static.sh - checks on the tree and the built libraries that need
# no daemon: the generated API code is current, the generator's own
# tests pass, libcudart, libcuda, libnvidia-ml, libcublas, libcublasLt,
# libcudnn, libcurand, libcusolver, libcufft, libnvrtc and libcusparse
# export exactly NVIDIA's symbols (names and version node; cuBLAS's
# two, cuDNN, cuRAND, cuSOLVER, cuFFT, NVRTC and cuSPARSE also compared
# with NVIDIA's own libraries where the toolkit has them), libgvirtus
# exports only ours, man pages render without warnings, every
# directory says what lives there.  Prints "RESULT passed failed
# skipped".
src=${GVTEST_SRCDIR:-..}
build=${GVTEST_BUILDDIR:-..}
p=0 f=0 s=0

check() { # name, command...
    name=$1
    shift
    if out=$("$@" 2>&1); then
        echo "  Test: $name ...passed"
        p=$((p + 1))
    else
        echo "  Test: $name ...FAILED"
        echo "$out" | tail -n 15 | sed 's/^/      /'
        f=$((f + 1))
    fi
}

skip() {
    echo "  Test: $1 ...skipped"
    echo "    SKIP $1: $2"
    s=$((s + 1))
}

if command -v python3 >/dev/null 2>&1; then
    check generated_code_is_current python3 "$src/lib/gen/gvgen.py" --check
    check generator_unit_tests sh -c "cd '$src' && python3 -m unittest -q lib/gen/test_gvgen.py"
    if [ -f "$build/lib/.libs/libcudart.so.13" ]; then
        check libcudart_exports_nvidia_symbols python3 "$src/lib/gen/gvgen.py" \
            --api "$src/lib/gen/cudart.api" \
            --verify-lib "$build/lib/.libs/libcudart.so.13"
    else
        skip libcudart_exports_nvidia_symbols "libcudart not built (no CUDA headers)"
    fi
    for pair in cuda:libcuda.so.1 nvml:libnvidia-ml.so.1 \
                cublas:libcublas.so.13 cublasLt:libcublasLt.so.13 \
                cudnn:libcudnn.so.9 curand:libcurand.so.10 \
                cusolver:libcusolver.so.12 cufft:libcufft.so.12 \
                nvrtc:libnvrtc.so.13 \
                cusparse:libcusparse.so.12; do
        api=${pair%%:*} lib=${pair#*:}
        if [ -f "$build/lib/.libs/$lib" ]; then
            check "${lib%%.so*}_exports_nvidia_symbols" python3 \
                "$src/lib/gen/gvgen.py" --api "$src/lib/gen/$api.api" \
                --verify-lib "$build/lib/.libs/$lib"
        else
            skip "${lib%%.so*}_exports_nvidia_symbols" "$lib not built"
        fi
    done
else
    skip generated_code_is_current "python3 missing"
    skip generator_unit_tests "python3 missing"
    skip libcudart_exports_nvidia_symbols "python3 missing"
fi

# Function symbols with their version, as the dynamic linker binds them.
dyn_funcs() {
    nm -D --defined-only --with-symbol-versions "$1" |
        awk '$2 == "T" || $2 == "W" || $2 == "i" {print $3}' |
        sed 's/@@*/@/' | sort
}
same_as_nvidia() { # ours, NVIDIA's
    dyn_funcs "$2" > "$tmp_n"
    d=$(dyn_funcs "$1" | diff - "$tmp_n")
    [ -z "$d" ] || { echo "$1 and $2 differ:"; echo "$d" | head; return 1; }
}
cuda_lib=${CUDA_HOME:-/usr/local/cuda}/lib64
tmp_n=$(mktemp)
for lib in libcublas.so.13 libcublasLt.so.13 libcudnn.so.9 \
           libcurand.so.10 libcusolver.so.12 libcufft.so.12 \
           libnvrtc.so.13 \
           libcusparse.so.12; do
    name="${lib%%.so*}_matches_nvidias_library"
    if [ ! -f "$build/lib/.libs/$lib" ]; then
        skip "$name" "$lib not built"
    elif [ ! -f "$cuda_lib/$lib" ]; then
        skip "$name" "no $cuda_lib/$lib to compare with"
    else
        check "$name" same_as_nvidia "$build/lib/.libs/$lib" "$cuda_lib/$lib"
    fi
done
rm -f "$tmp_n"

libgvirtus_exports() {
    bad=$(nm -D --defined-only "$build/lib/.libs/libgvirtus.so.0" |
          awk '{print $3}' | grep -v -E '^(gvc_|gvt_|gvf_|gvx_|GVIRTUS_)' |
          grep -v '^_' )
    [ -z "$bad" ] || { echo "unexpected exports: $bad"; return 1; }
}
if [ -f "$build/lib/.libs/libgvirtus.so.0" ]; then
    check libgvirtus_exports_only_ours libgvirtus_exports
else
    skip libgvirtus_exports_only_ours "libgvirtus not built"
fi

# The five pages exist, each renders without a warning (for formatting
# and for a terminal), and every page in man/ is installed.
man_clean() {
    for m in gvirtus.7 gvd.8 gvregistryd.8 gvctl.1 gvirtus.ini.5; do
        [ -f "$src/man/$m" ] || { echo "man/$m missing"; return 1; }
    done
    for m in "$src"/man/*.[0-9]; do
        w=$( (groff -man -ww -z "$m"; groff -man -ww -Tutf8 "$m" >/dev/null) 2>&1)
        [ -z "$w" ] || { echo "$m: $w"; return 1; }
        sed -n '/^dist_man_MANS/,/[^\\]$/p' "$src/man/Makefile.am" |
            grep -qwF -- "${m##*/}" ||
            { echo "${m##*/} is not in man/Makefile.am's dist_man_MANS"; return 1; }
    done
}
if command -v groff >/dev/null 2>&1; then
    check man_pages_render_clean man_clean
else
    skip man_pages_render_clean "groff missing"
fi

readmes() {
    for d in lib lib/common lib/gen transport gvd registry mpi-examples etc \
             testsuite man docs; do
        [ -f "$src/$d/README.md" ] || { echo "$d/README.md missing"; return 1; }
    done
}
check every_directory_has_a_readme readmes

echo
echo "RESULT $p $f $s"
[ $f -eq 0 ]
