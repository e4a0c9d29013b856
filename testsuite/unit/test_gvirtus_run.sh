#!/bin/sh
# test_gvirtus_run.sh - lib/gvirtus-run: the environment it exports
# (LD_LIBRARY_PATH first, every lib*.so.N preloaded by absolute path,
# GVIRTUS_SERVERS), its errors, and that a Python behind pyenv-style
# shims (sh -> fake pyenv -> exec python3) loads our libcudart and
# reaches the server named on the command line.
# Prints "RESULT passed failed skipped".
src=${GVTEST_SRCDIR:-..}
build=${GVTEST_BUILDDIR:-..}
. "$src/testsuite/unit/shtest.sh"
tmp=$shtest_tmp
run="$build/lib/gvirtus-run"
libs="$build/lib/.libs"

if [ ! -x "$run" ] || [ ! -f "$libs/libcudart.so.13" ]; then
    skip gvirtus_run "the CUDA frontends are not built (no CUDA headers)"
    result
    exit $?
fi
libs=$(cd "$libs" && pwd -P)

# In a sanitizer build our libraries need the ASan runtime, which the
# programs started here (sed, python3) do not link; it comes in as a
# dependency of the preloaded library instead of first.
if grep -q '^GV_LDFLAGS = .*-fsanitize=address' "$build/Makefile" 2>/dev/null
then
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:detect_leaks=0"
fi

contains() { # haystack, needle
    case $1 in *"$2"*) return 0 ;; esac
    echo "expected '$2' in:"
    echo "$1"
    return 1
}

lacks() { # haystack, needle
    case $1 in *"$2"*) echo "unexpected '$2' in:"; echo "$1"; return 1 ;; esac
}

help_and_version() {
    out=$("$run" --help) || return 1
    contains "$out" "--server HOST[:PORT][#GPU]" &&
    contains "$out" "--print-env" &&
    "$run" --version | grep -q '^gvirtus-run [0-9]'
}
check help_and_version help_and_version

