#!/bin/sh
# check-dist.sh TARBALL SRCDIR - every file git tracks in SRCDIR is in
# TARBALL, except the few that belong to the git checkout only: the
# hand-written front Makefile (configure writes the tarball's), CI
# scripts and .gitignore files.  A file missing here is a source the
# next `./configure && make` from the tarball lacks: add it to the
# EXTRA_DIST (or _SOURCES) of its directory's Makefile.am.
tarball=$1
srcdir=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gvdist.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

git -C "$srcdir" ls-files > "$tmp/git" 2>/dev/null || {
    echo "check-dist: $srcdir is not a git checkout; nothing to compare"
    exit 0
}
grep -v -E '^(Makefile|\.ci/.*|(.*/)?\.gitignore)$' "$tmp/git" | sort > "$tmp/want"
tar -tzf "$tarball" | sed -e 's|^[^/]*/||' -e '/\/$/d' | sort > "$tmp/have"
missing=$(comm -23 "$tmp/want" "$tmp/have")
if [ -n "$missing" ]; then
    echo "check-dist: tracked by git but not in $(basename "$tarball"):"
    echo "$missing" | sed 's/^/  /'
    exit 1
fi
echo "check-dist: all $(wc -l < "$tmp/want") tracked files are in $(basename "$tarball")"
