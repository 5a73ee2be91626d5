/*
 * smap.c - string-keyed hash map (one per directory in an image view, so it
 * starts small). Invariants: cap is 0 or a power of two,
 * the table is at most half full (so probing always ends at an empty slot),
 * and keys[i] == NULL marks an empty slot.
 */
#include "util/smap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

uint64_t smap_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t slot_of(const smap *m, const char *key, bool *found)
{
    size_t mask = m->cap - 1, i = (size_t)smap_hash(key) & mask;
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0) {
            *found = true;
            return i;
        }
        i = (i + 1) & mask;
    }
    *found = false;
    return i;
}

void *smap_get(const smap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    bool found;
    size_t i = slot_of(m, key, &found);
    return found ? m->vals[i] : NULL;
}

bool smap_has(const smap *m, const char *key)
{
    if (!m->cap)
        return false;
    bool found;
    slot_of(m, key, &found);
    return found;
}

bool smap_put(smap *m, const char *key, void *val)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 8;
        smap nm = {calloc(nc, sizeof(char *)), calloc(nc, sizeof(void *)), nc, 0};
        if (!nm.keys || !nm.vals) {
            free(nm.keys);
            free(nm.vals);
            return false;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i])
                continue;
            bool f;
            size_t j = slot_of(&nm, m->keys[i], &f);
            nm.keys[j] = m->keys[i];
            nm.vals[j] = m->vals[i];
            nm.n++;
        }
        free(m->keys);
        free(m->vals);
        *m = nm;
    }
    bool found;
    size_t i = slot_of(m, key, &found);
    if (!found) {
        char *k = strdup(key);
        if (!k)
            return false;
        m->keys[i] = k;
        m->n++;
    }
    m->vals[i] = val;
    return true;
}

/* Linear probing: after emptying slot i, entries further along the probe run
 * that could have lived at i move back, so no lookup stops early. */
bool smap_del(smap *m, const char *key)
{
    if (!m->cap)
        return false;
    bool found;
    size_t i = slot_of(m, key, &found);
    if (!found)
        return false;
    free(m->keys[i]);
    m->keys[i] = NULL;
    m->vals[i] = NULL;
    m->n--;
    size_t mask = m->cap - 1;
    for (size_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
        size_t h = (size_t)smap_hash(m->keys[j]) & mask;
        /* the entry at j stays when its home h lies cyclically in (i, j] */
        bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
        if (stays)
            continue;
        m->keys[i] = m->keys[j];
        m->vals[i] = m->vals[j];
        m->keys[j] = NULL;
        m->vals[j] = NULL;
        i = j;
    }
    return true;
}

void smap_release(smap *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i]) {
            free(m->keys[i]);
            if (free_val)
                free_val(m->vals[i]);
        }
    }
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}
