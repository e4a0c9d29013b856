/*
 * hardening_util.h - helpers of test_hardening.c: a gvd on the simulated
 * device, a raw client that speaks the wire protocol after a real
 * handshake (so no check of our libcudart can hide a missing check in
 * the worker), a raw UCX sender, and client programs on pipes.  Single
 * test thread; nothing here is locked.
 */
#ifndef HARDENING_UTIL_H
#define HARDENING_UTIL_H

#include "gvtest.h"
#include "gvc_proto.h"
#include "gvc_wire.h"
#include "gvt.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A transport failure instead of an API result. */
#define HFAIL ((int64_t)-999999)

/* Monotonic seconds. */
double hnow(void);

/* Does the file at path contain needle (in its first MiB)? */
int hfile_contains(const char *path, const char *needle);

/* Has process pid (not our child) exited or become a zombie within
 * secs? */
int hpid_gone_within(pid_t pid, double secs);

/* ---- gvd on the simulated device ---------------------------------------- */

typedef struct hgvd {
    pid_t pid;             /* 0 when not running */
    int port;
    char *dir;             /* owned; removed by hgvd_stop */
    char ini[600];
    char log[600];         /* gvd's and its workers' stderr */
} hgvd_t;

/* A fresh directory and port, gvd.ini with extra lines appended, then
 * hgvd_run.  0 or -1. */
int hgvd_start(hgvd_t *g, const char *extra);

/* (Re)start gvd with g's configuration; wait until it accepts. */
int hgvd_run(hgvd_t *g);

/* Is gvd still running? */
int hgvd_alive(const hgvd_t *g);

/* SIGTERM, wait, remove the directory; gvd's exit status or -1 (and its
 * log's end printed). */
int hgvd_stop(hgvd_t *g);

/* gvd's children (its workers); pids into pids[0..max) if not NULL. */
int hgvd_workers(const hgvd_t *g, pid_t *pids, int max);

/* Wait up to secs for gvd to have n workers; the time it took, or -1. */
double hgvd_wait_workers(const hgvd_t *g, int n, double secs);

/* ---- a raw client --------------------------------------------------------- */

typedef struct hcli {
    int ctl_fd;             /* control socket: liveness */
    gvt_ctx_t *ctx;         /* owned */
    gvt_conn_t *conn;       /* owned */
    uint8_t waddr[GVC_PROTO_MAX_ADDR]; /* the worker's UCX address */
    size_t waddr_len;
    pid_t worker;
    unsigned sent;          /* messages sent on conn (its next seq) */
    int64_t seq_err;        /* deferred error of the last reply */
    uint8_t rargs[4096];    /* reply arguments of the last call */
    size_t rargs_len;
} hcli_t;

/* Shake hands with gvd on port as libgvirtus does.  0 or -1. */
int hcli_open(hcli_t *c, int port);
void hcli_close(hcli_t *c);

/* Call api with args[0..alen) and data[0..dlen); reply data (if any)
 * lands in rdata[0..rcap).  The API's result, or HFAIL when the
 * transport failed. */
int64_t hcall_raw(hcli_t *c, uint32_t api, const void *args, size_t alen,
                  const void *data, size_t dlen, void *rdata, size_t rcap);
/* The same with the arguments in e (NULL: none), no data. */
int64_t hcall(hcli_t *c, uint32_t api, const gvc_enc_t *e);
/* A one-way request: no reply, errors come back later as seq_err. */
int hsend_oneway(hcli_t *c, uint32_t api, const gvc_enc_t *e);
/* The u64 at offset at of the last reply (a pointer or handle), or 0. */
uint64_t hreply_u64(const hcli_t *c, size_t at);
/* An empty argument encoder (one buffer, reused by every call). */
gvc_enc_t *hargs(void);

/* cudaMalloc: the pointer, or 0 (*res_p, if given, gets the result). */
uint64_t hmalloc(hcli_t *c, uint64_t size, int64_t *res_p);
int64_t hfree(hcli_t *c, uint64_t p);
/* A Create call whose only argument is the out pointer
 * (cudaStreamCreate, cudaEventCreate, cublasCreate, cudnnCreate, ...):
 * the handle, or 0. */
uint64_t hcreate(hcli_t *c, uint32_t api);
/* A call whose only argument is one pointer or handle. */
int64_t hptr_call(hcli_t *c, uint32_t api, uint64_t p);
/* Whole copies (one message each) and cudaMemset. */
int64_t hh2d(hcli_t *c, uint64_t dst, const void *data, uint64_t n,
             uint64_t stream, uint32_t flags);
int64_t hd2h(hcli_t *c, uint64_t src, void *out, uint64_t n, uint64_t cap);
int64_t hmemset(hcli_t *c, uint64_t p, int v, uint64_t n);
/* The worker still serves c: a round trip through device memory. */
int halive(hcli_t *c);

/* Send one active message with header hdr[0..hlen) (and data) to the UCX
 * worker at addr, from a UCX worker of our own.  0 once sent. */
int raw_ucx_send(const void *addr, const void *hdr, size_t hlen,
                 const void *data, size_t dlen);

/* ---- client programs ------------------------------------------------------ */

typedef struct app {
    pid_t pid;
    int in, out;            /* write to its stdin, read its stdout+stderr */
    char buf[8192];         /* what it said so far */
    size_t have;
} app_t;

/* Start build program prog (e.g. "testsuite/unit/hardapp") with mode
 * ("lost" or "lost 64": one argument after a space) against g, over TCP,
 * env (may be NULL) one more VAR=value.  0 or -1. */
int app_start(app_t *a, const char *prog, const char *mode, const hgvd_t *g,
              const char *env);
/* Read until the output holds needle (within secs); what follows it, or
 * NULL (and what it said printed) when it never came. */
const char *app_wait(app_t *a, const char *needle, double secs);
/* Close its stdin, wait (SIGKILL after 10 s), read the rest; its exit
 * status, or -1. */
int app_finish(app_t *a);

/* Run build program prog with mode against g to the end: 0 when it
 * said "OK MODE" (within 60 s) and exited 0, else -1. */
int app_run_ok(const char *prog, const char *mode, const hgvd_t *g);

/* ---- a library's end-to-end test (test_gvd_blas, _dnn, ...) ---------- */

/* The end of a worker test with clients a and b: both still served,
 * both closed, gvd's workers gone within 5 s.  0, or -1 (what failed
 * printed). */
int hclose_both(const hgvd_t *g, hcli_t *a, hcli_t *b);

/* What a client leaves is destroyed: against a gvd of its own, prog in
 * mode "leave" ran to the end, its worker went, and gvd's log holds
 * each line of said (NULL-terminated).  0, or -1 (what failed printed). */
int hleft_destroyed(const char *prog, const char *const *said);

/* main of a library's test: suites "programs" and "worker", each with
 * the gvd *g (on the simulated device) started before its first test
 * and stopped after its last; SIGPIPE ignored, our own log quiet.
 * gvtest_main's exit code. */
int hlib_main(int argc, char **argv, hgvd_t *g,
              const gvtest_case_t *programs, const gvtest_case_t *worker);

#endif