print_env() {
    out=$(LD_LIBRARY_PATH=/opt/x LD_PRELOAD=/opt/tool.so "$run" \
          --libdir "$libs" -s gpu1:9999#0 --server gpu2#1 -n ./app 'a b') ||
        return 1
    contains "$out" "export LD_LIBRARY_PATH='$libs:/opt/x'" &&
    contains "$out" "$libs/libcudart.so.13" &&
    contains "$out" "$libs/libcuda.so.1" &&
    contains "$out" "$libs/libnvidia-ml.so.1" &&
    contains "$out" " /opt/tool.so'" &&
    lacks "$out" "libgvirtus" && lacks "$out" ".so.13.0.0" &&
    contains "$out" "export GVIRTUS_SERVERS='gpu1:9999#0,gpu2#1'" &&
    contains "$out" "exec './app' 'a b'"
}
check print_env_shows_what_it_exports print_env

# A library installed later (libcublas.so.13) is preloaded without a
# change here; dev symlinks and libtool files are not.
later_libraries() {
    d="$tmp/libdir"
    mkdir -p "$d"
    for f in libcudart.so.13 libcudart.so.13.0.0 libcudart.so libcudart.la \
             libcublas.so.13 libgvirtus.so.0 libfoo.so.1.2; do
        : > "$d/$f"
    done
    out=$(GVIRTUS_LIBDIR=$d "$run" --print-env) || return 1
    contains "$out" "export LD_PRELOAD='$d/libcublas.so.13 $d/libcudart.so.13'"
}
check later_libraries_are_preloaded later_libraries

# Nested runs and repeated directories do not pile up.
nested() {
    out=$("$run" -L "$libs" "$run" -L "$libs" -n) || return 1
    n=$(echo "$out" | grep LD_PRELOAD | grep -o 'libcudart.so.13' | wc -l)
    [ "$n" -eq 1 ] || { echo "libcudart preloaded $n times: $out"; return 1; }
    lacks "$out" "$libs:$libs"
}
check nested_runs_do_not_duplicate nested

no_preload() {
    out=$(env -u LD_PRELOAD "$run" -L "$libs" --no-preload -n true) || return 1
    lacks "$out" "LD_PRELOAD" && contains "$out" "LD_LIBRARY_PATH='$libs'"
}
check no_preload_sets_only_the_path no_preload

errors() {
    "$run" -L "$libs" >/dev/null 2>&1; [ $? -eq 2 ] || { echo "no command"; return 1; }
    "$run" --bogus true >/dev/null 2>&1; [ $? -eq 2 ] || { echo "bad option"; return 1; }
    "$run" -s 'gpu1:99x' true >/dev/null 2>&1; [ $? -eq 2 ] || { echo "bad server"; return 1; }
    "$run" -s >/dev/null 2>&1; [ $? -eq 2 ] || { echo "missing argument"; return 1; }
    out=$("$run" -L "$tmp/nowhere" true 2>&1); [ $? -eq 1 ] || return 1
    contains "$out" "no gvirtus libraries in $tmp/nowhere"
}
check errors_are_usage_or_setup errors

runs_the_command() {
    # shellcheck disable=SC2016 # expanded by the inner shell
    out=$("$run" -L "$libs" -s 127.0.0.1:1 sh -c \
          'echo "$GVIRTUS_SERVERS|$LD_LIBRARY_PATH"; exit 7')
    [ $? -eq 7 ] || { echo "exit status not passed on"; return 1; }
    [ "$out" = "127.0.0.1:1|$libs" ] || { echo "got: $out"; return 1; }
}
check runs_the_command_with_its_status runs_the_command

# ---- Python behind pyenv-style shims ---------------------------------
# shims/python3 is a shell script that execs a fake `pyenv exec`, which
# takes the shims out of PATH and execs the real python3: the shape of
# pyenv's shims.  Exported variables survive every exec.
make_shims() {
    mkdir -p "$tmp/shims" "$tmp/pyenv"
    cat > "$tmp/pyenv/pyenv" <<'SH'
#!/bin/sh
# fake `pyenv exec PROGRAM ARGS`: drop the shims from PATH, exec PROGRAM
[ "$1" = exec ] || exit 2
shift
prog=$1
shift
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/shims$' | paste -sd:)
export PATH
exec "$prog" "$@"
SH
    cat > "$tmp/shims/python3" <<SH
#!/usr/bin/env bash
set -e
program="\${0##*/}"
exec "$tmp/pyenv/pyenv" exec "\$program" "\$@"
SH
    chmod +x "$tmp/pyenv/pyenv" "$tmp/shims/python3"
}

# In Python: our libcudart is mapped from the preload, ctypes gets it by
# soname, and cudaGetDeviceCount goes to the server gvirtus-run named
# (nobody listens on port 1: cudaErrorDevicesUnavailable, 46).
cat > "$tmp/probe.py" <<'PY'
import ctypes, sys
libdir = sys.argv[1]
maps = open("/proc/self/maps").read()
print("preloaded" if libdir + "/libcudart.so.13" in maps else "not preloaded")
cudart = ctypes.CDLL("libcudart.so.13")
n = ctypes.c_int(-1)
print("err", cudart.cudaGetDeviceCount(ctypes.byref(n)))
PY

python_through_shims() {
    make_shims
    out=$(PATH="$tmp/shims:$PATH" GVIRTUS_LOGLEVEL=error \
          "$run" -L "$libs" -s 127.0.0.1:1 python3 "$tmp/probe.py" "$libs" \
          2>&1)
    contains "$out" "preloaded" && lacks "$out" "not preloaded" &&
    contains "$out" "cannot connect to gvd at 127.0.0.1:1" &&
    contains "$out" "err 46"
}

# eval "$(gvirtus-run --print-env)" prepares a whole shell session.
python_after_eval() {
    make_shims
    out=$(PATH="$tmp/shims:$PATH" GVIRTUS_LOGLEVEL=error sh -c '
        eval "$("$1" -L "$2" -s 127.0.0.1:1 --print-env)" &&
        python3 "$3" "$2"' sh "$run" "$libs" "$tmp/probe.py" 2>&1)
    contains "$out" "preloaded" && lacks "$out" "not preloaded" &&
    contains "$out" "err 46"
}

# What breaks a recipe: a launcher that clears the environment.  The
# same shim with `env -i` loses the preload (documented in gvirtus(7)).
python_env_i_loses_it() {
    make_shims
    out=$("$run" -L "$libs" -s 127.0.0.1:1 env -i PATH=/usr/bin:/bin \
          python3 "$tmp/probe.py" "$libs" 2>&1)
    contains "$out" "not preloaded"
}

# client.ini (etc/client.ini, commented sample) is accepted as is.
client_ini_sample() {
    out=$(GVIRTUS_LOGLEVEL=error "$run" -L "$libs" -s 127.0.0.1:1 \
          -c "$src/etc/client.ini" python3 "$tmp/probe.py" "$libs" 2>&1)
    lacks "$out" "client.ini" && contains "$out" "err 46"
}

if ! command -v python3 >/dev/null 2>&1 || ! command -v bash >/dev/null 2>&1; then
    skip python_through_pyenv_shims "python3 or bash missing"
else
    check python_through_pyenv_shims python_through_shims
    check python_after_eval_print_env python_after_eval
    check env_i_launcher_drops_the_preload python_env_i_loses_it
    check client_ini_sample_is_accepted client_ini_sample
fi

result
