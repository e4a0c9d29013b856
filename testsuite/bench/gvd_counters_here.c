/*
 * gvd_counters_here.c - gvd/gvd_counters.c compiled in the testsuite's
 * build tree for bench_counters (naming it directly would put the object
 * in the source tree).
 */
#include "gvd_counters.c"
