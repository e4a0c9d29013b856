#!/bin/sh
# test_install.sh - the installed layout, from `make install
# DESTDIR=...` of this build: the CUDA libraries only in
# $(libdir)/gvirtus (never beside NVIDIA's), gvirtus-run pointing there,
# gvirtus.pc and the headers enough to build and run a program against
# libgvirtus, every man page and the systemd units installed, and
# `make uninstall` leaving no file behind.
# Prints "RESULT passed failed skipped".
src=${GVTEST_SRCDIR:-..}
build=${GVTEST_BUILDDIR:-..}
. "$src/testsuite/unit/shtest.sh"
tmp=$shtest_tmp
root=$tmp/root

# The tests run under make: its jobserver and flags are not ours.
submake() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$build" "$@" \
        DESTDIR="$root" > "$tmp/make.log" 2>&1 || { tail -n 20 "$tmp/make.log"; return 1; }
}

if ! submake install; then
    check make_install_into_destdir false
    result
    exit $?
fi
check make_install_into_destdir true

files() { (cd "$root" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort); }
files > "$tmp/installed"
gvdir=$(sed -n 's|/libcudart\.so\.13$||p' "$tmp/installed")

cuda_libs_in_their_own_dir() {
    [ -n "$gvdir" ] || { echo "libcudart.so.13 not installed"; return 1; }
    case $gvdir in */gvirtus) ;; *) echo "libcudart in $gvdir"; return 1 ;; esac
    for l in libcudart.so.13 libcuda.so.1 libnvidia-ml.so.1 libcublas.so.13 \
             libcublasLt.so.13 libcudnn.so.9 libcurand.so.10 \
             libcusolver.so.12 libcufft.so.12 libnvrtc.so.13 \
             libgvirtus.so.0 \
             libcusparse.so.12; do
        grep -qx "$gvdir/$l" "$tmp/installed" || { echo "$l missing"; return 1; }
        n=$(grep -c "/$l\$" "$tmp/installed")
        [ "$n" -eq 1 ] || { echo "$l installed $n times"; return 1; }
    done
}

wrapper_points_there() {
    run=$(grep '/bin/gvirtus-run$' "$tmp/installed") ||
        { echo "gvirtus-run not installed"; return 1; }
    grep -q "GVIRTUS_LIBDIR:-'$gvdir'" "$root$run" ||
        { echo "$run does not name $gvdir"; return 1; }
    out=$(GVIRTUS_LIBDIR=$root$gvdir "$root$run" --print-env true) || return 1
    echo "$out" | grep -q "LD_PRELOAD=.*$root$gvdir/libcudart.so.13" ||
        { echo "$out"; return 1; }
}

# A sanitizer build's libgvirtus needs its program built the same way
# (the runtime must come first in the program's libraries).
san=$(sed -n "s/^GV_LDFLAGS = //p" "$build/Makefile" 2>/dev/null)

# pkg-config's output is meant to be split into words.
# shellcheck disable=SC2046,SC2086
pkg_config_builds_a_program() {
    pc=$(grep '/pkgconfig/gvirtus.pc$' "$tmp/installed") ||
        { echo "gvirtus.pc not installed"; return 1; }
    export PKG_CONFIG_PATH="$root${pc%/gvirtus.pc}" PKG_CONFIG_SYSROOT_DIR="$root"
    pkg-config --validate gvirtus || return 1
    for h in gvf.h gvc_status.h gvc_wire.h gvc_log.h gvt.h; do
        # each header compiles on its own
        echo "#include <$h>" | ${CC:-cc} -std=gnu11 -fsyntax-only -Werror \
            $(pkg-config --cflags gvirtus) -x c - || return 1
    done
    cat > "$tmp/uses.c" <<'C'
#include <gvf.h>
#include <gvc_log.h>
#include <stdio.h>
int main(void)
{
    printf("%d %s\n", gvf_device_count(), gvc_status_name(GVC_ERR_TIMEOUT));
    return 0;
}
C
    ${CC:-cc} -std=gnu11 -Wall -Wextra -Werror $san \
        $(pkg-config --cflags gvirtus) "$tmp/uses.c" -o "$tmp/uses" $(pkg-config --libs gvirtus) || return 1
    out=$("$tmp/uses") || return 1
    [ "$out" = "0 GVC_ERR_TIMEOUT" ] || { echo "got: $out"; return 1; }
}

man_pages_and_units() {
    for m in "$src"/man/*.[1-8]; do
        m=${m##*/}
        grep -q "/man[1-8]/$m\$" "$tmp/installed" || { echo "$m missing"; return 1; }
    done
    if grep -q '^HAVE_SYSTEMDUNITDIR_TRUE = $' "$build/etc/Makefile" 2>/dev/null; then
        if ! grep -q '/gvd.service$' "$tmp/installed" ||
           ! grep -q '/gvregistryd.service$' "$tmp/installed"; then
            echo "units missing"
            return 1
        fi
    fi
}

if [ -z "$gvdir" ] && ! grep -q '/sbin/gvd$' "$tmp/installed"; then
    skip cuda_libraries_in_their_own_directory "not built (no CUDA headers)"
    skip gvirtus_run_points_there "not built (no CUDA headers)"
    skip pkg_config_builds_a_program "not built (no CUDA headers)"
else
    check cuda_libraries_in_their_own_directory cuda_libs_in_their_own_dir
    check gvirtus_run_points_there wrapper_points_there
    if command -v pkg-config >/dev/null 2>&1; then
        check pkg_config_builds_a_program pkg_config_builds_a_program
    else
        skip pkg_config_builds_a_program "pkg-config missing"
    fi
fi
check man_pages_and_units_installed man_pages_and_units

uninstall_leaves_nothing() {
    submake uninstall || return 1
    left=$(files)
    [ -z "$left" ] || { echo "left after make uninstall:"; echo "$left"; return 1; }
}
check uninstall_leaves_nothing uninstall_leaves_nothing

result
