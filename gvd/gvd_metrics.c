/*
 * gvd_metrics.c - the Prometheus endpoint (gvd.metrics_listen): a
 * minimal HTTP/1.0 server for GET /metrics inside gvd's event loop.
 *
 * Everything is non-blocking and bounded, so a slow or hostile scraper
 * never stalls the loop that admits clients: at most MAX_CONNS
 * connections (more are closed at once), a request of at most MAX_REQ
 * bytes (longer: 431), gvd.hello_timeout to send it and read the answer
 * (then closed), the answer written as the peer reads (EPOLLOUT).  One
 * request per connection; the answer says Connection: close.
 *
 * No authentication, as is usual for exporters: bind it to loopback or
 * a management network (gvd(8)).  The numbers are gvd_status_report()'s,
 * the same gvctl status shows.
 */
#include "config.h"

#include "gvd_server_int.h"
#include "gvc_config.h"
#include "gvc_log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 16
#define MAX_REQ   4096

typedef struct http_conn {
    int fd;                /* -1: slot free */
    long deadline_ms;
    size_t have;
    char *out;             /* answer being written; owned */
    size_t out_len, out_off;
    char in[MAX_REQ];
} http_conn_t;

struct gvd_metrics {
    int lfd;
    int epfd;              /* not owned */
    long timeout_ms;       /* a connection's whole life */
    int n;                 /* slots in use */
    http_conn_t conns[MAX_CONNS];
};

gvc_status_t gvd_metrics_create(const char *listen, long timeout_ms,
                                int epfd, gvd_metrics_t **m_p, char *err,
                                size_t errlen)
{
    struct epoll_event ev = { .events = EPOLLIN };
    char host[256], why[384];
    gvd_metrics_t *m;
    gvc_status_t st;
    int port;

    *m_p = NULL;
    if (listen == NULL || listen[0] == '\0') {
        return GVC_OK;
    }
    if (gvc_parse_hostport(listen, host, sizeof(host), &port) != 0) {
        snprintf(err, errlen, "gvd.metrics_listen: '%s' is not host:port",
                 listen);
        return GVC_ERR_CONFIG;
    }
    m = calloc(1, sizeof(*m));
    if (m == NULL) {
        snprintf(err, errlen, "out of memory");
        return GVC_ERR_NOMEM;
    }
    m->epfd = epfd;
    m->timeout_ms = timeout_ms;
    for (int i = 0; i < MAX_CONNS; i++) {
        m->conns[i].fd = -1;
    }
    st = gvc_ctl_listen(host, port, MAX_CONNS, &m->lfd, NULL, why,
                        sizeof(why));
    if (st != GVC_OK) {
        snprintf(err, errlen, "gvd.metrics_listen: %s", why);
        free(m);
        return st;
    }
    /* A connection reset between epoll and accept must not block us. */
    fcntl(m->lfd, F_SETFL, fcntl(m->lfd, F_GETFL) | O_NONBLOCK);
    ev.data.fd = m->lfd;
    epoll_ctl(epfd, EPOLL_CTL_ADD, m->lfd, &ev);
    gvc_info("Prometheus metrics on http://%s/metrics", listen);
    *m_p = m;
    return GVC_OK;
}

static void conn_close(gvd_metrics_t *m, http_conn_t *c)
{
    epoll_ctl(m->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->out);
    c->out = NULL;
    c->fd = -1;
    m->n--;
}

void gvd_metrics_destroy(gvd_metrics_t *m)
{
    if (m == NULL) {
        return;
    }
    for (int i = 0; i < MAX_CONNS; i++) {
        if (m->conns[i].fd >= 0) {
            conn_close(m, &m->conns[i]);
        }
    }
    close(m->lfd);
    free(m);
}

/* ---- exposition text ---------------------------------------------------- */

/* A label value: backslash, quote and newline escaped. */
static void put_label(FILE *f, const char *name, const char *v, int first)
{
    fprintf(f, "%s%s=\"", first ? "" : ",", name);
    for (; *v != '\0'; v++) {
        if (*v == '\\' || *v == '"') {
            fprintf(f, "\\%c", *v);
        } else if (*v == '\n') {
            fputs("\\n", f);
        } else {
            fputc(*v, f);
        }
    }
    fputc('"', f);
}

static void put_family(FILE *f, const char *name, const char *help,
                       int gauge)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
            gauge ? "gauge" : "counter");
}

static void put_gpu_labels(FILE *f, const gvc_report_gpu_t *g)
{
    char idx[16];

    snprintf(idx, sizeof(idx), "%d", g->index);
    fputc('{', f);
    put_label(f, "gpu", idx, 1);
    put_label(f, "uuid", g->uuid, 0);
    fputc('}', f);
}

