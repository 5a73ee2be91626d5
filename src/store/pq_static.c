/*
 * pq_static.c - in the static build only (-Dstatic=true, docs/static.md): what
 * libpq.a needs from the two libraries Debian ships no static archive of,
 * GSSAPI (Kerberos) and OpenLDAP, answered with "not in this build".
 *
 * Owns: the gss_* and ldap_* functions libpq.a calls, with the C ABI of the
 * real ones (no header: the krb5 and OpenLDAP headers are not a build
 * dependency).
 *
 * Invariants:
 * - Every GSSAPI call fails with GSS_S_FAILURE and no credentials, so libpq
 *   finds no Kerberos ticket: gssencmode=prefer (its default) goes on without
 *   GSSAPI encryption; gssencmode=require and a server asking for gss
 *   authentication end with libpq's own error, whose text says why.
 * - ldap_init returns NULL: an ldap:// line in pg_service.conf is libpq's
 *   "could not create LDAP structure" error.
 * - Nothing is allocated; gss_release_buffer frees nothing (every buffer
 *   handed out points at a constant).
 */
#include <stddef.h>
#include <stdint.h>

typedef uint32_t lp_gss_uint32;
typedef struct {
    size_t length;
    void *value;
} lp_gss_buffer;

#define LP_GSS_S_FAILURE (13u << 16)

static const char gss_none[] = "GSSAPI (Kerberos) is not in the static linkproof (docs/static.md)";

/* the GSS_C_NT_HOSTBASED_SERVICE OID pointer libpq passes to gss_import_name */
void *GSS_C_NT_HOSTBASED_SERVICE;
void *GSS_C_NT_HOSTBASED_SERVICE = NULL;

static lp_gss_uint32 gss_fail(lp_gss_uint32 *minor)
{
    if (minor)
        *minor = 0;
    return LP_GSS_S_FAILURE;
}

typedef lp_gss_uint32 u32;
typedef lp_gss_buffer *buf_t;

#define STUB(ret, name, params, body) \
    ret name params;                  \
    ret name params { body }

STUB(u32, gss_acquire_cred, (u32 *minor, void *name, u32 time_req, void *mechs, int usage,
                             void **cred, void **actual_mechs, u32 *time_rec),
     if (cred) *cred = NULL; return gss_fail(minor);)
STUB(u32, gss_delete_sec_context, (u32 *minor, void **ctx, buf_t out),
     if (ctx) *ctx = NULL; return 0;)
STUB(u32, gss_import_name, (u32 *minor, buf_t in, void *type, void **name),
     if (name) *name = NULL; return gss_fail(minor);)
STUB(u32, gss_init_sec_context, (u32 *minor, void *cred, void **ctx, void *target, void *mech,
                                 u32 flags, u32 time_req, void *bindings, buf_t in, void **actual_mech,
                                 buf_t out, u32 *ret_flags, u32 *time_rec),
     if (out) { out->length = 0; out->value = NULL; } return gss_fail(minor);)
STUB(u32, gss_release_cred, (u32 *minor, void **cred), if (cred) *cred = NULL; return 0;)
STUB(u32, gss_release_name, (u32 *minor, void **name), if (name) *name = NULL; return 0;)
STUB(u32, gss_unwrap, (u32 *minor, void *ctx, buf_t in, buf_t out, int *conf, u32 *qop),
     return gss_fail(minor);)
STUB(u32, gss_wrap, (u32 *minor, void *ctx, int conf_req, u32 qop, buf_t in, int *conf, buf_t out),
     return gss_fail(minor);)
STUB(u32, gss_wrap_size_limit, (u32 *minor, void *ctx, int conf_req, u32 qop, u32 size, u32 *max_in),
     return gss_fail(minor);)

lp_gss_uint32 gss_display_status(lp_gss_uint32 *minor, lp_gss_uint32 status, int type, void *mech,
                                 lp_gss_uint32 *more, lp_gss_buffer *msg);
lp_gss_uint32 gss_display_status(lp_gss_uint32 *minor, lp_gss_uint32 status, int type, void *mech,
                                 lp_gss_uint32 *more, lp_gss_buffer *msg)
{
    if (minor)
        *minor = 0;
    if (more)
        *more = 0; /* one message: libpq loops while *more is not 0 */
    if (msg) {
        msg->length = sizeof gss_none - 1;
        msg->value = (void *)(uintptr_t)gss_none;
    }
    return 0;
}

lp_gss_uint32 gss_release_buffer(lp_gss_uint32 *minor, lp_gss_buffer *buf);
lp_gss_uint32 gss_release_buffer(lp_gss_uint32 *minor, lp_gss_buffer *buf)
{
    if (minor)
        *minor = 0;
    if (buf) {
        buf->length = 0;
        buf->value = NULL;
    }
    return 0;
}

/* OpenLDAP: only ldap_init is reached (it fails first); the rest keep the link whole */
void *ldap_init(const char *host, int port);
void *ldap_init(const char *host, int port) { return NULL; }

STUB(int, ldap_count_entries, (void *ld, void *res), return -1;)
STUB(int, ldap_msgfree, (void *res), return 0;)
STUB(int, ldap_result, (void *ld, int id, int all, void *timeout, void **res), return -1;)
STUB(int, ldap_search_st, (void *ld, const char *base, int scope, const char *filter, char **attrs,
                           int attrsonly, void *timeout, void **res), return -1;)
STUB(int, ldap_set_option, (void *ld, int option, const void *value), return -1;)
STUB(int, ldap_simple_bind, (void *ld, const char *who, const char *pw), return -1;)
STUB(int, ldap_unbind, (void *ld), return 0;)
STUB(void, ldap_value_free_len, (void *vals), return;)

void *ldap_first_entry(void *ld, void *res);
void *ldap_first_entry(void *ld, void *res) { return NULL; }
void *ldap_get_values_len(void *ld, void *entry, const char *attr);
void *ldap_get_values_len(void *ld, void *entry, const char *attr) { return NULL; }
char *ldap_err2string(int err);
char *ldap_err2string(int err) { return (char *)(uintptr_t)"LDAP is not in the static linkproof (docs/static.md)"; }
