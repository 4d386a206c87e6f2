// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_model_table.c: coefficient lookups by instance type and microarchitecture; DMI detection. */
#include <ctype.h>
#include <math.h>
#include "testutil.h"
#include "model_table.h"

/* cmocka 1.1's assert_float_equal works in float; these numbers need double. */
#define EPS 1e-9
#define assert_near(a, b)                                                                          \
	do {                                                                                       \
		double a_ = (a), b_ = (b);                                                         \
		if (fabs(a_ - b_) > EPS)                                                           \
			fail_msg("%s = %.12g, want %.12g", #a, a_, b_);                            \
	} while (0)

/*
 * Expected values are copied by hand from Cloud Carbon Footprint, not from model_coeffs.def:
 *   [AWS-C]  npm @cloud-carbon-footprint/aws 0.15.0,
 *	    src/domain/AwsFootprintEstimationConstants.ts, {MIN,MAX}_WATTS_BY_COMPUTE_PROCESSOR
 *   [AZ-C]   npm @cloud-carbon-footprint/azure 1.8.0,
 *	    src/domain/AzureFootprintEstimationConstants.ts, the same two tables
 *   [AWS-M]  .../aws 0.15.0 src/lib/AWSInstanceTypes.ts, INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING
 *   [GCP-M]  github.com/cloud-carbon-footprint/cloud-carbon-footprint, commit 0656d55594b6,
 *	    packages/gcp/src/lib/MachineTypes.ts, INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING
 *   [AZ-M]   .../azure 1.8.0 src/lib/VirtualMachineTypes.ts,
 *	    INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING
 *   [GROUP]  CCF core src/FootprintEstimate.ts getWattsByAverageOrMedian(): the mean of a
 *	    group, the median when it holds Sandy Bridge or Ivy Bridge
 */

static void expect(const char *name, double min_w, double max_w, const char *arch,
		   const char *matched)
{
	struct model_coeffs c;
	char m[128];

	assert_int_equal(model_lookup(name, &c, m, sizeof(m)), 0);
	assert_near(c.min_w, min_w);
	assert_near(c.max_w, max_w);
	assert_string_equal(c.microarch, arch);
	assert_non_null(strstr(c.source, "cloudcarbonfootprint.org"));
	if (matched)
		assert_string_equal(m, matched);
}

static void expect_none(const char *name, const char *matched)
{
	struct model_coeffs c;
	char m[128];

	assert_int_equal(model_lookup(name, &c, m, sizeof(m)), -ENOENT);
	assert_string_equal(m, matched);
}

static void test_aws(void **state)
{
	(void)state;
	/* [AWS-M] 'm5.large': [COMPUTE_PROCESSOR_TYPES.SKYLAKE]
	 * [AWS-C] [SKYLAKE]: 0.65 (min), [SKYLAKE]: 4.26 (max) */
	expect("m5.large", 0.65, 4.26, "Skylake", "aws m5 -> Skylake");
	/* [AWS-M] 'c5.xlarge': cascadeLakeSkylake = [CASCADE_LAKE, SKYLAKE]
	 * [AWS-C] CASCADE_LAKE 0.64/3.97, SKYLAKE 0.65/4.26; [GROUP] mean:
	 * (0.64 + 0.65) / 2 = 0.645, (3.97 + 4.26) / 2 = 4.115 */
	expect("c5.xlarge", 0.645, 4.115, "Cascade Lake+Skylake",
	       "aws c5 -> Cascade Lake+Skylake (mean)");
	/* [AWS-M] 'c5.12xlarge': [COMPUTE_PROCESSOR_TYPES.CASCADE_LAKE]; [AWS-C] 0.64, 3.97 */
	expect("c5.12xlarge", 0.64, 3.97, "Cascade Lake", "aws c5.12xlarge -> Cascade Lake");
	/* [AWS-M] 'r5.2xlarge': cascadeLakeSkylake; as c5.xlarge */
	expect("r5.2xlarge", 0.645, 4.115, "Cascade Lake+Skylake", NULL);
	/* [AWS-M] 't3.medium': [CASCADE_LAKE]; [AWS-C] 0.64, 3.97 */
	expect("t3.medium", 0.64, 3.97, "Cascade Lake", "aws t3 -> Cascade Lake");
	/* [AWS-M] 'm5a.large': [AMD_EPYC_1ST_GEN]; [AWS-C] [AMD_EPYC_1ST_GEN]: 0.82, 2.55 */
	expect("m5a.large", 0.82, 2.55, "AMD EPYC 1st Gen", NULL);
	/* [AWS-M] 'c5a.large': [AMD_EPYC_2ND_GEN]; [AWS-C] [AMD_EPYC_2ND_GEN]: 0.47, 1.69 */
	expect("c5a.large", 0.47, 1.69, "AMD EPYC 2nd Gen", NULL);
	/* [AWS-M] 'm6a.large', 'c6a.4xlarge': [AMD_EPYC_3RD_GEN]
	 * [AZ-C] [AMD_EPYC_3RD_GEN]: 0.45 (min), 2.02 (max) */
	expect("m6a.large", 0.45, 2.02, "AMD EPYC 3rd Gen", "aws m6a -> AMD EPYC 3rd Gen");
	expect("c6a.4xlarge", 0.45, 2.02, "AMD EPYC 3rd Gen", NULL);
	/* [AWS-M] 'm6g.large', 'c6g.xlarge', 't4g.micro': [AWS_GRAVITON_2]
	 * [AWS-C] [AWS_GRAVITON_2]: 0.47, 1.69 */
	expect("m6g.large", 0.47, 1.69, "AWS Graviton2", "aws m6g -> AWS Graviton2");
	expect("c6g.xlarge", 0.47, 1.69, "AWS Graviton2", NULL);
	expect("t4g.micro", 0.47, 1.69, "AWS Graviton2", NULL);
	/* [AWS-M] 'm4.large': broadwellHaswell = [HASWELL, BROADWELL]
	 * [AWS-C] HASWELL 1/4.74, BROADWELL 0.71/3.69; [GROUP] mean: 0.855, 4.215 */
	expect("m4.large", 0.855, 4.215, "Haswell+Broadwell", NULL);
	/* [AWS-M] 'c4.large': [HASWELL]; [AWS-C] [HASWELL]: 1, 4.74 */
	expect("c4.large", 1.0, 4.74, "Haswell", NULL);
	/* [AWS-M] 'u-6tb1.metal': [UNKNOWN]; 'm6i.large': [UNKNOWN]; 'c6i.large': [ICELAKE], for
	 * which [AWS-C] has no row. Not in the table. */
	expect_none("m6i.large", "aws m6i.large");
	expect_none("c6i.large", "aws c6i.large");
	expect_none("u-6tb1.metal", "aws u-6tb1.metal");
	/* Not mapped by CCF at all. */
	expect_none("m7i.large", "aws m7i.large");
	expect_none("c7g.large", "aws c7g.large");
	/* A prefix is a family, not the start of another: c5 is no c5a, c5.12xlarge no c5.1. */
	expect("c5ad.large", 0.47, 1.69, "AMD EPYC 2nd Gen", "aws c5ad -> AMD EPYC 2nd Gen");
	expect("c5.2xlarge", 0.645, 4.115, "Cascade Lake+Skylake", NULL);
}

static void test_gcp(void **state)
{
	(void)state;
	/* [GCP-M] n2: [CASCADE_LAKE]; [AWS-C]/[AZ-C] [CASCADE_LAKE]: 0.64, 3.97 */
	expect("n2-standard-4", 0.64, 3.97, "Cascade Lake", "gcp n2 -> Cascade Lake");
	/* [GCP-M] n2d: [AMD_EPYC_2ND_GEN]; 0.47, 1.69 */
	expect("n2d-standard-8", 0.47, 1.69, "AMD EPYC 2nd Gen", "gcp n2d -> AMD EPYC 2nd Gen");
	/* [GCP-M] t2d: [AMD_EPYC_3RD_GEN], c2d the same; [AZ-C] 0.45, 2.02 */
	expect("t2d-standard-4", 0.45, 2.02, "AMD EPYC 3rd Gen", NULL);
	expect("c2d-standard-8", 0.45, 2.02, "AMD EPYC 3rd Gen", NULL);
	/* [GCP-M] c2: [CASCADE_LAKE] */
	expect("c2-standard-8", 0.64, 3.97, "Cascade Lake", NULL);
	/* [GCP-M] e2: skyLakeBroadwellHaswellAMDRome = [SKYLAKE, BROADWELL, HASWELL,
	 * AMD_EPYC_2ND_GEN]; mins 0.65 0.71 1 0.47, maxs 4.26 3.69 4.74 1.69; [GROUP] mean:
	 * 2.83 / 4 = 0.7075, 14.38 / 4 = 3.595 */
	expect("e2-standard-4", 0.7075, 3.595, "Skylake+Broadwell+Haswell+AMD EPYC 2nd Gen",
	       "gcp e2-standard -> Skylake+Broadwell+Haswell+AMD EPYC 2nd Gen (mean)");
	expect("e2-highmem-2", 0.7075, 3.595, "Skylake+Broadwell+Haswell+AMD EPYC 2nd Gen", NULL);
	/* [GCP-M] n1: skyLakeBroadwellHaswellSandyBridgeIvyBridge; mins 0.65 0.71 1 2.17 3.04,
	 * maxs 4.26 3.69 4.74 8.58 8.25; [GROUP] median (Sandy/Ivy Bridge in it): 1, 4.74 */
	expect("n1-standard-4", 1.0, 4.74, "Skylake+Broadwell+Haswell+Sandy Bridge+Ivy Bridge",
	       "gcp n1 -> Skylake+Broadwell+Haswell+Sandy Bridge+Ivy Bridge (median)");
	/* [GCP-M] [SHARED_CORE_PROCESSORS.E2_MICRO]: [UNKNOWN], F1_MICRO the same */
	expect_none("e2-micro", "gcp e2-micro");
	expect_none("f1-micro", "gcp f1-micro");
	/* Not mapped by CCF. */
	expect_none("n4-standard-4", "gcp n4-standard-4");
}

static void test_azure(void **state)
{
	(void)state;
	/* [AZ-M] 'D4 v4': [CASCADE_LAKE]; [AZ-C] 0.64, 3.97 */
	expect("Standard_D4_v4", 0.64, 3.97, "Cascade Lake", "azure D_v4 -> Cascade Lake");
	/* [AZ-M] 'D4s v4': cascadeLakeSkylakeBroadwellHaswell; [AZ-C] mins 0.64 0.65 0.71 1,
	 * maxs 3.97 4.26 3.69 4.74; [GROUP] mean: 3 / 4 = 0.75, 16.66 / 4 = 4.165 */
	expect("Standard_D4s_v4", 0.75, 4.165, "Cascade Lake+Skylake+Broadwell+Haswell",
	       "azure Ds_v4 -> Cascade Lake+Skylake+Broadwell+Haswell (mean)");
	/* [AZ-M] 'D2s v3': cascadeLakeSkylakeBroadwellHaswell, as above */
	expect("Standard_D2s_v3", 0.75, 4.165, "Cascade Lake+Skylake+Broadwell+Haswell", NULL);
	/* [AZ-M] 'Ds1 v2': cascadeLakeSkylakeBroadwellHaswell; Azure writes it DS1_v2 */
	expect("Standard_DS1_v2", 0.75, 4.165, "Cascade Lake+Skylake+Broadwell+Haswell", NULL);
	/* [AZ-M] 'D4as v5': [AMD_EPYC_3RD_GEN]; [AZ-C] 0.45, 2.02 */
	expect("Standard_D4as_v5", 0.45, 2.02, "AMD EPYC 3rd Gen",
	       "azure Das_v5 -> AMD EPYC 3rd Gen");
	/* [AZ-M] 'E8s v3': cascadeLakeSkylakeBroadwell; [AZ-C] mins 0.64 0.65 0.71, maxs 3.97
	 * 4.26 3.69; [GROUP] mean: 2 / 3, 11.92 / 3 */
	expect("Standard_E8s_v3", 2.0 / 3, 11.92 / 3, "Cascade Lake+Skylake+Broadwell", NULL);
	/* [AZ-M] 'E2as v4': [AMD_EPYC_2ND_GEN]; 0.47, 1.69 */
	expect("Standard_E2as_v4", 0.47, 1.69, "AMD EPYC 2nd Gen", NULL);
	/* [AZ-M] 'F8s v2': cascadeLakeSkylake; mean 0.645, 4.115 */
	expect("Standard_F8s_v2", 0.645, 4.115, "Cascade Lake+Skylake", NULL);
	/* [AZ-M] F8: cascadeLakeSkylakeBroadwellHaswell (the F without a version) */
	expect("Standard_F8", 0.75, 4.165, "Cascade Lake+Skylake+Broadwell+Haswell",
	       "azure F -> "
	       "Cascade Lake+Skylake+Broadwell+Haswell (mean)");
	/* [AZ-M] 'D4s v5': [ICELAKE], for which [AZ-C] has no row. */
	expect_none("Standard_D4s_v5", "azure Ds_v5");
	/* [AZ-M] 'E4-2s v4': [UNKNOWN]: constrained vCPU sizes are not mapped by series. */
	expect_none("Standard_E4-2s_v4", "azure E4-2s_v4");
	/* [AZ-M] B2ms: [UNKNOWN] */
	expect_none("Standard_B2ms", "azure Bms");
	/* Billing's spelling, with a space. */
	expect("Standard_D4 v4", 0.64, 3.97, "Cascade Lake", NULL);
}

static void test_microarch(void **state)
{
	(void)state;
	/* [AWS-C] [SKYLAKE]: 0.65, 4.26 */
	expect("skylake", 0.65, 4.26, "Skylake", "Skylake");
	expect("SKYLAKE", 0.65, 4.26, "Skylake", NULL);
	/* [AWS-C] [CASCADE_LAKE]: 0.64, 3.97 */
	expect("cascade-lake", 0.64, 3.97, "Cascade Lake", NULL);
	expect("CascadeLake", 0.64, 3.97, "Cascade Lake", NULL);
	/* [AZ-C] [AMD_EPYC_3RD_GEN]: 0.45, 2.02; the vendor is optional */
	expect("epyc 3rd gen", 0.45, 2.02, "AMD EPYC 3rd Gen", NULL);
	expect("AMD EPYC 3rd Gen", 0.45, 2.02, "AMD EPYC 3rd Gen", NULL);
	/* [AWS-C] [AWS_GRAVITON_2]: 0.47, 1.69 */
	expect("graviton2", 0.47, 1.69, "AWS Graviton2", NULL);
	/* [AWS-C] [HASWELL]: 1, 4.74; [BROADWELL]: 0.71, 3.69 */
	expect("Haswell", 1.0, 4.74, "Haswell", NULL);
	expect("broadwell", 0.71, 3.69, "Broadwell", NULL);
	/* CCF core: ICELAKE "We do not have values for this chip type". */
	expect_none("ice lake", "");
	expect_none("sapphire rapids", "");
	expect_none("", "");
}

static void test_case_and_args(void **state)
{
	struct model_coeffs c;
	char m[8];

	(void)state;
	/* As c5.xlarge and n2-standard-4 above: names compare case-insensitively. */
	expect("C5.XLARGE", 0.645, 4.115, "Cascade Lake+Skylake", NULL);
	expect("N2-Standard-4", 0.64, 3.97, "Cascade Lake", NULL);
	expect("standard_d4_V4", 0.64, 3.97, "Cascade Lake", NULL);
	/* [AWS-M] 'Hpc6a.48xlarge': [AMD_EPYC_3RD_GEN]; AWS's own spelling is lower case */
	expect("hpc6a.48xlarge", 0.45, 2.02, "AMD EPYC 3rd Gen", NULL);
	expect_none("not-an-instance.type.at.all", "aws not-an-instance.type.at.all");
	expect_none("nonsense", "");
	assert_int_equal(model_lookup(NULL, &c, NULL, 0), -EINVAL);
	assert_int_equal(model_lookup("m5.large", NULL, NULL, 0), -EINVAL);
	/* matched may be NULL or short: truncated, still terminated. */
	assert_int_equal(model_lookup("m5.large", &c, NULL, 0), 0);
	assert_int_equal(model_lookup("m5.large", &c, m, sizeof(m)), 0);
	assert_string_equal(m, "aws m5 ");
}

/* Every row: positive, min below max, and found again by its own name or a type of it. */
static void check_arch(const char *name, double min_w, double max_w)
{
	struct model_coeffs c;

	assert_true(min_w > 0);
	assert_true(max_w > 0);
	assert_true(min_w < max_w);
	assert_int_equal(model_lookup(name, &c, NULL, 0), 0);
	assert_string_equal(c.microarch, name);
}

/* A type of the family as the cloud writes it: "c5." -> c5.xlarge, "Ds_v4" -> D2s_v4. */
static void family_example(const char *cloud, const char *prefix, char *buf, size_t len)
{
	size_t l = strlen(prefix), up = 0;

	if (strcmp(cloud, "aws") == 0)
		snprintf(buf, len, "%s%s", prefix, prefix[l - 1] == '.' ? "xlarge" : "");
	else if (strcmp(cloud, "gcp") == 0)
		snprintf(buf, len, "%s4", prefix);
	else {
		while (isupper((unsigned char)prefix[up]))
			up++;
		snprintf(buf, len, "Standard_%.*s2%s", (int)up, prefix, prefix + up);
	}
}

static void check_family(const char *cloud, const char *prefix, const char *microarch)
{
	struct model_coeffs c;
	char type[64], part[64];
	size_t l = strlen(prefix);

	assert_true(strcmp(cloud, "aws") == 0 || strcmp(cloud, "gcp") == 0 ||
		    strcmp(cloud, "azure") == 0);
	assert_true(l > 0);
	if (strcmp(cloud, "gcp") == 0)
		assert_int_equal(prefix[l - 1], '-');
	if (strcmp(cloud, "aws") == 0)
		assert_non_null(strchr(prefix, '.'));
	/* Each member of a group is a MICROARCH row. */
	for (const char *p = microarch; *p;) {
		size_t n = strcspn(p, "+");

		assert_true(n > 0 && n < sizeof(part));
		snprintf(part, sizeof(part), "%.*s", (int)n, p);
		assert_int_equal(model_lookup(part, &c, NULL, 0), 0);
		p += n + (p[n] == '+');
	}
	/* Reached through a real-looking type: no row shadows another, no key unparsable. */
	family_example(cloud, prefix, type, sizeof(type));
	assert_int_equal(model_lookup(type, &c, NULL, 0), 0);
	assert_string_equal(c.microarch, microarch);
	assert_true(c.min_w > 0 && c.min_w < c.max_w);
}

static void test_every_row(void **state)
{
	int narch = 0, nfamily = 0;

	(void)state;
#define MICROARCH(name, min_w, max_w) (check_arch(name, min_w, max_w), narch++);
#include "model_coeffs.def"
#define FAMILY(cloud, prefix, microarch) (check_family(cloud, prefix, microarch), nfamily++);
#include "model_coeffs.def"
	assert_true(narch >= 10);
	assert_true(nfamily >= 50);
}

static char *dmi(const char *vendor, const char *product)
{
	char *d = tmp_tree();

	put_file(d, "sys_vendor", vendor, 0444);
	put_file(d, "product_name", product, 0444);
	return d;
}

static void test_dmi_aws(void **state)
{
	char *d = dmi("Amazon EC2\n", "c5.xlarge\n");
	char out[32], why[256];
	struct model_coeffs c;

	(void)state;
	assert_int_equal(model_detect_instance(d, out, sizeof(out), why, sizeof(why)), 0);
	assert_string_equal(out, "c5.xlarge");
	assert_non_null(strstr(why, "product_name"));
	/* What the model then uses: as c5.xlarge in test_aws. */
	assert_int_equal(model_lookup(out, &c, NULL, 0), 0);
	assert_near(c.min_w, 0.645);
	/* Too small a buffer is said, not cut. */
	assert_int_equal(model_detect_instance(d, out, 4, why, sizeof(why)), -ENAMETOOLONG);
	assert_string_equal(out, "");
	/* why may be NULL. */
	assert_int_equal(model_detect_instance(d, out, sizeof(out), NULL, 0), 0);
	rm_tree(d);

	/* Bare metal in EC2 says so too. */
	d = dmi("Amazon EC2\n", "  m5.metal  \n");
	assert_int_equal(model_detect_instance(d, out, sizeof(out), why, sizeof(why)), 0);
	assert_string_equal(out, "m5.metal");
	rm_tree(d);

	d = dmi("Amazon EC2\n", "Not Specified\n");
	assert_int_equal(model_detect_instance(d, out, sizeof(out), why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "Not Specified"));
	rm_tree(d);
}

static void test_dmi_others(void **state)
{
	char out[32], why[256];
	char *d;

	(void)state;
	d = dmi("Google\n", "Google Compute Engine\n");
	assert_int_equal(model_detect_instance(d, out, sizeof(out), why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "Google Compute Engine"));
	assert_non_null(strstr(why, "machine type"));
	assert_string_equal(out, "");
	rm_tree(d);

	d = dmi("Microsoft Corporation\n", "Virtual Machine\n");
	assert_int_equal(model_detect_instance(d, out, sizeof(out), why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "Azure"));
	assert_non_null(strstr(why, "VM size"));
	rm_tree(d);

	d = dmi("Xen\n", "HVM domU\n");
	assert_int_equal(model_detect_instance(d, out, sizeof(out), why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "HVM domU"));
	rm_tree(d);

	d = dmi("Dell Inc.\n", "PowerEdge R640\n");
	assert_int_equal(model_detect_instance(d, out, sizeof(out), why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "Dell Inc."));
	assert_non_null(strstr(why, "PowerEdge R640"));
	rm_tree(d);
}

static void test_dmi_missing(void **state)
{
	char out[32], why[256], path[512];
	char *d = tmp_tree();

	(void)state;
	/* No DMI at all (some ARM boards, containers with /sys masked). */
	assert_int_equal(model_detect_instance(d, out, sizeof(out), why, sizeof(why)), -ENOENT);
	snprintf(path, sizeof(path), "%s/sys_vendor", d);
	assert_non_null(strstr(why, path));
	/* sys_vendor alone. */
	put_file(d, "sys_vendor", "Amazon EC2\n", 0444);
	assert_int_equal(model_detect_instance(d, out, sizeof(out), why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "product_name"));
	rm_tree(d);
	assert_int_equal(model_detect_instance("/nonexistent", NULL, 0, why, sizeof(why)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws),	      cmocka_unit_test(test_gcp),
		cmocka_unit_test(test_azure),	      cmocka_unit_test(test_microarch),
		cmocka_unit_test(test_case_and_args), cmocka_unit_test(test_every_row),
		cmocka_unit_test(test_dmi_aws),	      cmocka_unit_test(test_dmi_others),
		cmocka_unit_test(test_dmi_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
