#!/bin/sh
# results.sh DIR [NOTE] - refresh the measured tables of testsuite/gpu/RESULTS.md
# and testsuite/bench/RESULTS.md from one `gpu-host.sh run` whose $OUT
# files were fetched into DIR (summary.md and results.tgz, which holds
# suite-tcp.txt, suite-shm.txt, mpi.txt, hardening.md, cuda-bench.txt;
# or those files themselves).  Only the text between the "generated" markers is
# replaced; the prose around it is written by hand and says what the
# numbers mean, so reread it after a refresh.
set -eu
dir=${1:?usage: results.sh DIR [NOTE]}
note=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run=$dir/run.txt
if [ -f "$dir/results.tgz" ]; then
    mkdir "$tmp/x"
    tar -C "$tmp/x" -xzf "$dir/results.tgz"
    cp "$dir/summary.md" "$tmp/x/"
    dir=$tmp/x
fi
for f in summary.md suite-tcp.txt suite-shm.txt; do
    [ -f "$dir/$f" ] || { echo "results.sh: $dir/$f missing" >&2; exit 1; }
done

# The section of summary.md under heading $1 (up to the next "## "),
# without blank lines at either end (those inside part its tables).
section() {
    awk -v h="$1" '/^## / { on = index($0, h) > 0; next }
        on && (n || $0 != "") { l[++n] = $0 }
        END { while (n && l[n] == "") n--; for (i = 1; i <= n; i++) print l[i] }' \
        "$dir/summary.md"
}
# The pass/fail line and the table of a suite log.
suite() {
    grep '^| ' "$1"
    echo
    grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1
}
# Replace the block between the markers in $1 by the file $2.
splice() {
    awk -v gen="$2" '
        /<!-- generated: begin -->/ { print; while ((getline l < gen) > 0)
                                          print l; skip = 1; next }
        /<!-- generated: end -->/ { skip = 0 }
        !skip' "$1" > "$tmp/out"
    grep -q '<!-- generated: begin -->' "$1" ||
        { echo "results.sh: no markers in $1" >&2; exit 1; }
    cp "$tmp/out" "$1"
}

machine=$(sed -n 's/^\(NVIDIA [^,]*\), \([0-9.]*\), .*/\1, driver \2/p' \
          "$run" 2>/dev/null | head -n 1)
stamp="Run of $(date -u -r "$dir/summary.md" +%Y-%m-%d), ${machine:-GPU host}.${note:+ $note}"

{
    echo "$stamp"
    echo
    echo "| transport | passed | failed |"
    echo "|---|---|---|"
    for t in tcp shm; do
        set -- $(grep -E '^[0-9]+ passed, [0-9]+ failed' \
                 "$dir/suite-$t.txt" | tail -n 1)
        echo "| $t | $1 | $3 |"
    done
    echo
    echo "### Over TCP"
    echo
    suite "$dir/suite-tcp.txt"
    echo
    echo "### Over shared memory"
    echo
    suite "$dir/suite-shm.txt"
    if [ -f "$dir/mpi.txt" ]; then
        echo
        echo "### MPI examples, 1-5 ranks through two gvd (UCX over TCP)"
        echo
        suite "$dir/mpi.txt"
    fi
    if grep -q '^## Peer copies between two gvd' "$dir/summary.md"; then
        echo
        echo "### Peer copies between two gvd (one process, devices 0 and 1; issue 7)"
        echo
        echo "Bandwidth per copy; the last line compares both gvd's peer byte counters"
        echo "(gvctl status --json) with what the program copied."
        echo
        echo '```'
        section "Peer copies between two gvd"
        echo '```'
    fi
    if [ -f "$dir/torch.txt" ]; then
        echo
        echo "### Stock PyTorch (python3 on the host) through gvirtus-run, shared memory"
        echo
        echo "Each case in its own process, checked against the same computation on"
        echo "the CPU (gpu/torch_smoke.py); times in seconds including CUDA start-up."
        echo
        cat "$dir/torch.txt"
    fi
    if [ -f "$dir/cupy.txt" ]; then
        echo
        echo "### CuPy (python3 on the host) through gvirtus-run, shared memory"
        echo
        echo "Each case in its own process, checked against NumPy on the CPU"
        echo "(gpu/cupy_smoke.py); times in seconds including CUDA start-up."
        echo
        cat "$dir/cupy.txt"
    fi
    if [ -f "$dir/hardening.md" ]; then
        echo
        echo "### Hardening (issue 9): gpu/hardening-gpu.sh"
        echo
        sed '/^## /d; /^$/d' "$dir/hardening.md"
    fi
    echo
    section "Fatbin cache"
} > "$tmp/gpu"
splice "$top/testsuite/gpu/RESULTS.md" "$tmp/gpu"

[ -f "$dir/cuda-bench.txt" ] || {
    echo "updated testsuite/gpu/RESULTS.md (no benchmarks in this run)"
    exit 0
}
{
    echo "$stamp"
    echo
    echo "### Transport against raw UCX"
    echo
    section "Transport against raw UCX"
    echo
    echo "### CUDA calls and copies, native vs gvirtus"
    echo
    section "CUDA micro-benchmarks"
} > "$tmp/bench"
splice "$top/testsuite/bench/RESULTS.md" "$tmp/bench"
echo "updated testsuite/gpu/RESULTS.md and testsuite/bench/RESULTS.md"
