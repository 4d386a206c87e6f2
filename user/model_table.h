/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* model_table.h: per-vCPU power coefficients by microarchitecture and cloud instance type. */
#ifndef WP_MODEL_TABLE_H
#define WP_MODEL_TABLE_H

#include <stddef.h>

#define MODEL_DMI_ROOT "/sys/class/dmi/id"

/* The model draws vCPUs * (min_w + (max_w - min_w) * utilization). */
struct model_coeffs {
	const char *microarch; /* "Skylake", or a group: "Cascade Lake+Skylake" */
	double min_w, max_w;   /* per vCPU, at 0 % and 100 % utilization */
	const char *source;    /* where the numbers come from, with its address */
};

/*
 * The coefficients for an instance type ("c5.xlarge", "n2-standard-4", "Standard_D4s_v5") or
 * a microarchitecture name ("skylake", "epyc 3rd gen": case, spaces and punctuation ignored,
 * the vendor optional). Table and rules: model_coeffs.def. 0 or -ENOENT (-EINVAL: NULL name or
 * out). matched (may be NULL) gets what was found: "aws c5 -> Cascade Lake+Skylake (mean)",
 * "Skylake"; on -ENOENT, what was looked for when the name was recognised as a cloud's
 * ("azure Ds_v5", "aws m6i.large"), else "".
 */
int model_lookup(const char *name, struct model_coeffs *out, char *matched, size_t len);

/*
 * The instance type from DMI: sys_vendor and product_name under dmi_root (NULL:
 * MODEL_DMI_ROOT). AWS puts the type in product_name ("c5.xlarge", sys_vendor "Amazon EC2");
 * GCP ("Google Compute Engine") and Azure ("Virtual Machine", as any Hyper-V guest) do not.
 * 0 with the type in out, or -ENOENT (not a cloud that names it, or a file missing), another
 * -errno (unreadable), -ENAMETOOLONG (out too small); why (may be NULL) says which, or on
 * success where the type was read.
 */
int model_detect_instance(const char *dmi_root, char *out, size_t len, char *why, size_t whylen);

#endif
