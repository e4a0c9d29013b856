/*
 * gvctl_live.c - ask gvds for their live counters (`gvctl status`).
 *
 * Each gvd is asked on its control port with one STATUS message
 * (gvc_proto.h) and answers STATUS_REPLY (a gvc_report_t) or REFUSE.
 * Nodes are asked at once from a few threads, each connection bounded
 * by the timeout, so a cluster with dead nodes answers in about one
 * timeout, and a node that does not answer is a row saying why, never
 * a failure of the whole command.
 */
#include "config.h"

#include "gvctl.h"
#include "gvc_ctl.h"
#include "gvc_proto.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ASK_THREADS 16

typedef struct ask_job {
    gvctl_target_t *t;
    size_t n;
    const char *cred;
    long timeout_ms;
    atomic_size_t next;
} ask_job_t;

/* A REFUSE's reason: the text gvd sent, or what an old gvd meant. */
static void refused(gvctl_target_t *t, const gvc_wire_hdr_t *h,
                    const char *msg, size_t len)
{
    t->st = h->result < 0 ? (gvc_status_t)h->result : GVC_ERR_PROTO;
    if (len > 0 && strstr(msg, "malformed HELLO") != NULL) {
        snprintf(t->err, sizeof(t->err), "this gvd does not serve live "
                 "counters (older than gvctl?)");
        t->st = GVC_ERR_PROTO;
    } else {
        snprintf(t->err, sizeof(t->err), "refused: %.*s", (int)len, msg);
    }
}

static void ask_one(gvctl_target_t *t, const char *cred, long timeout_ms)
{
    uint8_t req[GVC_PROTO_MAX_CRED + 64];
    gvc_wire_hdr_t h;
    size_t len;
    uint8_t *buf;
    int fd;

    memset(&t->rep, 0, sizeof(t->rep));
    t->err[0] = '\0';
    buf = malloc(GVC_CTL_MAX_ARGS + 1);
    if (buf == NULL) {
        t->st = GVC_ERR_NOMEM;
        snprintf(t->err, sizeof(t->err), "out of memory");
        return;
    }
    t->st = gvc_ctl_connect(t->host, t->port, timeout_ms, &fd, t->err,
                            sizeof(t->err));
    if (t->st != GVC_OK) {
        free(buf);
        return;
    }
    t->st = gvc_status_req_pack(cred, 0, req, sizeof(req), &len);
    if (t->st == GVC_OK) {
        t->st = gvc_ctl_send(fd, GVC_CTL_STATUS, 0, 0, req, len);
    }
    if (t->st == GVC_OK) {
        t->st = gvc_ctl_recv(fd, timeout_ms, &h, buf, GVC_CTL_MAX_ARGS,
                             &len);
    }
    close(fd);
    if (t->st == GVC_OK && h.api_id == GVC_CTL_REFUSE) {
        buf[len] = '\0';
        refused(t, &h, (const char *)buf, strnlen((char *)buf, len));
    } else if (t->st == GVC_OK && h.api_id != GVC_CTL_STATUS_REPLY) {
        t->st = GVC_ERR_PROTO;
    } else if (t->st == GVC_OK) {
        t->st = gvc_report_unpack(buf, len, &t->rep);
    }
    if (t->st != GVC_OK && t->err[0] == '\0') {
        snprintf(t->err, sizeof(t->err), "%s",
                 t->st == GVC_ERR_TIMEOUT ? "no answer in time"
                 : t->st == GVC_ERR_VERSION ? "another gvirtus version"
                 : t->st == GVC_ERR_PROTO ? "not a gvd status answer"
                 : gvc_status_str(t->st));
    }
    free(buf);
}

static void *ask_thread(void *arg)
{
    ask_job_t *j = arg;
    size_t i;

    while ((i = atomic_fetch_add(&j->next, 1)) < j->n) {
        ask_one(&j->t[i], j->cred, j->timeout_ms);
    }
    return NULL;
}

void gvctl_live_ask(gvctl_target_t *t, size_t n, const char *cred,
                    long timeout_ms)
{
    ask_job_t j = { .t = t, .n = n, .cred = cred ? cred : "",
                    .timeout_ms = timeout_ms };
    pthread_t th[ASK_THREADS];
    size_t started = 0;

    atomic_init(&j.next, 0);
    for (; started < n && started < ASK_THREADS; started++) {
        if (pthread_create(&th[started], NULL, ask_thread, &j) != 0) {
            break;
        }
    }
    if (started == 0) {
        ask_thread(&j); /* no thread: ask one after the other */
    }
    for (size_t i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
    }
}

void gvctl_live_free(gvctl_target_t *t, size_t n)
{
    for (size_t i = 0; t != NULL && i < n; i++) {
        gvc_report_free(&t[i].rep);
    }
}

int gvctl_status_is_direct(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--node") == 0 ||
            strncmp(argv[i], "--node=", 7) == 0) {
            return 1;
        }
    }
    return 0;
}
