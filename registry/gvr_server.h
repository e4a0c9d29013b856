/*
 * gvr_server.h - gvregistryd's service: a TCP listener, one thread per
 * connection (each with its own SQLite connection), and a sweeper thread
 * that expires leases and marks silent nodes down.
 *
 * Created by gvregistryd's main (or a test) from a loaded configuration,
 * which must outlive the server.  gvr_server_run() blocks in the accept
 * loop until gvr_server_stop(); it then closes every connection, waits
 * for their threads and the sweeper, and returns.
 */
#ifndef GVR_SERVER_H
#define GVR_SERVER_H

#include "gvc_status.h"
#include "gvr_regd_config.h"

typedef struct gvr_server gvr_server_t;

/*
 * Load keys, resolve admins/node_users, open the database (creating the
 * schema), apply static nodes, and listen.  Errors: GVC_ERR_CONFIG,
 * GVC_ERR_DENIED (key file permissions), GVC_ERR_IO (database),
 * GVC_ERR_BUSY (port in use); err says which.
 */
gvc_status_t gvr_server_create(const gvr_regd_config_t *cfg,
                               gvr_server_t **srv_p, char *err,
                               size_t errlen);

/* The port actually listened on (useful with port = 0). */
int gvr_server_port(const gvr_server_t *srv);

/* Serve until stopped.  GVC_OK after a stop, an error if the listener
 * fails. */
gvc_status_t gvr_server_run(gvr_server_t *srv);

/* Ask the server to stop; async-signal-safe (one write to a pipe). */
void gvr_server_stop(gvr_server_t *srv);

/* Free everything (after gvr_server_run returned, or instead of it). */
void gvr_server_destroy(gvr_server_t *srv);

#endif
