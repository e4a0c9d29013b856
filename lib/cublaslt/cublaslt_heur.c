/*
 * cublaslt_heur.c - cublasLtMatmulAlgoGetHeuristic with answers kept on
 * the client.  PyTorch asks the heuristics before every cublasLtMatmul,
 * with descriptors it has just made: the one round trip a gemm still
 * cost once descriptors came from the pool (cublaslt_pool.c).
 *
 * The answer depends on what the descriptors hold, not on which objects
 * they are, so each matmul, layout and preference record has its state
 * here: the values it was made with, then every attribute set, in order.
 * Equal states are equal descriptors (the converse need not hold: the
 * same attributes set in another order only miss).  An answer is kept
 * under the device, the handle, the count asked for and the six states,
 * compared byte for byte; only successful answers are kept, at most
 * CACHE_MAX of them.  A matmul descriptor naming an emulation descriptor
 * (whose own attributes may change) is never cached.
 */
#include "config.h"

#include "gvlt.h"
#include "gvf_obj.h"
#include "gv_api_cublaslt.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 256
#define CACHE_MAX 4096
#define STATE_MAX 4096          /* bytes: more is not worth keeping */
#define HEUR_MAX 100000         /* results asked for at most (a few MiB) */

typedef struct state {
    struct state *next;
    const void *rec;
    uint8_t *b;
    size_t n, cap;
    int nocache;
} state_t;

typedef struct entry {
    struct entry *next;
    uint64_t hash;
    uint8_t *key;
    size_t klen;
    int count;                  /* returnAlgoCount */
    cublasLtMatmulHeuristicResult_t res[]; /* requested of them */
} entry_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static state_t *states[BUCKETS];
static entry_t *cache[BUCKETS];
static size_t cached;

static size_t slot(const void *p)
{
    return ((uintptr_t)p >> 4) % BUCKETS;
}

static uint64_t fnv(const uint8_t *b, size_t n)
{
    uint64_t h = 1469598103934665603ull;

    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * 1099511628211ull;
    }
    return h;
}

/* Under the lock. */
static state_t **find_state(const void *rec)
{
    state_t **s = &states[slot(rec)];

    while (*s != NULL && (*s)->rec != rec) {
        s = &(*s)->next;
    }
    return s;
}

static int append(state_t *s, const void *p, size_t n)
{
    if (s->n + n > STATE_MAX) {
        s->nocache = 1;
        return -1;
    }
    if (s->n + n > s->cap) {
        size_t cap = s->cap != 0 ? s->cap * 2 : 128;
        uint8_t *b;

        while (cap < s->n + n) {
            cap *= 2;
        }
        b = realloc(s->b, cap);
        if (b == NULL) {
            s->nocache = 1;
            return -1;
        }
        s->b = b;
        s->cap = cap;
    }
    memcpy(s->b + s->n, p, n);
    s->n += n;
    return 0;
}

void gvlt_state_new(const void *rec, const void *args, size_t n)
{
    state_t *s;

    pthread_mutex_lock(&lock);
    s = *find_state(rec);
    if (s == NULL && (s = calloc(1, sizeof(*s))) != NULL) {
        s->rec = rec;
        s->next = states[slot(rec)];
        states[slot(rec)] = s;
    }
    if (s != NULL) {
        s->n = 0;
        s->nocache = 0;
        (void)append(s, args, n);
    }
    pthread_mutex_unlock(&lock);
}

void gvlt_state_set(const void *rec, int attr, const void *buf, size_t size,
                    int cacheable)
{
    state_t *s;
    uint32_t head[2] = { (uint32_t)attr, (uint32_t)size };

    pthread_mutex_lock(&lock);
    s = *find_state(rec);
    if (s != NULL) {
        if (!cacheable || buf == NULL || append(s, head, sizeof(head)) != 0 ||
            append(s, buf, size) != 0) {
            s->nocache = 1;
        }
    }
    pthread_mutex_unlock(&lock);
}

void gvlt_state_drop(const void *rec)
{
    state_t **p, *s;

    pthread_mutex_lock(&lock);
    p = find_state(rec);
    s = *p;
    if (s != NULL) {
        *p = s->next;
        free(s->b);
        free(s);
    }
    pthread_mutex_unlock(&lock);
}

