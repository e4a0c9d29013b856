#!/bin/sh
# test_srcdir.sh - in `make distcheck`, nothing was written into the
# source tree.  distcheck makes that tree read-only, but root (CI) is
# not stopped by permissions, so compare times instead: no file or
# directory of the tree may be newer than this build's config.status.
# Runs last.  Outside distcheck's tree (a developer's checkout, where
# edits after configure are normal) it is skipped.
# Prints "RESULT passed failed skipped".
src=${GVTEST_SRCDIR:-..}
build=${GVTEST_BUILDDIR:-..}
. "$src/testsuite/unit/shtest.sh"

untouched() {
    newer=$(find "$src" \( -path "$src/_build" -o -path "$src/_inst" \) \
            -prune -o -newer "$build/config.status" -print | head -n 20)
    [ -z "$newer" ] || { echo "written during the build:"; echo "$newer"; return 1; }
}

if [ -d "$src/_build" ] && [ -d "$src/_inst" ] && [ -f "$build/config.status" ]
then
    check source_tree_not_written untouched
else
    skip source_tree_not_written "not make distcheck's tree"
fi
result
