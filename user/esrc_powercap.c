// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* esrc_powercap.c: RAPL through the powercap sysfs tree, and a host's feed in its shape. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "duration.h"
#include "esrc_powercap.h"
#include "powercap.h"
#include "sysfile.h"

struct pc_src {
	struct esrc base;
	struct powercap *pc;
	size_t idx[ESRC_MAX_ZONES]; /* zone i -> powercap zone */
	uint64_t raw[ESRC_MAX_ZONES], acc[ESRC_MAX_ZONES];
	bool have_raw[ESRC_MAX_ZONES];
	/* feed */
	char *seq_path;
	uint64_t stale_ns, seq, seq_ns;
	bool have_seq, stale, resumed[ESRC_MAX_ZONES];
	uint64_t (*now_ns)(void);
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void why_add(char *msg, size_t len, const char *what)
{
	size_t used = strlen(msg);

	if (used < len)
		snprintf(msg + used, len - used, "%s%s", used ? "; " : "", what);
}

/* Zones found but unusable, and why (FIELD-NOTES 2 and 5). */
static void explain_zone(const struct pc_zone *z, const char *root, char *msg, size_t len)
{
	char what[512];

	if (z->dangling)
		snprintf(what, sizeof(what),
			 "%s/%s is a dangling symlink (mount the host's /sys read-only into the "
			 "container)",
			 root, z->dir);
	else if (z->err == -EACCES || z->err == -EPERM)
		snprintf(what, sizeof(what),
			 "%s/%s (%s) present but energy_uj unreadable (EACCES: root-only since "
			 "Linux "
			 "5.10; run as root)",
			 root, z->dir, z->name);
	else
		snprintf(what, sizeof(what), "%s/%s (%s) energy_uj: %s", root, z->dir, z->name,
			 strerror(-z->err));
	why_add(msg, len, what);
}

/* The counter of zone i, wraps undone with the zone's max_energy_range_uj. */
static int pc_read(struct esrc *s, size_t i, uint64_t *uj)
{
	struct pc_src *p = (struct pc_src *)s;
	const struct pc_zone *z = powercap__zone(p->pc, p->idx[i]);
	uint64_t raw, d;
	int err = powercap__read(p->pc, p->idx[i], &raw);

	if (err)
		return err;
	if (!p->have_raw[i]) {
		p->have_raw[i] = true;
		p->raw[i] = raw;
		*uj = p->acc[i];
		return -EAGAIN;
	}
	err = rapl_delta(p->raw[i], raw, z->max_range_uj, &d);
	p->raw[i] = raw;
	if (err) {
		/* Backwards with no known range: a wrap or a reset, either way not energy. */
		*uj = p->acc[i];
		return -EAGAIN;
	}
	p->acc[i] += d;
	*uj = p->acc[i];
	return 0;
}

static void pc_free(struct esrc *s)
{
	struct pc_src *p = (struct pc_src *)s;

	powercap__free(p->pc);
	free(p->seq_path);
	free(p);
}

static const struct esrc_ops powercap_ops = { .name = "powercap",
					      .read = pc_read,
					      .free = pc_free };

/* Zones of a powercap-shaped tree at root; what kind of tree it is goes into msgs. */
static struct pc_src *open_tree(const char *root, const char *kind, char *msg, size_t len)
{
	struct pc_src *p = calloc(1, sizeof(*p));
	size_t n, used;
	int err;

