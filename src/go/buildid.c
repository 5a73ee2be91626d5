/*
 * buildid.c - the Go build ID and the GNU build ID.
 *
 * The Go build ID is the ELF note "Go" of type 4 (.note.go.buildid); where
 * there is no such note (other formats, some post-processed files) the Go
 * linker's text marker `\xff Go build ID: "<id>"\n \xff` near the start of
 * the file is used, searching the first 32 KiB as the go command does.
 */
#include <stdlib.h>
#include <string.h>

#include "linkproof/go.h"
#include "obj/elf_defs.h"

#define GO_NOTE_BUILDID 4u /* the Go linker's own note type (cmd/link: ELF_NOTE_GOBUILDID_TAG) */
#define TEXT_SEARCH (32u * 1024u)
#define MAX_ID 1024u

static const char text_prefix[] = "\xff Go build ID: \"";
static const char text_suffix[] = "\"\n \xff";

static bool printable_id(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '"')
            return false;
    return true;
}

lp_code lp_go_buildid(lp_obj *obj, char **out, lp_buildid_src *from, lp_err *err)
{
    *out = NULL;
    *from = LP_BUILDID_NONE;
    lp_region r;
    lp_err e2;
    lp_code rc = lp_obj_find_note(obj, "Go", GO_NOTE_BUILDID, &r, &e2);
    if (rc == LP_OK) {
        if (r.len > 0 && r.len <= MAX_ID) {
            *out = strndup((const char *)r.data, r.len);
            *from = LP_BUILDID_NOTE;
        }
        lp_region_release(&r);
        if (*from == LP_BUILDID_NOTE && !*out)
            return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
        if (*out)
            return LP_OK;
    } else if (rc != LP_ERR_NOTFOUND) {
        if (err)
            *err = e2;
        return rc;
    }

    uint8_t *buf = malloc(TEXT_SEARCH);
    if (!buf)
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    size_t got = 0;
    rc = lp_src_read_upto(lp_obj_source(obj), 0, buf, TEXT_SEARCH, &got, err);
    if (rc) {
        free(buf);
        return rc;
    }
    size_t pl = sizeof text_prefix - 1, sl = sizeof text_suffix - 1;
    for (size_t i = 0; got >= pl && i <= got - pl; i++) {
        const uint8_t *p = memchr(buf + i, 0xff, got - pl - i + 1);
        if (!p)
            break;
        i = (size_t)(p - buf);
        if (memcmp(p, text_prefix, pl) != 0)
            continue;
        size_t start = i + pl;
        const uint8_t *end = NULL;
        for (size_t j = start; j + sl <= got && j - start <= MAX_ID; j++)
            if (buf[j] == '"' && memcmp(buf + j, text_suffix, sl) == 0) {
                end = buf + j;
                break;
            }
        if (!end || !printable_id(buf + start, (size_t)(end - (buf + start))))
            continue;
        *out = strndup((const char *)buf + start, (size_t)(end - (buf + start)));
        free(buf);
        if (!*out)
            return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
        *from = LP_BUILDID_TEXT;
        return LP_OK;
    }
    free(buf);
    return LP_OK;
}

lp_code lp_gnu_buildid(lp_obj *obj, char **out, lp_err *err)
{
    *out = NULL;
    lp_region r;
    lp_err e2;
    lp_code rc = lp_obj_find_note(obj, "GNU", LP_NT_GNU_BUILD_ID, &r, &e2);
    if (rc == LP_ERR_NOTFOUND)
        return LP_OK;
    if (rc) {
        if (err)
            *err = e2;
        return rc;
    }
    if (r.len == 0 || r.len > MAX_ID) {
        lp_region_release(&r);
        return LP_OK;
    }
    char *s = malloc(r.len * 2 + 1);
    if (!s) {
        lp_region_release(&r);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < r.len; i++) {
        s[2 * i] = hex[r.data[i] >> 4];
        s[2 * i + 1] = hex[r.data[i] & 15];
    }
    s[2 * r.len] = '\0';
    lp_region_release(&r);
    *out = s;
    return LP_OK;
}
