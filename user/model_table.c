// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* model_table.c: per-vCPU power coefficients by microarchitecture and cloud instance type. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "model_table.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char model_source[] = "Cloud Carbon Footprint, SPECpower_ssj2008 averages per "
				   "microarchitecture (https://www.cloudcarbonfootprint.org/docs/"
				   "methodology)";

struct microarch {
	const char *name;
	double min_w, max_w;
};

struct family {
	const char *cloud, *prefix, *microarch;
};

static const struct microarch microarchs[] = {
#define MICROARCH(name, min_w, max_w) { name, min_w, max_w },
#include "model_coeffs.def"
};

static const struct family families[] = {
#define FAMILY(cloud, prefix, microarch) { cloud, prefix, microarch },
#include "model_coeffs.def"
};

static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/*
 * "AMD EPYC 2nd Gen", "epyc-2nd-gen" and "EPYC2ndGen" are one name: letters and digits only,
 * lower case, without a leading vendor. false when it does not fit (no name is that long).
 */
static bool arch_key(const char *s, char *key, size_t len)
{
	static const char *const vendors[] = { "amd", "aws", "intel" };
	size_t n = 0;

	for (; *s; s++) {
		if (!isalnum((unsigned char)*s))
			continue;
		if (n + 1 >= len)
			return false;
		key[n++] = (char)tolower((unsigned char)*s);
	}
	key[n] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(vendors); i++) {
		size_t vl = strlen(vendors[i]);

		if (n > vl && strncmp(key, vendors[i], vl) == 0) {
			memmove(key, key + vl, n - vl + 1);
			break;
		}
	}
	return n > 0;
}

static const struct microarch *find_arch(const char *name)
{
	char want[64], have[64];

	if (!arch_key(name, want, sizeof(want)))
		return NULL;
	for (size_t i = 0; i < ARRAY_LEN(microarchs); i++)
		if (arch_key(microarchs[i].name, have, sizeof(have)) && strcmp(want, have) == 0)
			return &microarchs[i];
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* CCF's median (ramda's): the middle value, or the mean of the two middle ones. */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double mean(const double *v, size_t n)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += v[i];
	return sum / n;
}

/*
 * A FAMILY row's "A+B+C": the mean of each coefficient, or the median when Sandy Bridge or Ivy
 * Bridge is in the group, as CCF's getWattsByAverageOrMedian() (those two draw far more than
 * the others and would pull a mean up). *how is "", "mean" or "median".
 */
static int group_coeffs(const char *group, double *min_w, double *max_w, const char **how)
{
	double mins[8], maxs[8];
	bool outlier = false;
	size_t n = 0;

	for (const char *p = group; *p;) {
		size_t l = strcspn(p, "+");
		const struct microarch *a;
		char name[64];

		if (l >= sizeof(name) || n == ARRAY_LEN(mins))
			return -EINVAL;
		memcpy(name, p, l);
		name[l] = '\0';
		a = find_arch(name);
		if (!a)
			return -ENOENT;
		outlier |=
			strcmp(a->name, "Sandy Bridge") == 0 || strcmp(a->name, "Ivy Bridge") == 0;
		mins[n] = a->min_w;
		maxs[n++] = a->max_w;
		p += l + (p[l] == '+');
	}
	if (!n)
		return -ENOENT;
	*how = n == 1 ? "" : outlier ? "median" : "mean";
	*min_w = outlier ? median(mins, n) : mean(mins, n);
	*max_w = outlier ? median(maxs, n) : mean(maxs, n);
	return 0;
}

/*
 * Azure's "D4s_v5" (or "D4s v5", as billing shows it) -> "Ds_v5": the family letters, the
 * feature letters and the version, without the vCPU count. false for what CCF does not map by
 * series: constrained vCPU sizes ("E4-2s_v4"), further parts ("NC4as_T4_v3", "_Promo").
 */
static bool azure_key(const char *size, char *key, size_t len)
{
	const unsigned char *p = (const unsigned char *)size;
	size_t n = 0;

	/* Whatever does not fit stops the copy short of the end: false below. */
	while (isalpha(*p) && n + 1 < len)
		key[n++] = (char)*p++;
	if (!n || !isdigit(*p))
		return false;
	while (isdigit(*p))
		p++;
	while (isalpha(*p) && n + 1 < len)
		key[n++] = (char)*p++;
	if ((*p == '_' || *p == ' ') && tolower(p[1]) == 'v' && isdigit(p[2]) && n + 3 < len) {
		key[n++] = '_';
		key[n++] = 'v';
		for (p += 2; isdigit(*p) && n + 1 < len; p++)
			key[n++] = (char)*p;
	}
	key[n] = '\0';
	return *p == '\0';
}

/* The row for a cloud's type: longest prefix (aws, gcp) or whole key (azure). */
static const struct family *find_family(const char *cloud, const char *type, bool whole)
{
	const struct family *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < ARRAY_LEN(families); i++) {
		const struct family *f = &families[i];
		size_t l = strlen(f->prefix);

		if (strcmp(f->cloud, cloud) != 0 || strncasecmp(type, f->prefix, l) != 0)
			continue;
		if (whole && type[l])
			continue;
		if (l > best_len) {
			best = f;
			best_len = l;
		}
	}
	return best;
}