	if (!p) {
		snprintf(msg, len, "%s", strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	msg[0] = '\0';
	p->pc = powercap__open(root);
	if (!p->pc) {
		err = errno;
		if (err == E2BIG)
			snprintf(msg, len, "%s root %s: more than %d zones", kind, root,
				 ESRC_MAX_ZONES);
		else
			snprintf(msg, len, "%s root %s: %s", kind, root, strerror(err));
		goto fail;
	}
	n = powercap__nzones(p->pc);
	for (size_t i = 0; i < n; i++) {
		const struct pc_zone *z = powercap__zone(p->pc, i);

		if (z->err) {
			explain_zone(z, root, msg, len);
			continue;
		}
		snprintf(p->base.zones[p->base.nz].label, ESRC_LABEL_LEN, "%s", z->label);
		p->base.zones[p->base.nz].node = z->node;
		p->idx[p->base.nz++] = i;
	}
	if (!powercap__nnode(p->pc)) {
		char tmp[1024];

		snprintf(tmp, sizeof(tmp), "%s", msg);
		if (!n)
			snprintf(msg, len, "%s root %s: no intel-rapl zone", kind, root);
		else
			snprintf(msg, len, "%s: no readable node zone: %s", kind, tmp);
		err = ENODEV;
		goto fail;
	}
	/* Zones present but unusable are said, even though others measure: never 0 J, never absent.
	 */
	if (msg[0])
		snprintf(p->base.warn, sizeof(p->base.warn), "%s: zones left out: %s", kind, msg);
	msg[0] = '\0';
	snprintf(p->base.desc, sizeof(p->base.desc), "%s %s:", kind, root);
	for (size_t i = 0; i < p->base.nz; i++) {
		used = strlen(p->base.desc);
		snprintf(p->base.desc + used, sizeof(p->base.desc) - used, " %s%s",
			 p->base.zones[i].label, p->base.zones[i].node ? "" : "(in package)");
	}
	p->now_ns = mono_ns;
	return p;
fail:
	powercap__free(p->pc);
	free(p);
	errno = err;
	return NULL;
}

struct esrc *esrc_powercap_open(const char *root, char *msg, size_t len)
{
	struct pc_src *p = open_tree(root ? root : POWERCAP_DEFAULT_ROOT, "powercap", msg, len);

	if (!p)
		return NULL;
	p->base.ops = &powercap_ops;
	return &p->base;
}

/* ---- feed ---------------------------------------------------------------------------- */

static int read_seq(const char *path, uint64_t *seq)
{
	char buf[32], *end;
	int err = sysfile_read(path, buf, sizeof(buf));

	if (err)
		return err;
	errno = 0;
	*seq = strtoull(buf, &end, 10);
	if (errno || end == buf || *end || buf[0] < '0' || buf[0] > '9')
		return -EINVAL;
	return 0;
}

/*
 * Zone 0's read checks the seq for all zones (energy.c reads the zones in order, once a
 * tick). Stale: every zone a gap; moving again: one more gap per zone, a new baseline.
 */
static void feed_check(struct pc_src *p)
{
	uint64_t seq, now = p->now_ns();
	bool moved;

	if (read_seq(p->seq_path, &seq)) {
		/* A seq that cannot be read says nothing new: judged by time, as a stale one. */
		seq = p->seq;
	}
	moved = !p->have_seq || seq != p->seq;
	if (moved) {
		if (p->stale)
			for (size_t i = 0; i < p->base.nz; i++)
				p->resumed[i] = true;
		p->seq = seq;
		p->seq_ns = now;
		p->have_seq = true;
		p->stale = false;
	} else if (now - p->seq_ns > p->stale_ns) {
		p->stale = true;
	}
}

static int feed_read(struct esrc *s, size_t i, uint64_t *uj)
{
	struct pc_src *p = (struct pc_src *)s;
	int err;

	if (i == 0)
		feed_check(p);
	err = pc_read(s, i, uj);
	/*
	 * A file the host left empty (its own gap) or that could not be read: the next reading
	 * that can be used is a new baseline, not a continuation of the one before the gap.
	 */
	if (err && err != -EAGAIN)
		p->have_raw[i] = false;
	if (err == 0 && (p->stale || p->resumed[i])) {
		p->resumed[i] = false;
		return -EAGAIN;
	}
	return err;
}

static const struct esrc_ops feed_ops = { .name = "feed", .read = feed_read, .free = pc_free };

/* The first directory below dir holding a seq: dir is then a host's --feed-dir. */
static bool one_vm_feed(const char *dir, char *vm, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char path[4400];
		uint64_t seq;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/seq", dir, de->d_name);
		if (!read_seq(path, &seq)) {
			snprintf(vm, len, "%s", de->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

/* "DIR" or "DIR,stale=DUR". */
static int parse_feed_spec(const char *spec, char *dir, size_t len, uint64_t *stale_ns)
{
	const char *comma = strchr(spec, ',');
	size_t n = comma ? (size_t)(comma - spec) : strlen(spec);

	*stale_ns = FEED_STALE_DEFAULT_NS;
	if (!n || n >= len)
		return -EINVAL;
	memcpy(dir, spec, n);
	dir[n] = '\0';
	if (!comma)
		return 0;
	if (strncmp(comma + 1, "stale=", 6) || duration_parse(comma + 7, stale_ns) || !*stale_ns)
		return -EINVAL;
	return 0;
}

struct esrc *esrc_feed_open(const char *spec, char *msg, size_t len)
{
	char dir[4096], path[4200];
	struct pc_src *p;
	uint64_t stale, seq;
	int err;

	if (parse_feed_spec(spec ? spec : FEED_DEFAULT_DIR, dir, sizeof(dir), &stale)) {
		snprintf(msg, len, "feed: bad spec '%s' (want DIR or DIR,stale=DUR)",
			 spec ? spec : "");
		errno = EINVAL;
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/seq", dir);
	err = read_seq(path, &seq);
	if (err) {
		char vm[256];

		if (err == -ENOENT && one_vm_feed(dir, vm, sizeof(vm))) {
			/* wattprobe host's --feed-dir: one tree per VM, below it. */
			snprintf(msg, len,
				 "feed %s: no seq here, but VMs' feeds below it (such as %s/%s): "
				 "name one VM's, as its guest does",
				 dir, dir, vm);
		} else {
			snprintf(msg, len, "feed %s: %s: %s (the host writes it at every update)",
				 dir, path, err == -EINVAL ? "not a number" : strerror(-err));
		}
		errno = -err;
		return NULL;
	}
	p = open_tree(dir, "feed", msg, len);
	if (!p)
		return NULL;
	p->base.ops = &feed_ops;
	p->stale_ns = stale;
	p->seq_path = strdup(path);
	if (!p->seq_path) {
		pc_free(&p->base);
		snprintf(msg, len, "%s", strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	{
		size_t used = strlen(p->base.desc);
		char src[256];

		/* What the host measured, as its host says (wattprobe host writes it). */
		snprintf(path, sizeof(path), "%s/source", dir);
		if (sysfile_read(path, src, sizeof(src)) || !src[0])
			snprintf(src, sizeof(src), "%s", "not said");
		snprintf(p->base.desc + used, sizeof(p->base.desc) - used,
			 " (from the host, which used: %s; stale after %.3g s)", src, stale / 1e9);
	}
	return &p->base;
}

void esrc_feed_set_clock(struct esrc *s, uint64_t (*now_ns)(void))
{
	((struct pc_src *)s)->now_ns = now_ns;
}
