/*
 * gvx_here.c - lib/gvx.c compiled in the testsuite's build tree (naming
 * it directly would put the object in the source tree).
 */
#include "gvx.c"
