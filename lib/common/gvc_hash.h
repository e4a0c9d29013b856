/*
 * gvc_hash.h - content hashes (SHA-256) naming fatbins in gvd's cache.
 * A cryptographic hash, because the cache is shared between clients: one
 * client must not be able to plant code under another's fatbin name.
 */
#ifndef GVC_HASH_H
#define GVC_HASH_H

#include "gvc_status.h"

#include <stddef.h>
#include <stdint.h>

#define GVC_HASH_LEN 32
#define GVC_HASH_HEX_LEN (2 * GVC_HASH_LEN + 1)

gvc_status_t gvc_hash(const void *data, size_t len,
                      uint8_t out[GVC_HASH_LEN]);
void gvc_hash_hex(const uint8_t hash[GVC_HASH_LEN],
                  char out[GVC_HASH_HEX_LEN]);

#endif
