/*
 * gvtest_gvd.h - a gvd on the simulated device for tests that drive it
 * only through processes (gvd itself, real client programs), linked
 * without UCX: start, wait until it accepts, stop, and run a client to
 * completion.  test_hardening's helpers (hardening_util.h) build on the
 * process-level parts.  Single test thread; nothing here is locked.
 */
#ifndef GVTEST_GVD_H
#define GVTEST_GVD_H

#include "gvtest.h"

#include <stddef.h>
#include <sys/types.h>

typedef struct gvtest_gvd {
    pid_t pid;             /* 0 when not running */
    int port;
    int mport;             /* metrics port, where a test set one (or 0) */
    char *dir;             /* owned; removed by gvtest_gvd_rm */
    char ini[600];
    char log[600];         /* gvd's and its workers' stdout and stderr */
} gvtest_gvd_t;

/* Monotonic seconds. */
double gvtest_now(void);

/* A TCP port on 127.0.0.1 that was free a moment ago (0 if none). */
int gvtest_free_port(void);

/* Children of pid (gvd's workers): their pids into pids[0..max) when
 * pids is not NULL; how many there are. */
int gvtest_children(pid_t pid, pid_t *pids, int max);

/* Run the built gvd with args (NULL-terminated, after argv[0]); its
 * stdout and stderr replace the file at log; env (or NULL) is one more
 * NAME=value for it.  Its pid. */
pid_t gvtest_gvd_spawn(const char *log, const char *const *args,
                       const char *env);

/* Wait up to 10 s until the gvd *pid_p accepts on port.  0, or -1 when
 * it exited (*pid_p set to 0) or was too slow. */
int gvtest_gvd_ready(pid_t *pid_p, int port);

/* SIGTERM the gvd *pid_p (if any), SIGKILL after 10 s; *pid_p set to
 * 0.  Its exit status, or -1 if killed, too slow or not running. */
int gvtest_gvd_halt(pid_t *pid_p);

/* A fresh directory (caller removes it with gvtest_gvd_rm) and port. */
void gvtest_gvd_init(gvtest_gvd_t *g);

/* Name g->ini and g->log in g->dir and write g->ini: g->port, the
 * simulated device with sim_memory mem (e.g. "1G"), its cache in
 * g->dir/cache, then extra lines (may be NULL). */
void gvtest_gvd_write_ini(gvtest_gvd_t *g, const char *mem,
                          const char *extra);

/* Run gvd -c g->ini (env: as for gvtest_gvd_spawn) and wait until it
 * accepts.  0 or -1. */
int gvtest_gvd_run(gvtest_gvd_t *g, const char *env);

/* gvtest_gvd_init, gvtest_gvd_write_ini, gvtest_gvd_run.  0 or -1. */
int gvtest_gvd_start(gvtest_gvd_t *g, const char *mem, const char *extra);

/* Remove g's directory (and log). */
void gvtest_gvd_rm(gvtest_gvd_t *g);

/* gvtest_gvd_halt, then gvtest_gvd_rm; gvd's exit status or -1. */
int gvtest_gvd_stop(gvtest_gvd_t *g);

/* Wait for the client pid (PROG MODE, for the message) that wrote its
 * output into the file fd, from the start; that output into out, fd
 * closed.  Its exit status, or -1 (what it said printed unless it
 * exited 0). */
int gvtest_client_wait(pid_t pid, int fd, const char *prog,
                       const char *mode, char *out, size_t outlen);

/* Run the built testsuite/unit/PROG MODE against g, over whichever UCX
 * transport it picks, our libraries logging errors only, to completion;
 * its stdout and stderr into out (also left in g->dir/PROG.MODE.out).
 * Its exit status, or -1 (what it said printed unless it exited 0). */
int gvtest_gvd_client(const gvtest_gvd_t *g, const char *prog,
                      const char *mode, char *out, size_t outlen);

/* gvtest_gvd_client, then: 0 when PROG exited 0 and said "OK MODE",
 * else -1. */
int gvtest_gvd_client_ok(const gvtest_gvd_t *g, const char *prog,
                         const char *mode);

/* main of a test whose one suite (name, cases) shares the gvd *g,
 * started (sim_memory 1G) before its first test and stopped after its
 * last; SIGPIPE ignored.  gvtest_main's exit code. */
int gvtest_gvd_main(int argc, char **argv, gvtest_gvd_t *g,
                    const char *name, const gvtest_case_t *cases);

#endif
