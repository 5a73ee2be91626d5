/*
 * sha256.h - SHA-256 for the library (fingerprints, image digests): one
 * place that talks to libcrypto.
 */
#ifndef LP_UTIL_SHA256_H
#define LP_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct lp_sha256 {
    /* room for libcrypto's SHA256_CTX (112 bytes on every target), checked in sha256.c */
    _Alignas(8) unsigned char ctx[128];
} lp_sha256;

void lp_sha256_init(lp_sha256 *h);
void lp_sha256_update(lp_sha256 *h, const void *data, size_t n);
/* The digest as 64 lowercase hex digits and a NUL. */
void lp_sha256_final_hex(lp_sha256 *h, char out[65]);

#endif
