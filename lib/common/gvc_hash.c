#include "config.h"

#include "gvc_hash.h"

#include <openssl/evp.h>
#include <stdio.h>

gvc_status_t gvc_hash(const void *data, size_t len,
                      uint8_t out[GVC_HASH_LEN])
{
    unsigned int n = 0;

    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 ||
        n != GVC_HASH_LEN) {
        return GVC_ERR_INTERNAL;
    }
    return GVC_OK;
}

void gvc_hash_hex(const uint8_t hash[GVC_HASH_LEN],
                  char out[GVC_HASH_HEX_LEN])
{
    static const char digits[] = "0123456789abcdef";

    for (int i = 0; i < GVC_HASH_LEN; i++) {
        out[2 * i] = digits[hash[i] >> 4];
        out[2 * i + 1] = digits[hash[i] & 15];
    }
    out[2 * GVC_HASH_LEN] = '\0';
}
