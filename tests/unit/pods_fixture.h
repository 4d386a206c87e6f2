/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* pods_fixture.h: the minikube + Flux pod list fixture (tests/fixtures/pods), loaded or failed. */
#ifndef WP_PODS_FIXTURE_H
#define WP_PODS_FIXTURE_H

#include "testutil.h"
#include "pods.h"

static inline struct pods *fixture_pods(void)
{
	char path[512], err[256];
	struct pods *p = pods_load(fixture("pods/minikube-flux.json", path, sizeof(path)), NULL,
				   err, sizeof(err));

	if (!p)
		fail_msg("%s", err);
	return p;
}

#endif