static int lookup_instance(const char *name, struct model_coeffs *out, char *matched, size_t len)
{
	const struct family *f;
	const char *cloud, *type = name, *how;
	char key[32];
	size_t plen;
	int err;

	if (strncasecmp(name, "Standard_", 9) == 0 || strncasecmp(name, "Basic_", 6) == 0) {
		cloud = "azure";
		type = strchr(name, '_') + 1;
		if (!azure_key(type, key, sizeof(key))) {
			say(matched, len, "azure %s", type);
			return -ENOENT;
		}
		type = key;
	} else if (strchr(name, '.')) {
		cloud = "aws";
	} else if (strchr(name, '-')) {
		cloud = "gcp";
	} else {
		return -ENOENT;
	}
	f = find_family(cloud, type, type == key);
	if (!f) {
		say(matched, len, "%s %s", cloud, type);
		return -ENOENT;
	}
	err = group_coeffs(f->microarch, &out->min_w, &out->max_w, &how);
	if (err)
		return err;
	out->microarch = f->microarch;
	out->source = model_source;
	/* "c5." and "n2-" print as the family, "c5.12xlarge" as it is. */
	plen = strlen(f->prefix);
	if (plen && (f->prefix[plen - 1] == '.' || f->prefix[plen - 1] == '-'))
		plen--;
	say(matched, len, "%s %.*s -> %s%s%s%s", cloud, (int)plen, f->prefix, f->microarch,
	    *how ? " (" : "", how, *how ? ")" : "");
	return 0;
}

int model_lookup(const char *name, struct model_coeffs *out, char *matched, size_t len)
{
	const struct microarch *a;

	say(matched, len, "%s", "");
	if (!name || !out)
		return -EINVAL;
	a = find_arch(name);
	if (!a)
		return lookup_instance(name, out, matched, len);
	out->microarch = a->name;
	out->min_w = a->min_w;
	out->max_w = a->max_w;
	out->source = model_source;
	say(matched, len, "%s", a->name);
	return 0;
}

/* One DMI file's content, trimmed. 0 or -errno, why naming the file. */
static int read_dmi(const char *root, const char *file, char *buf, size_t len, char *why,
		    size_t whylen)
{
	char path[4096];
	size_t n, start = 0;
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "%s/%s", root, file);
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		say(why, whylen, "cannot read %s: %s", path, strerror(-err));
		return err;
	}
	n = fread(buf, 1, len - 1, f);
	if (ferror(f)) {
		err = -EIO;
		say(why, whylen, "cannot read %s: %s", path, strerror(EIO));
	}
	fclose(f);
	buf[n] = '\0';
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	while (isspace((unsigned char)buf[start]))
		start++;
	memmove(buf, buf + start, n - start + 1);
	return err;
}

/* "c5.xlarge", "u-6tb1.metal": a family and a size around one dot. */
static bool aws_type_like(const char *s)
{
	const char *dot = strchr(s, '.');

	if (!dot || dot == s || !dot[1] || strchr(dot + 1, '.'))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-')
			return false;
	return true;
}

int model_detect_instance(const char *dmi_root, char *out, size_t len, char *why, size_t whylen)
{
	const char *root = dmi_root ? dmi_root : MODEL_DMI_ROOT;
	char vendor[256], product[256];
	int err;

	say(why, whylen, "%s", "");
	if (!out || !len)
		return -EINVAL;
	out[0] = '\0';
	err = read_dmi(root, "sys_vendor", vendor, sizeof(vendor), why, whylen);
	if (!err)
		err = read_dmi(root, "product_name", product, sizeof(product), why, whylen);
	if (err)
		return err;
	if (strcmp(vendor, "Amazon EC2") == 0) {
		if (!aws_type_like(product)) {
			say(why, whylen,
			    "DMI says Amazon EC2, but product_name '%s' is no instance type",
			    product);
			return -ENOENT;
		}
		if (strlen(product) >= len) {
			say(why, whylen, "instance type '%s' is longer than %zu bytes", product,
			    len - 1);
			return -ENAMETOOLONG;
		}
		strcpy(out, product);
		say(why, whylen, "%s/product_name (sys_vendor Amazon EC2)", root);
		return 0;
	}
	if (strcmp(product, "Google Compute Engine") == 0 || strcmp(vendor, "Google") == 0)
		say(why, whylen, "Google Compute Engine VM: DMI does not name the machine type");
	else if (strcmp(vendor, "Microsoft Corporation") == 0 &&
		 strcmp(product, "Virtual Machine") == 0)
		say(why, whylen,
		    "Hyper-V virtual machine (Azure or not): DMI does not name the VM size");
	else if (strcmp(vendor, "Xen") == 0)
		say(why, whylen, "Xen guest ('%s'): DMI names no instance type", product);
	else
		say(why, whylen,
		    "not a cloud instance DMI can name: sys_vendor '%s', product_name '%s'", vendor,
		    product);
	return -ENOENT;
}
