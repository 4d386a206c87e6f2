// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* vm_path.c: a cgroup path's libvirt domain and thread kind, from the names libvirt gives. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit_name.h"
#include "vm_path.h"

/* libvirt's drivers that name machines: systemd-nspawn's own machine-NAME.scope is none. */
static bool is_driver(const char *d, size_t n)
{
	static const char *const drivers[] = { "qemu", "lxc", "libxl", "ch", "bhyve", "vz" };

	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (strlen(drivers[i]) == n && !strncmp(drivers[i], d, n))
			return true;
	return false;
}

/* "qemu-2-vm1" (or "qemu-vm1", before ids were in names) into driver, id and name. */
static int split_machine(const char *m, struct vm_ident *out)
{
	const char *dash = strchr(m, '-'), *p;
	char *end;
	long id;

	if (!dash || !is_driver(m, (size_t)(dash - m)) || !dash[1])
		return -EINVAL;
	snprintf(out->driver, sizeof(out->driver), "%.*s", (int)(dash - m), m);
	p = dash + 1;
	id = strtol(p, &end, 10);
	if (end != p && *end == '-' && end[1] && id >= 0 && id < 1000000000 && p[0] != '-' &&
	    p[0] != '+' && (p[0] != '0' || end == p + 1)) {
		out->id = (int)id;
		p = end + 1;
	} else {
		out->id = -1;
	}
	snprintf(out->name, sizeof(out->name), "%s", p);
	return 0;
}

/* One path component naming a domain: systemd's scope or cgroupfs' directory. 1 if it is. */
static int domain_of(const char *c, size_t n, struct vm_ident *out)
{
	static const char scope_pre[] = "machine-", scope_suf[] = ".scope";
	static const char fs_suf[] = ".libvirt-";
	char raw[VM_NAME_MAX + 32];
	const char *suf;
	int err;

	if (n > strlen(scope_pre) + strlen(scope_suf) && !strncmp(c, scope_pre, 8) &&
	    !strncmp(c + n - 6, scope_suf, 6)) {
		err = unit_unescape(c + 8, n - 14, raw, sizeof(raw), true);
		return err ?: split_machine(raw, out) ? 0 : 1;
	}
	/* cgroupfs: NAME.libvirt-DRIVER, where NAME is qemu-N-name (or the bare name). */
	suf = memmem(c, n, fs_suf, strlen(fs_suf));
	if (!suf || suf == c || (size_t)(c + n - (suf + 9)) == 0)
		return 0;
	snprintf(raw, sizeof(raw), "%.*s", (int)(suf - c), c);
	if (split_machine(raw, out) || strncmp(out->driver, suf + 9, c + n - (suf + 9))) {
		/* The old form: the bare name, the driver after .libvirt-. */
		snprintf(out->driver, sizeof(out->driver), "%.*s", (int)(c + n - (suf + 9)),
			 suf + 9);
		snprintf(out->name, sizeof(out->name), "%.*s", (int)(suf - c), c);
		out->id = -1;
	}
	return 1;
}

/* What a component below the domain's cgroup is: vcpuN, emulator, iothreadN. */
static void part_of(const char *c, size_t n, struct vm_ident *out)
{
	static const struct {
		const char *pre;
		enum vm_part part;
		bool indexed;
	} kinds[] = { { "vcpu", VM_VCPU, true },
		      { "iothread", VM_IOTHREAD, true },
		      { "emulator", VM_EMULATOR, false } };

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t pl = strlen(kinds[k].pre);
		char *end;
		long v;

		if (n < pl || strncmp(c, kinds[k].pre, pl))
			continue;
		if (!kinds[k].indexed && n == pl) {
			out->part = kinds[k].part;
			return;
		}
		if (!kinds[k].indexed || n == pl || c[pl] < '0' || c[pl] > '9')
			continue;
		v = strtol(c + pl, &end, 10);
		if ((size_t)(end - c) == n && v < 100000) {
			out->part = kinds[k].part;
			out->index = (int)v;
			return;
		}
	}
}

int vm_parse_path(const char *text, struct vm_ident *out)
{
	const char *p = text, *colon;
	bool below = false;

	memset(out, 0, sizeof(*out));
	out->id = out->index = -1;
	if (!text || !*text)
		return -EINVAL;
	/* A /proc/PID/cgroup line: the path after the second colon. */
	if (*p != '/' && (colon = strchr(p, ':')) && (colon = strchr(colon + 1, ':')))
		p = colon + 1;
	if (*p != '/')
		return -EINVAL;
	while (*p) {
		size_t n;
		struct vm_ident d = { .id = -1, .index = -1 };
		int is;

		while (*p == '/')
			p++;
		n = strcspn(p, "/\n");
		if (!n)
			break;
		is = domain_of(p, n, &d);
		if (is < 0)
			return is;
		if (is) {
			*out = d;
			out->part = VM_DOMAIN;
			below = true;
		} else if (below && !(n == 7 && !strncmp(p, "libvirt", 7))) {
			/* The first component below the domain (past libvirt/) says what it is. */
			part_of(p, n, out);
			below = false;
		}
		p += n;
		if (*p == '\n')
			break;
	}
	return 0;
}

const char *vm_part_name(enum vm_part part)
{
	static const char *const names[] = { "none", "domain", "vcpu", "emulator", "iothread" };

	return part <= VM_IOTHREAD ? names[part] : "?";
}
