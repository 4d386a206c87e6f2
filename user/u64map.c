// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* u64map.c: an open-addressing hash map from u64 keys to fixed-size values. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "u64map.h"

struct u64map {
	size_t value_size;
	size_t cap; /* power of two */
	size_t n;
	uint64_t *keys;
	bool *used;
	unsigned char *values;
};

static size_t hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k;
}

struct u64map *u64map__new(size_t value_size)
{
	struct u64map *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->value_size = value_size;
	return m;
}

void u64map__free(struct u64map *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->used);
	free(m->values);
	free(m);
}

static size_t slot_of(const struct u64map *m, uint64_t key, bool *found)
{
	size_t i = hash(key) & (m->cap - 1);

	while (m->used[i]) {
		if (m->keys[i] == key) {
			*found = true;
			return i;
		}
		i = (i + 1) & (m->cap - 1);
	}
	*found = false;
	return i;
}

void *u64map__get(const struct u64map *m, uint64_t key)
{
	bool found;
	size_t i;

	if (!m->cap)
		return NULL;
	i = slot_of(m, key, &found);
	return found ? m->values + i * m->value_size : NULL;
}

static int grow(struct u64map *m)
{
	struct u64map old = *m;
	size_t cap = m->cap ? m->cap * 2 : 64;

	m->keys = calloc(cap, sizeof(*m->keys));
	m->used = calloc(cap, sizeof(*m->used));
	m->values = calloc(cap, m->value_size);
	if (!m->keys || !m->used || !m->values) {
		free(m->keys);
		free(m->used);
		free(m->values);
		*m = old;
		return -1;
	}
	m->cap = cap;
	for (size_t i = 0; i < old.cap; i++) {
		bool found;
		size_t j;

		if (!old.used[i])
			continue;
		j = slot_of(m, old.keys[i], &found);
		m->used[j] = true;
		m->keys[j] = old.keys[i];
		memcpy(m->values + j * m->value_size, old.values + i * m->value_size,
		       m->value_size);
	}
	free(old.keys);
	free(old.used);
	free(old.values);
	return 0;
}

void *u64map__upsert(struct u64map *m, uint64_t key)
{
	bool found;
	size_t i;

	if ((m->n + 1) * 4 > m->cap * 3 && grow(m))
		return NULL;
	i = slot_of(m, key, &found);
	if (!found) {
		m->used[i] = true;
		m->keys[i] = key;
		memset(m->values + i * m->value_size, 0, m->value_size);
		m->n++;
	}
	return m->values + i * m->value_size;
}

/*
 * Linear probing's deletion without tombstones: the entries after the hole that would no
 * longer be found from their home slot move back into it, so that lookups stay as short.
 */
int u64map__del(struct u64map *m, uint64_t key)
{
	bool found;
	size_t i, j, home, mask = m->cap - 1;

	if (!m->cap)
		return -1;
	i = slot_of(m, key, &found);
	if (!found)
		return -1;
	for (j = (i + 1) & mask; m->used[j]; j = (j + 1) & mask) {
		home = hash(m->keys[j]) & mask;
		/* j stays when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		m->keys[i] = m->keys[j];
		memcpy(m->values + i * m->value_size, m->values + j * m->value_size, m->value_size);
		i = j;
	}
	m->used[i] = false;
	m->n--;
	return 0;
}

size_t u64map__size(const struct u64map *m)
{
	return m->n;
}

void *u64map__next(const struct u64map *m, size_t *iter, uint64_t *key)
{
	for (; *iter < m->cap; (*iter)++) {
		if (m->used[*iter]) {
			size_t i = (*iter)++;

			*key = m->keys[i];
			return m->values + i * m->value_size;
		}
	}
	return NULL;
}

uint64_t u64map_hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}
