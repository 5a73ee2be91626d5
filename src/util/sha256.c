/*
 * sha256.c - SHA-256 through libcrypto's SHA256_* functions.
 *
 * Why not EVP: libcrypto is linked statically (a shared libcrypto costs
 * every run ~3 ms of relocations at start-up), and EVP_sha256() pulls the
 * whole provider machinery and ~16,000 relocated pointers into the binary,
 * which costs the same ~3 ms again. SHA256_Init/Update/Final are the same
 * code underneath (with the CPU's SHA extensions where it has them) and
 * bring in only themselves. They are deprecated in OpenSSL 3 but kept.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "util/sha256.h"

#include <openssl/sha.h>

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((lp_sha256 *)0)->ctx), "lp_sha256 too small");

void lp_sha256_init(lp_sha256 *h) { SHA256_Init((SHA256_CTX *)(void *)h->ctx); }

void lp_sha256_update(lp_sha256 *h, const void *data, size_t n)
{
    if (n)
        SHA256_Update((SHA256_CTX *)(void *)h->ctx, data, n);
}

void lp_sha256_final_hex(lp_sha256 *h, char out[65])
{
    static const char hx[] = "0123456789abcdef";
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256_Final(d, (SHA256_CTX *)(void *)h->ctx);
    for (unsigned i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[64] = '\0';
}