/* The key of a question into *key: buf when it fits in cap bytes (no
 * allocation on a hit, the common case), else malloc'd; -1 when one of
 * the descriptors has no cacheable state.  Under the lock. */
static int make_key(const void *const *recs, int nrecs, const void *prefix,
                    size_t plen, uint8_t *buf, size_t cap, uint8_t **key,
                    size_t *klen)
{
    size_t n = plen;
    uint8_t *k, *p;

    for (int i = 0; i < nrecs; i++) {
        state_t *s = *find_state(recs[i]);

        if (s == NULL || s->nocache) {
            return -1;
        }
        n += sizeof(uint64_t) + s->n;
    }
    k = n <= cap ? buf : malloc(n);
    if (k == NULL) {
        return -1;
    }
    memcpy(k, prefix, plen);
    p = k + plen;
    for (int i = 0; i < nrecs; i++) {
        state_t *s = *find_state(recs[i]);
        uint64_t len = s->n;

        memcpy(p, &len, sizeof(len));
        memcpy(p + sizeof(len), s->b, s->n);
        p += sizeof(len) + s->n;
    }
    *key = k;
    *klen = n;
    return 0;
}

static entry_t *lookup(const uint8_t *key, size_t klen, uint64_t h)
{
    for (entry_t *e = cache[h % BUCKETS]; e != NULL; e = e->next) {
        if (e->hash == h && e->klen == klen &&
            memcmp(e->key, key, klen) == 0) {
            return e;
        }
    }
    return NULL;
}

