/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* u64map.h: an open-addressing hash map from u64 keys to fixed-size values. */
#ifndef WP_U64MAP_H
#define WP_U64MAP_H

#include <stddef.h>
#include <stdint.h>

struct u64map;

/* Values are value_size bytes, zeroed on insertion. NULL on ENOMEM. */
struct u64map *u64map__new(size_t value_size);
void u64map__free(struct u64map *m);
/* The value of key, or NULL. */
void *u64map__get(const struct u64map *m, uint64_t key);
/* The value of key, inserted zeroed if absent; NULL on ENOMEM. */
void *u64map__upsert(struct u64map *m, uint64_t key);
/* Remove key: 0, or -1 if absent. Values of other keys may move (pointers to them go stale). */
int u64map__del(struct u64map *m, uint64_t key);
size_t u64map__size(const struct u64map *m);
/* Iterate: *iter starts at 0; returns the next value and its key, NULL at the end. */
void *u64map__next(const struct u64map *m, size_t *iter, uint64_t *key);

/* FNV-1a of a string: a key for maps of strings (collisions are the caller's to probe). */
uint64_t u64map_hash_str(const char *s);

#endif
