#!/bin/sh
# Run the CUnit programs given as arguments, each under a time limit, and
# add up their "RESULT passed failed skipped" lines into the one line that
# ends `make check`:  N passed, N failed, N skipped
# A program that crashes or prints no RESULT counts as one failure.
# Logs: <program>.log in the current directory; summary: test-summary.txt.
limit=${GVTEST_TIMEOUT:-600}
p=0 f=0 s=0
summary=test-summary.txt
: > "$summary"
for t in "$@"; do
    name=$(basename "$t")
    # GVTEST_QUICK (the inner make check of make distcheck): only the
    # programs named in GVTEST_QUICK_SET run; each other counts as one skip.
    if [ -n "${GVTEST_QUICK:-}" ] &&
       ! echo " ${GVTEST_QUICK_SET:-} " | grep -q " $name "; then
        echo "skip: $name (GVTEST_QUICK: a quick subset runs)"
        s=$((s + 1))
        continue
    fi
    log="$name.log"  # in the build directory, even for scripts from srcdir
    timeout -k 10 "$limit" "$t" > "$log" 2>&1
    rc=$?
    line=$(grep '^RESULT ' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "FAIL: $name exited with status $rc and no result (see $log)"
        tail -n 20 "$log" | sed 's/^/    /'
        f=$((f + 1))
        continue
    fi
    read -r _ tp tf ts <<EOT
$line
EOT
    p=$((p + tp)) f=$((f + tf)) s=$((s + ts))
    if [ "$tf" -gt 0 ] || [ "$rc" -ne 0 ]; then
        echo "FAIL: $name: $tp passed, $tf failed, $ts skipped (see $log)"
        grep -E -B2 -A8 'FAILED|Assertion|^ +[0-9]+\. ' "$log" | head -n 60 |
            sed 's/^/    /'
        [ "$tf" -eq 0 ] && f=$((f + 1))
    else
        echo "ok:   $name: $tp passed, $tf failed, $ts skipped"
    fi
    grep '    SKIP ' "$log" | sed 's/^ */      /'
done
echo "$p passed, $f failed, $s skipped" | tee "$summary"
[ "$f" -eq 0 ]
