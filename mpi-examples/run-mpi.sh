#!/bin/sh
# run-mpi.sh BIN_DIR OUT_DIR [NAME...]
# Runs every line of manifest.txt ("name ranks binary args...", or only the
# NAMEs given) with
#   $MPIRUN $MPIRUN_FLAGS -np RANKS BIN_DIR/binary args...
# natively, then, if GVIRTUS_ENV_FILE names a file of VAR=value lines
# (LD_LIBRARY_PATH=<gvirtus lib dir>, GVIRTUS_SERVERS=host:port,...), again
# with those variables set and handed to every rank with "-x VAR".
# Compares stdout byte for byte and the exit codes, collects the
# "TIME <name> <us>" lines from stderr, writes OUT_DIR/mpi-results.csv and
# .md plus per-run logs (NAME.native.out/.err, NAME.gvirtus.out/.err,
# NAME.diff) and prints a markdown table last, ending with
# "N passed, N failed".
# Environment: MPIRUN (default mpirun), MPIRUN_FLAGS (default
# "--allow-run-as-root --oversubscribe"; add e.g. --hostfile here),
# MPI_TIMEOUT (seconds per run, default 300), MPI_MANIFEST.
# Exit status: 0 when every run passed; 2 for usage errors.

if [ $# -lt 2 ]; then
    echo "usage: $0 BIN_DIR OUT_DIR [NAME...]" >&2
    exit 2
fi
BIN_DIR=$1
OUT_DIR=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
MANIFEST=${MPI_MANIFEST:-$here/manifest.txt}
LIMIT=${MPI_TIMEOUT:-300}
MPIRUN=${MPIRUN:-mpirun}
MPIRUN_FLAGS=${MPIRUN_FLAGS:---allow-run-as-root --oversubscribe}
set -f # manifest arguments are taken literally, no globbing

[ -r "$MANIFEST" ] || { echo "$0: cannot read $MANIFEST" >&2; exit 2; }
[ -d "$BIN_DIR" ] || { echo "$0: no such directory $BIN_DIR" >&2; exit 2; }
command -v "$MPIRUN" >/dev/null 2>&1 ||
    { echo "$0: no $MPIRUN (set MPIRUN)" >&2; exit 2; }
mkdir -p "$OUT_DIR" || exit 2

GV=0
if [ -n "${GVIRTUS_ENV_FILE:-}" ]; then
    [ -r "$GVIRTUS_ENV_FILE" ] ||
        { echo "$0: cannot read $GVIRTUS_ENV_FILE" >&2; exit 2; }
    GV=1
fi
if command -v timeout >/dev/null 2>&1; then
    TO="timeout -k 10 $LIMIT"
else
    TO=""
    echo "$0: warning: no timeout(1), runs are not time-limited" >&2
fi

# run_one PREFIX USE_GVIRTUS RANKS COMMAND...: stdout to PREFIX.out, stderr
# to PREFIX.err, stdin from /dev/null; prints the exit status.
run_one() {
    prefix=$1 use_gv=$2 np=$3
    shift 3
    (
        xs=""
        if [ "$use_gv" = 1 ]; then
            while IFS= read -r line || [ -n "$line" ]; do
                case $line in '' | '#'*) continue ;; esac
                var=${line%%=*}
                case $var in
                '' | [0-9]* | *[!A-Za-z0-9_]*)
                    echo "run-mpi: ignoring line in $GVIRTUS_ENV_FILE: $line" >&2
                    continue ;;
                esac
                [ "$var" = "$line" ] && continue # no '='
                export "${line?}"
                xs="$xs -x $var"
            done < "$GVIRTUS_ENV_FILE"
        fi
        # shellcheck disable=SC2086 # flag lists are split on purpose
        exec $TO "$MPIRUN" $MPIRUN_FLAGS -np "$np" $xs "$@"
    ) > "$prefix.out" 2> "$prefix.err" < /dev/null
    echo $?
}

# Microseconds from the last "TIME <name> <us>" line of a stderr log.
time_of() {
    sed -n 's/^TIME [^ ]* \([0-9][0-9]*\)$/\1/p' "$1" | tail -n 1
}

