/*
 * test_registry_util.h - helpers shared by the registry test programs:
 * start and stop a private munged and gvregistryd, run gvctl, build a
 * client configuration.  Each helper either works or says why (so the
 * caller can GVTEST_SKIP with that reason).
 */
#ifndef TEST_REGISTRY_UTIL_H
#define TEST_REGISTRY_UTIL_H

#include "gvr_client.h"

#include <stddef.h>
#include <sys/types.h>

/* A munged of our own: socket and key in a private directory. */
typedef struct treg_munge {
    char dir[256];
    char socket[300];
    pid_t pid;               /* munged forks; pid from its pid file */
} treg_munge_t;

/* Start munged; 0, or -1 with why (munged absent, not root, ...). */
int treg_munge_start(treg_munge_t *m, char *why, size_t whylen);
void treg_munge_stop(treg_munge_t *m);

/* A gvregistryd child with its own directory, database and keys. */
typedef struct treg_regd {
    char dir[256];           /* owned directory, removed by destroy */
    char ini[300];
    char db[300];
    char lease_key[300];
    char secret[300];
    char portfile[300];
    char log[300];
    int port;
    pid_t pid;               /* 0: not running */
} treg_regd_t;

/* Prepare dir, keys and registry.ini: [registryd] with auth (munge,
 * secret, none), munge_socket (may be NULL), then extra (more INI text:
 * keys for [registryd] first, then sections).  Returns 0 or -1. */
int treg_regd_init(treg_regd_t *r, const char *auth, const char *munge_socket,
                   const char *extra);
/* Start (or restart) the daemon on the same database; waits until it
 * listens.  0 or -1 (log in r->log). */
int treg_regd_start(treg_regd_t *r);
/* SIGTERM and wait: returns the exit status (0 for a clean stop). */
int treg_regd_stop(treg_regd_t *r);
/* SIGKILL and reap. */
void treg_regd_kill(treg_regd_t *r);
/* Is the daemon process still alive? */
int treg_regd_alive(treg_regd_t *r);
/* Stop if running, remove the directory. */
void treg_regd_destroy(treg_regd_t *r);

/* Client configuration for r (auth as the daemon, its secret file). */
void treg_client_cfg(const treg_regd_t *r, const char *auth,
                     const char *munge_socket, gvr_client_config_t *cfg_p);

/* Run a shell command; its stdout (up to cap-1 bytes) in out, its exit
 * code returned (-1 if it did not exit normally). */
int treg_run(const char *cmd, char *out, size_t cap);

/* Path of the built gvctl / gvregistryd. */
const char *treg_gvctl(void);
const char *treg_gvregistryd(void);

/* Wall-clock milliseconds. */
long long treg_now_ms(void);

#endif