/* The question on the worker, as the generated stub asked it. */
static cublasStatus_t ask(cublasLtHandle_t lightHandle,
                          const void *const *descs,
                          int requestedAlgoCount,
                          cublasLtMatmulHeuristicResult_t *results,
                          int *returnAlgoCount)
{
    static const int kinds[6] = { GVLT_K_MATMUL, GVLT_K_LAYOUT,
                                  GVLT_K_LAYOUT, GVLT_K_LAYOUT,
                                  GVLT_K_LAYOUT, GVLT_K_PREF };
    size_t n = requestedAlgoCount > 0 ? (size_t)requestedAlgoCount : 0;
    gvf_call_t c;
    gvc_status_t st;
    cublasStatus_t err;
    void *remote;

    if (results != NULL && n > HEUR_MAX) {
        return gvbl_fail(CUBLAS_STATUS_INVALID_VALUE);
    }
    err = gvbl_begin_route(&c, GV_API_cublasLtMatmulAlgoGetHeuristic,
                           lightHandle, GVLT_K_HANDLE, &remote, 0);
    if (err != CUBLAS_STATUS_SUCCESS) {
        return err;
    }
    gvc_enc_ptr(&c.enc, remote);
    for (int i = 0; i < 6; i++) {
        err = gvbl_xlate(&c, descs[i], kinds[i], &remote);
        if (err != CUBLAS_STATUS_SUCCESS) {
            return gvbl_abort(&c, err);
        }
        gvc_enc_ptr(&c.enc, remote);
    }
    gvc_enc_i32(&c.enc, requestedAlgoCount);
    gvc_enc_u8(&c.enc, results != NULL);
    gvc_enc_u8(&c.enc, returnAlgoCount != NULL);
    st = c.enc.status;
    if (st == GVC_OK && 32 + n * sizeof(*results) + 8 > GVF_INLINE_REPLY) {
        st = gvf_call_reply_room(&c, 32 + n * sizeof(*results) + 8);
    }
    st = st == GVC_OK ? gvf_call_sync(&c) : st;
    if (gvbl_ok(&c, st)) {
        if (results != NULL) {
            const void *p;
            uint32_t got;

            gvc_dec_array(&c.dec, &p, &got, sizeof(*results),
                          (uint32_t)n);
            if (c.dec.status == GVC_OK && got == n && n > 0) {
                memcpy(results, p, n * sizeof(*results));
            } else if (c.dec.status == GVC_OK && got != n) {
                c.dec.status = GVC_ERR_PROTO;
            }
        }
        if (returnAlgoCount != NULL) {
            int32_t v = 0;

            gvc_dec_i32(&c.dec, &v);
            *returnAlgoCount = v;
        }
        st = gvc_dec_finish(&c.dec);
    }
    return gvbl_end(&c, st);
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatmulAlgoGetHeuristic(
        cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t operationDesc,
        cublasLtMatrixLayout_t Adesc, cublasLtMatrixLayout_t Bdesc,
        cublasLtMatrixLayout_t Cdesc, cublasLtMatrixLayout_t Ddesc,
        cublasLtMatmulPreference_t preference, int requestedAlgoCount,
        cublasLtMatmulHeuristicResult_t heuristicResultsArray[],
        int *returnAlgoCount)
{
    const void *descs[6] = { operationDesc, Adesc, Bdesc, Cdesc, Ddesc,
                             preference };
    cublasLtMatmulHeuristicResult_t *res = heuristicResultsArray;
    gvf_obj_t h;
    struct {
        int32_t dev, requested;
        const void *handle;
    } prefix;
    uint8_t kbuf[1024], *key = NULL;
    size_t klen = 0, n;
    uint64_t hash = 0;
    entry_t *e;
    int count = 0;
    cublasStatus_t err;

    /* Only the plain question is cached: results and count wanted, a
     * handle of ours. */
    if (res == NULL || returnAlgoCount == NULL || requestedAlgoCount <= 0 ||
        requestedAlgoCount > 64 || gvf_obj_get(lightHandle, 0, &h) != GVC_OK) {
        return ask(lightHandle, descs, requestedAlgoCount, res,
                   returnAlgoCount);
    }
    n = (size_t)requestedAlgoCount;
    memset(&prefix, 0, sizeof(prefix));
    prefix.dev = gvf_dev_ordinal(h.dev);
    prefix.requested = requestedAlgoCount;
    prefix.handle = lightHandle;
    pthread_mutex_lock(&lock);
    if (make_key(descs, 6, &prefix, sizeof(prefix), kbuf, sizeof(kbuf), &key,
                 &klen) == 0) {
        hash = fnv(key, klen);
        e = lookup(key, klen, hash);
        if (e != NULL) {
            memcpy(res, e->res, n * sizeof(*res));
            *returnAlgoCount = e->count;
            pthread_mutex_unlock(&lock);
            if (key != kbuf) {
                free(key);
            }
            return CUBLAS_STATUS_SUCCESS;
        }
    }
    pthread_mutex_unlock(&lock);
    err = ask(lightHandle, descs, requestedAlgoCount, res, &count);
    *returnAlgoCount = count;
    if (err == CUBLAS_STATUS_SUCCESS && key == kbuf) {
        /* Kept: the key moves to the heap. */
        key = malloc(klen);
        if (key != NULL) {
            memcpy(key, kbuf, klen);
        }
    }
    if (err == CUBLAS_STATUS_SUCCESS && key != NULL) {
        e = malloc(sizeof(*e) + n * sizeof(*res));
        if (e != NULL) {
            e->hash = hash;
            e->key = key;
            e->klen = klen;
            e->count = count;
            memcpy(e->res, res, n * sizeof(*res));
            pthread_mutex_lock(&lock);
            if (cached < CACHE_MAX && lookup(key, klen, hash) == NULL) {
                e->next = cache[hash % BUCKETS];
                cache[hash % BUCKETS] = e;
                cached++;
                e = NULL;
                key = NULL;
            }
            pthread_mutex_unlock(&lock);
            free(e);
        }
    }
    if (key != kbuf) {
        free(key);
    }
    return err;
}

/* At unload: what the states and the cache hold (valgrind-clean exit).
 * Not in a forked child (gvf_forked): a parent's thread may have held
 * the lock at fork(), and the child's exit must not hang on it. */
__attribute__((destructor)) static void heur_fini(void)
{
    if (gvf_forked()) {
        return;
    }
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < BUCKETS; i++) {
        while (states[i] != NULL) {
            state_t *s = states[i];

            states[i] = s->next;
            free(s->b);
            free(s);
        }
        while (cache[i] != NULL) {
            entry_t *e = cache[i];

            cache[i] = e->next;
            free(e->key);
            free(e);
        }
    }
    cached = 0;
    pthread_mutex_unlock(&lock);
}