static void put_client_labels(FILE *f, const gvc_report_client_t *c)
{
    char id[16], gpu[16];

    snprintf(id, sizeof(id), "%u", c->id);
    snprintf(gpu, sizeof(gpu), "%d", c->gpu);
    fputc('{', f);
    put_label(f, "client", id, 1);
    put_label(f, "gpu", gpu, 0);
    put_label(f, "job", c->job, 0);
    put_label(f, "host", c->host, 0);
    fputc('}', f);
}

static void render_node(FILE *f, const gvc_report_t *r)
{
    put_family(f, "gvirtus_info", "gvd's version, device and node", 1);
    fputs("gvirtus_info{", f);
    put_label(f, "node", r->node, 1);
    put_label(f, "version", r->version, 0);
    put_label(f, "device", r->device, 0);
    fputs("} 1\n", f);
    put_family(f, "gvirtus_uptime_seconds", "Seconds since gvd started", 1);
    fprintf(f, "gvirtus_uptime_seconds %.3f\n", (double)r->uptime_ms / 1e3);
    put_family(f, "gvirtus_max_clients", "gvd.max_clients", 1);
    fprintf(f, "gvirtus_max_clients %u\n", r->max_clients);
}

static void render_gpus(FILE *f, const gvc_report_t *r)
{
    static const struct {
        const char *name, *help;
        int gauge;
    } extra[] = {
        { "gvirtus_gpu_clients", "Clients connected to the GPU now", 1 },
        { "gvirtus_gpu_clients_served_total",
          "Clients admitted to the GPU since gvd started", 0 },
        { "gvirtus_gpu_memory_total_bytes", "The GPU's memory", 1 },
    };
    char name[96];

    for (size_t k = 0; k < sizeof(extra) / sizeof(extra[0]); k++) {
        put_family(f, extra[k].name, extra[k].help, extra[k].gauge);
        for (uint32_t i = 0; i < r->n_gpus; i++) {
            const gvc_report_gpu_t *g = &r->gpus[i];
            uint64_t v = k == 0 ? g->clients
                         : k == 1 ? g->clients_served : g->mem_total;
            fputs(extra[k].name, f);
            put_gpu_labels(f, g);
            fprintf(f, " %" PRIu64 "\n", v);
        }
    }
    for (int c = 0; c < GVC_CTR_MAX; c++) {
        snprintf(name, sizeof(name), "gvirtus_gpu_%s", gvc_ctr_desc[c].metric);
        put_family(f, name, gvc_ctr_desc[c].help, gvc_ctr_desc[c].gauge);
        for (uint32_t i = 0; i < r->n_gpus; i++) {
            fputs(name, f);
            put_gpu_labels(f, &r->gpus[i]);
            fprintf(f, " %" PRIu64 "\n", r->gpus[i].ctr[c]);
        }
    }
}

static void render_clients(FILE *f, const gvc_report_t *r)
{
    char name[96];

    put_family(f, "gvirtus_client_uptime_seconds",
               "Seconds since the client's worker started", 1);
    for (uint32_t i = 0; i < r->n_clients; i++) {
        fputs("gvirtus_client_uptime_seconds", f);
        put_client_labels(f, &r->clients[i]);
        fprintf(f, " %.3f\n", (double)r->clients[i].uptime_ms / 1e3);
    }
    for (int c = 0; c < GVC_CTR_MAX; c++) {
        snprintf(name, sizeof(name), "gvirtus_client_%s",
                 gvc_ctr_desc[c].metric);
        put_family(f, name, gvc_ctr_desc[c].help, gvc_ctr_desc[c].gauge);
        for (uint32_t i = 0; i < r->n_clients; i++) {
            fputs(name, f);
            put_client_labels(f, &r->clients[i]);
            fprintf(f, " %" PRIu64 "\n", r->clients[i].ctr[c]);
        }
    }
}

char *gvd_metrics_render(const gvc_report_t *r, size_t *len_p)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len_p);

    if (f == NULL) {
        return NULL;
    }
    render_node(f, r);
    render_gpus(f, r);
    render_clients(f, r);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* ---- HTTP ------------------------------------------------------------------ */

