/*
 * gnutls_static.c - in the static build only (-Dstatic=true, docs/static.md):
 * what libmicrohttpd.a (the exporter's HTTP server) needs from GnuTLS, which
 * cannot be linked statically from Debian's archives (no static p11-kit or
 * libunistring), answered with "not in this build".
 *
 * Owns: the gnutls_* symbols libmicrohttpd.a refers to.
 *
 * Invariants:
 * - The exporter serves plain HTTP (it never passes MHD_USE_TLS), so
 *   libmicrohttpd calls only gnutls_global_init and gnutls_global_deinit
 *   (from its constructor and destructor): they succeed and do nothing.
 * - Every other function is reached only through MHD_USE_TLS: each fails
 *   with GNUTLS_E_UNIMPLEMENTED_FEATURE (or NULL, or "not in this build"),
 *   and is declared without its parameters (no GnuTLS header is a build
 *   dependency); none is ever called with any.
 */
#include <stddef.h>
#include <stdlib.h>

#define LP_GNUTLS_E_UNIMPLEMENTED_FEATURE (-1250)

int gnutls_global_init(void);
int gnutls_global_init(void) { return 0; }
void gnutls_global_deinit(void);
void gnutls_global_deinit(void) {}

/* a variable in GnuTLS: its allocator, which libmicrohttpd may use for PSK keys */
void *(*gnutls_malloc)(size_t);
void *(*gnutls_malloc)(size_t) = malloc;

const char *gnutls_strerror(int error);
const char *gnutls_strerror(int error) { return "TLS is not in the static linkproof (docs/static.md)"; }
void *gnutls_session_get_ptr(void *session);
void *gnutls_session_get_ptr(void *session) { return NULL; }

#define FAIL(name) \
    int name(void); \
    int name(void) { return LP_GNUTLS_E_UNIMPLEMENTED_FEATURE; }

FAIL(gnutls_alpn_set_protocols)
FAIL(gnutls_bye)
FAIL(gnutls_certificate_allocate_credentials)
FAIL(gnutls_certificate_free_credentials)
FAIL(gnutls_certificate_server_set_request)
FAIL(gnutls_certificate_set_dh_params)
FAIL(gnutls_certificate_set_retrieve_function2)
FAIL(gnutls_certificate_set_retrieve_function3)
FAIL(gnutls_certificate_set_x509_key_mem)
FAIL(gnutls_certificate_set_x509_key_mem2)
FAIL(gnutls_certificate_set_x509_trust_mem)
FAIL(gnutls_cipher_get)
FAIL(gnutls_credentials_set)
FAIL(gnutls_deinit)
FAIL(gnutls_dh_params_deinit)
FAIL(gnutls_dh_params_import_pkcs3)
FAIL(gnutls_dh_params_init)
FAIL(gnutls_handshake)
FAIL(gnutls_init)
FAIL(gnutls_priority_deinit)
FAIL(gnutls_priority_init)
FAIL(gnutls_priority_set)
FAIL(gnutls_protocol_get_version)
FAIL(gnutls_psk_allocate_server_credentials)
FAIL(gnutls_psk_free_server_credentials)
FAIL(gnutls_psk_set_server_credentials_function)
FAIL(gnutls_record_check_pending)
FAIL(gnutls_record_get_direction)
FAIL(gnutls_record_recv)
FAIL(gnutls_record_send)
FAIL(gnutls_session_set_ptr)
FAIL(gnutls_transport_set_int2)