# Did the run end with "PASS ..." on stdout?
says_pass() {
    [ "$(tail -n 1 "$1" 2>/dev/null | cut -d' ' -f1)" = PASS ]
}

# wanted NAME [SELECTED...]: true if no selection was given or NAME is in it.
wanted() {
    n=$1
    shift
    [ $# -eq 0 ] && return 0
    for w in "$@"; do
        [ "$w" = "$n" ] && return 0
    done
    return 1
}

csv=$OUT_DIR/mpi-results.csv
rows=$OUT_DIR/.rows
echo "name,ranks,native_rc,gvirtus_rc,match,native_us,gvirtus_us,ratio" > "$csv"
: > "$rows"
pass=0 fail=0

while read -r name np bin args <&3; do
    case $name in '' | '#'*) continue ;; esac
    wanted "$name" "$@" || continue
    p=$OUT_DIR/$name
    case $np in
    '' | *[!0-9]* | 0)
        echo "$name: FAIL: bad rank count '$np' in $MANIFEST" >&2
        echo "| $name | $np | - | - | - | - | - | - | FAIL: bad manifest line |" >> "$rows"
        fail=$((fail + 1))
        continue ;;
    esac
    # shellcheck disable=SC2086 # args are split on purpose
    nrc=$(run_one "$p.native" 0 "$np" "$BIN_DIR/$bin" $args)
    nus=$(time_of "$p.native.err")
    grc=- gus="" match=- why=""
    if [ "$GV" = 1 ]; then
        # shellcheck disable=SC2086
        grc=$(run_one "$p.gvirtus" 1 "$np" "$BIN_DIR/$bin" $args)
        gus=$(time_of "$p.gvirtus.err")
        if [ "$nrc" = "$grc" ] && cmp -s "$p.native.out" "$p.gvirtus.out"; then
            match=yes
            rm -f "$p.diff"
        else
            match=no
            diff "$p.native.out" "$p.gvirtus.out" > "$p.diff" 2>&1
        fi
    fi
    ratio=$(awk -v a="$nus" -v b="$gus" \
        'BEGIN { if (a > 0 && b != "") printf "%.2f", b / a; else printf "-" }')

    if [ "$nrc" != 0 ] || ! says_pass "$p.native.out"; then
        why="native exit $nrc"
    elif [ "$GV" = 1 ] && { [ "$grc" != 0 ] || ! says_pass "$p.gvirtus.out"; }; then
        why="gvirtus exit $grc"
    elif [ "$match" = no ]; then
        why="stdout differs (see $name.diff)"
    fi
    case $nrc$grc in *124* | *137*) why="$why (timeout ${LIMIT}s?)" ;; esac
    if [ -z "$why" ]; then
        result=PASS
        pass=$((pass + 1))
    else
        result="FAIL: $why"
        fail=$((fail + 1))
    fi
    echo "$name,$np,$nrc,$grc,$match,${nus:--},${gus:--},$ratio" >> "$csv"
    echo "| $name | $np | $nrc | $grc | $match | ${nus:--} | ${gus:--} | $ratio | $result |" >> "$rows"
    echo "$name: $result" >&2
done 3< "$MANIFEST"

# A NAME asked for that the manifest lacks is a failure, not a silent skip.
for w in "$@"; do
    awk -v n="$w" '$1 == n { found = 1 } END { exit !found }' "$MANIFEST" &&
        continue
    echo "$w: FAIL: not in $MANIFEST" >&2
    echo "| $w | - | - | - | - | - | - | - | FAIL: not in the manifest |" >> "$rows"
    fail=$((fail + 1))
done

md=$OUT_DIR/mpi-results.md
{
    echo "| test | ranks | native rc | gvirtus rc | stdout match | native us | gvirtus us | ratio | result |"
    echo "|---|---|---|---|---|---|---|---|---|"
    cat "$rows"
    echo
    echo "$pass passed, $fail failed"
} > "$md"
rm -f "$rows"
echo
cat "$md"
[ "$fail" -eq 0 ]