/* Queue the answer: status line, headers, body (may be NULL). */
static void conn_answer(gvd_metrics_t *m, http_conn_t *c, const char *status,
                        const char *type, const char *body, size_t len)
{
    struct epoll_event ev = { .events = EPOLLOUT, .data.fd = c->fd };
    size_t cap;
    FILE *f = open_memstream(&c->out, &cap);

    if (f == NULL) {
        return;
    }
    fprintf(f, "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Connection: close\r\n\r\n", status, type, len);
    if (len > 0) {
        fwrite(body, 1, len, f);
    }
    if (fclose(f) != 0) {
        free(c->out);
        c->out = NULL;
        return;
    }
    c->out_len = cap;
    c->out_off = 0;
    epoll_ctl(m->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_error(gvd_metrics_t *m, http_conn_t *c, const char *status)
{
    char body[128];
    int n = snprintf(body, sizeof(body), "%s\n", status);

    conn_answer(m, c, status, "text/plain; charset=utf-8", body, (size_t)n);
}

/* A whole request head is in c->in: answer it. */
static void conn_request(server_t *s, http_conn_t *c)
{
    gvd_metrics_t *m = s->metrics;
    char method[8], target[256];
    gvc_report_t r;
    size_t len;
    char *text;

    if (sscanf(c->in, "%7s %255s HTTP/%*d.%*d", method, target) != 2) {
        conn_error(m, c, "400 Bad Request");
        return;
    }
    if (strcmp(method, "GET") != 0) {
        conn_error(m, c, "405 Method Not Allowed");
        return;
    }
    if (strcmp(target, "/metrics") != 0 &&
        strncmp(target, "/metrics?", 9) != 0) {
        conn_error(m, c, "404 Not Found");
        return;
    }
    if (gvd_status_report(s, &r) != GVC_OK) {
        conn_error(m, c, "500 Internal Server Error");
        return;
    }
    text = gvd_metrics_render(&r, &len);
    gvc_report_free(&r);
    if (text == NULL) {
        conn_error(m, c, "500 Internal Server Error");
        return;
    }
    conn_answer(m, c, "200 OK", "text/plain; version=0.0.4; charset=utf-8",
                text, len);
    free(text);
}

/* Read what arrived; answer once the head is complete (or too long). */
static void conn_read(server_t *s, http_conn_t *c)
{
    gvd_metrics_t *m = s->metrics;
    ssize_t n;

    for (;;) {
        n = recv(c->fd, c->in + c->have, sizeof(c->in) - 1 - c->have,
                 MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        if (n <= 0) {
            conn_close(m, c);
            return;
        }
        c->have += (size_t)n;
        c->in[c->have] = '\0';
        if (strstr(c->in, "\r\n\r\n") != NULL ||
            strstr(c->in, "\n\n") != NULL) {
            conn_request(s, c);
            break;
        }
        if (c->have == sizeof(c->in) - 1) {
            conn_error(m, c, "431 Request Header Fields Too Large");
            break;
        }
    }
    if (c->out == NULL) {
        conn_close(m, c); /* out of memory: nothing to say */
    }
}

static void conn_write(gvd_metrics_t *m, http_conn_t *c)
{
    ssize_t n;

    while (c->out_off < c->out_len) {
        n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c->out_off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        } else {
            break;
        }
    }
    conn_close(m, c);
}

static void metrics_accept(gvd_metrics_t *m)
{
    struct epoll_event ev = { .events = EPOLLIN };
    http_conn_t *c = NULL;
    int fd;

    while ((fd = accept4(m->lfd, NULL, NULL,
                         SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        for (int i = 0; i < MAX_CONNS && c == NULL; i++) {
            if (m->conns[i].fd < 0) {
                c = &m->conns[i];
            }
        }
        if (c == NULL) {
            gvc_debug("metrics: %d connections open; one more closed",
                      MAX_CONNS);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->have = 0;
        c->in[0] = '\0';
        c->out = NULL;
        c->deadline_ms = gvd_now_ms() + m->timeout_ms;
        m->n++;
        ev.data.fd = fd;
        epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev);
        c = NULL;
    }
}

int gvd_metrics_event(server_t *s, int fd, uint32_t events)
{
    gvd_metrics_t *m = s->metrics;

    if (m == NULL) {
        return 0;
    }
    if (fd == m->lfd) {
        metrics_accept(m);
        return 1;
    }
    for (int i = 0; i < MAX_CONNS; i++) {
        http_conn_t *c = &m->conns[i];
        if (c->fd != fd) {
            continue;
        }
        if (c->out != NULL) {
            conn_write(m, c);
        } else {
            conn_read(s, c);
            if (c->fd >= 0 && c->out != NULL) {
                conn_write(m, c); /* usually all of it, at once */
            }
        }
        (void)events;
        return 1;
    }
    return 0;
}

void gvd_metrics_expire(gvd_metrics_t *m, long now)
{
    for (int i = 0; m != NULL && i < MAX_CONNS; i++) {
        if (m->conns[i].fd >= 0 && m->conns[i].deadline_ms <= now) {
            gvc_debug("metrics: a scraper took over %ld ms; closed",
                      m->timeout_ms);
            conn_close(m, &m->conns[i]);
        }
    }
}

long gvd_metrics_due_in(const gvd_metrics_t *m, long now)
{
    long t = -1;

    for (int i = 0; m != NULL && i < MAX_CONNS; i++) {
        if (m->conns[i].fd >= 0) {
            long left = m->conns[i].deadline_ms - now;
            left = left > 0 ? left : 0;
            t = t < 0 || left < t ? left : t;
        }
    }
    return t;
}
