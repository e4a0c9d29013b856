/*
 * gvcu_procs.h - base name -> export name tables (cuda_procs.c).
 */
#ifndef GVCU_PROCS_H
#define GVCU_PROCS_H

typedef struct gvcu_proc {
    const char *base;     /* "cuMemAlloc" */
    const char *name;     /* "cuMemAlloc_v2" */
} gvcu_proc_t;

/* Sorted as the export list; ends with { NULL, NULL }. */
extern const gvcu_proc_t gvcu_procs[];
extern const gvcu_proc_t gvcu_procs_ptds[];

#endif
