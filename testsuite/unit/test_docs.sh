#!/bin/sh
# test_docs.sh - the documentation keeps up with the code: every
# configuration key the programs accept is described in its manual page
# (in the section about that file) and has a "key =" line in the right
# section of its commented sample in etc/; the samples name no key the
# programs would refuse, and load; every GVIRTUS_* variable the code
# reads is listed in gvirtus(7).  The keys come from the programs
# themselves (--dump-config) and from the client's table in
# lib/gvf_session.c.  Prints "RESULT passed failed skipped".
src=${GVTEST_SRCDIR:-..}
build=${GVTEST_BUILDDIR:-..}
. "$src/testsuite/unit/shtest.sh"
tmp=$shtest_tmp

# Keys of one [section] of an INI text (a --dump-config output or a
# commented sample): its "key = value" lines, commented out or not (a
# commented-out [section] header starts a section too).
ini_keys() { # file, section
    awk -v want="[$2]" '/^[;#]? *\[[^]]*\]/ {
            sec = $0; sub(/^[;#]? */, "", sec); sub(/\].*/, "]", sec); next }
        sec == want && /^[;#]? *[a-z_][a-z0-9_]* *=/ {
            sub(/^[;#]? */, ""); sub(/ *=.*/, ""); print }' "$1" | sort -u
}

# One section of a manual page as plain text: no hyphenation, long
# lines, no bold; a section runs from its heading to the next one.
man_section() { # page, HEADING
    groff -man -Tutf8 -rHY=0 -rLL=300n -P-cbou "$src/man/$1" 2>/dev/null |
        awk -v want="$2" '/^[^ \t]/ { on = ($0 == want); next } on'
}

# Each key of a list is a word of the page's section and has a line in
# the sample's section.  An empty list is a failure: it means the keys
# could not be read, not that there are none.
documented() { # keys file, man page, HEADING, sample, [section]
    [ -s "$1" ] || { echo "no keys read into $1"; return 1; }
    man_section "$2" "$3" > "$tmp/man.txt"
    [ -s "$tmp/man.txt" ] || { echo "$2 has no section $3"; return 1; }
    ini_keys "$src/etc/$4" "$5" > "$tmp/sample.keys"
    missing=''
    while read -r k; do
        grep -qw -- "$k" "$tmp/man.txt" || missing="$missing $2($3):$k"
        grep -qx -- "$k" "$tmp/sample.keys" || missing="$missing $4[$5]:$k"
    done < "$1"
    [ -z "$missing" ] || { echo "undocumented:$missing"; return 1; }
}

# The sample's section names only keys of the list (no stale ones).
only_known() { # keys file, sample, section
    [ -s "$1" ] || { echo "no keys read into $1"; return 1; }
    extra=$(ini_keys "$src/etc/$2" "$3" | grep -vxF -f "$1")
    [ -z "$extra" ] || { echo "$2 [$3] names unknown keys:" $extra; return 1; }
}

if ! command -v groff >/dev/null 2>&1; then
    skip documentation_keeps_up "groff missing"
    result
    exit $?
fi

if [ -x "$build/gvd/gvd" ]; then
    "$build/gvd/gvd" -c /dev/null --dump-config > "$tmp/gvd.dump" 2>&1
    ini_keys "$tmp/gvd.dump" gvd > "$tmp/gvd.keys"
    ini_keys "$tmp/gvd.dump" registry > "$tmp/registry.keys"
    check gvd_keys_documented documented "$tmp/gvd.keys" gvirtus.ini.5 \
        GVD.INI gvd.ini gvd
    check gvd_registry_keys_documented documented "$tmp/registry.keys" \
        gvirtus.ini.5 REGISTRY gvd.ini registry
    check gvd_ini_gvd_section_known only_known "$tmp/gvd.keys" gvd.ini gvd
    check gvd_ini_registry_section_known only_known "$tmp/registry.keys" \
        gvd.ini registry
    check client_ini_registry_section_known only_known \
        "$tmp/registry.keys" client.ini registry
    check gvd_ini_sample_loads "$build/gvd/gvd" -c "$src/etc/gvd.ini" \
        --dump-config
else
    skip gvd_keys_documented "gvd not built (no CUDA headers)"
fi

if [ -x "$build/registry/gvregistryd" ]; then
    "$build/registry/gvregistryd" -c /dev/null --dump-config \
        > "$tmp/regd.dump" 2>&1
    ini_keys "$tmp/regd.dump" registryd > "$tmp/regd.keys"
    check registryd_keys_documented documented "$tmp/regd.keys" \
        gvregistryd.8 CONFIGURATION registry.ini registryd
    check registry_ini_names_only_known_keys only_known "$tmp/regd.keys" \
        registry.ini registryd
    if [ -s "$tmp/registry.keys" ]; then
        check registry_ini_registry_section_known only_known \
            "$tmp/registry.keys" registry.ini registry
    fi
    check registry_ini_sample_loads "$build/registry/gvregistryd" \
        -c "$src/etc/registry.ini" --dump-config
else
    skip registryd_keys_documented "gvregistryd not built (no SQLite)"
fi

# The client's [client] table: C("key", ... lines.
sed -n 's/^ *C("\([a-z_]*\)".*/\1/p' "$src/lib/gvf_session.c" |
    sort -u > "$tmp/client.keys"
check client_keys_documented documented "$tmp/client.keys" gvirtus.ini.5 \
    CLIENT.INI client.ini client
check client_ini_names_only_known_keys only_known "$tmp/client.keys" \
    client.ini client

# Variables: quoted GVIRTUS_* names in the C sources (getenv, the env
# names of config tables, messages), those gvirtus-run and the Slurm
# scripts read, and the overrides of the configuration tables
# (GVIRTUS_<SECTION>_<KEY>, listed by --dump-config), which gvirtus(7)
# may give as the pattern GVIRTUS_<SECTION>_KEY.
env_documented() {
    vars=$( (cat "$src"/lib/*.c "$src"/lib/*/*.c "$src"/gvd/*.c \
                 "$src"/gvd/*/*.c "$src"/registry/*.c "$src"/transport/*.c |
             grep -o '"GVIRTUS_[A-Z_]*[A-Z]"' | tr -d '"'
             cat "$src/lib/gvirtus-run.in" "$src"/etc/slurm/gvirtus-* |
             grep -o 'GVIRTUS_[A-Z_]*[A-Z]') | sort -u)
    [ -n "$vars" ] || { echo "found no variables in the sources"; return 1; }
    groff -man -Tutf8 -rHY=0 -rLL=300n -P-cbou "$src/man/gvirtus.7" \
        2>/dev/null > "$tmp/gvirtus.7.txt"
    missing=''
    for v in $vars; do
        grep -qw -- "$v" "$tmp/gvirtus.7.txt" || missing="$missing $v"
    done
    # "SECTION NAME" for each key of the dumped tables.
    cat "$tmp"/*.dump 2>/dev/null | awk '
        /^\[/ { sec = toupper(substr($1, 2, length($1) - 2)); next }
        /; env GVIRTUS_[A-Z0-9_]*\)$/ {
            v = $NF; sub(/\)$/, "", v); print sec, v }' |
        sort -u > "$tmp/table.vars"
    while read -r sec v; do
        grep -qw -- "$v" "$tmp/gvirtus.7.txt" && continue
        case $v in
        GVIRTUS_${sec}_*)
            grep -qw -- "GVIRTUS_${sec}_KEY" "$tmp/gvirtus.7.txt" && continue ;;
        esac
        missing="$missing $v"
    done < "$tmp/table.vars"
    [ -z "$missing" ] || { echo "not in gvirtus(7):$missing"; return 1; }
}
check environment_variables_in_gvirtus_7 env_documented

result
