// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* kepler_cmp.c: --kepler URL: Kepler scraped on a thread, joined on the sampling thread. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "esrc_kepler.h"
#include "expo.h"
#include "kepler_cmp.h"
#include "kepler_scrape.h"

struct kepler_cmp {
	const char *url;
	struct kepler_scrape *ks;
	struct kcmp *c;
	const struct record_env *env;
	pthread_mutex_t lock; /* guards pending, err: the scraper's hand-over */
	struct kwork *pending;
	int err;
	char msg[256], said[256], zones[64];
	unsigned int resets_said, jumps_said;
	bool curl_up;
};

struct kepler_cmp *kepler_cmp__new(const char *url)
{
	struct kepler_cmp *kc = calloc(1, sizeof(*kc));

	if (!kc)
		return NULL;
	kc->url = url;
	kc->c = kcmp__new();
	if (!kc->c) {
		free(kc);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&kc->lock, NULL);
	return kc;
}

static void work_free(struct kwork *w)
{
	if (w)
		kwork_free(w);
	free(w);
}

void kepler_cmp__free(struct kepler_cmp *kc)
{
	if (!kc)
		return;
	kepler_scrape__free(kc->ks);
	work_free(kc->pending);
	kcmp__free(kc->c);
	pthread_mutex_destroy(&kc->lock);
	free(kc);
}

static struct kwork *parse(const char *body, size_t len, char *msg, size_t mlen, int *err)
{
	struct kwork *w = calloc(1, sizeof(*w));

	if (!w) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = kwork_parse(body, len, w, msg, mlen);
	if (*err) {
		work_free(w);
		return NULL;
	}
	return w;
}

/* On the scraper thread: parse, and leave the newest for the sampling thread. */
static void on_scrape(void *ctx, const char *body, size_t len, int err, const char *why)
{
	struct kepler_cmp *kc = ctx;
	struct kwork *w = NULL;
	char msg[256] = "";

	if (!err) {
		w = parse(body, len, msg, sizeof(msg), &err);
		if (!w) {
			/* Parse errors name a line; say the URL too. */
			char tmp[256];

			snprintf(tmp, sizeof(tmp), "%s", msg);
			snprintf(msg, sizeof(msg), "kepler %s: %s", kc->url, tmp);
		}
	} else {
		snprintf(msg, sizeof(msg), "%s", why);
	}
	pthread_mutex_lock(&kc->lock);
	if (w) {
		work_free(kc->pending);
		kc->pending = w;
	}
	kc->err = err;
	snprintf(kc->msg, sizeof(kc->msg), "%s", msg);
	pthread_mutex_unlock(&kc->lock);
}

static int cmp_start(void *ctx, struct sampler *sp)
{
	struct kepler_cmp *kc = ctx;
	struct kwork *w;
	char msg[512];
	char *body = NULL;
	size_t len;
	int err;

	kc->env = sp->env;
	kc->ks = kepler_scrape__open(kc->url);
	if (!kc->ks) {
		wp_err("kepler %s: %s", kc->url, strerror(errno));
		return -errno;
	}
	err = kepler_scrape__fetch(kc->ks, KEPLER_OPEN_TIMEOUT_MS, &body, &len, msg, sizeof(msg));
	if (err) {
		wp_err("%s", msg); /* it names the URL */
		return err;
	}
	w = parse(body, len, msg, sizeof(msg), &err);
	free(body);
	if (!w) {
		wp_err("kepler %s: %s", kc->url, msg);
		return err;
	}
	snprintf(kc->zones, sizeof(kc->zones), "%s", w->zones);
	kc->pending = w;
	err = kepler_scrape__start(kc->ks, on_scrape, kc);
	if (err)
		wp_err("kepler %s: starting the scraper: %s", kc->url, strerror(-err));
	return err;
}

/* Kepler's counters that went back, or leapt: said when their number grows. */
static void say_counter_news(struct kepler_cmp *kc)
{
	unsigned int resets, jumps;

	kcmp__anomalies(kc->c, &resets, &jumps);
	if (resets > kc->resets_said)
		wp_err("kepler %s: %u counter(s) went back (a Kepler restart?): counting on from "
		       "their new values",
		       kc->url, resets);
	if (jumps > kc->jumps_said)
		wp_err("kepler %s: %u counter(s) leapt by more than %u W over a scrape: the leap "
		       "left out",
		       kc->url, jumps, (unsigned int)(KCMP_MAX_UW / 1000000));
	kc->resets_said = resets;
	kc->jumps_said = jumps;
}

static int cmp_tick(void *ctx, struct sampler *sp, const struct sampler_tick *t)
{
	struct kepler_cmp *kc = ctx;
	struct kwork *w = NULL;
	char msg[256] = "";
	bool took = false;
	int err;

	(void)sp;
	err = kcmp__add(kc->c, t);
	if (!err && pthread_mutex_trylock(&kc->lock) == 0) {
		w = kc->pending;
		kc->pending = NULL;
		snprintf(msg, sizeof(msg), "%s", kc->err ? kc->msg : "");
		took = true;
		pthread_mutex_unlock(&kc->lock);
	}
	if (w) {
		snprintf(kc->zones, sizeof(kc->zones), "%s", w->zones);
		err = err ?: kcmp__join(kc->c, w);
		work_free(w);
	}
	/* Each new trouble is said once, until Kepler recovers; the pairs wait for it. */
	if (took && msg[0] && strcmp(msg, kc->said)) {
		wp_err("%s; comparing with its last good scrape", msg);
		snprintf(kc->said, sizeof(kc->said), "%s", msg);
	} else if (took && !msg[0] && w) {
		kc->said[0] = '\0';
	}
	say_counter_news(kc);
	if (err)
		wp_err("%s", strerror(-err));
	return err;
}

static void cmp_stop(void *ctx)
{
	struct kepler_cmp *kc = ctx;

	kepler_scrape__free(kc->ks);
	kc->ks = NULL;
}

static void cmp_report(void *ctx, FILE *f)
{
	struct kepler_cmp *kc = ctx;
	const struct kcmp_pair *const *v;
	unsigned int scrapes;
	uint64_t ns;
	size_t n = kcmp__pairs(kc->c, &v);

	kcmp__window(kc->c, &scrapes, &ns);
	fprintf(f,
		"kepler: %u scrapes of %s over %.1f s, %zu pods joined; Kepler's %s against "
		"wattprobe's node zones\n",
		scrapes, kc->url, ns / 1e9, n, kc->zones);
	if (kc->env->by == SUM_BY_POD)
		kcmp__print(kc->c, f, kc->env->top);
	else if (n)
		fprintf(f, "kepler: --by pod shows the pods side by side\n");
}

struct rec_hook kepler_cmp__hook(struct kepler_cmp *kc)
{
	return (struct rec_hook){ .start = cmp_start,
				  .tick = cmp_tick,
				  .stop = cmp_stop,
				  .report = cmp_report,
				  .ctx = kc };
}

int kepler_cmp__render(const struct kepler_cmp *kc, struct strbuf *sb)
{
	const struct kcmp_pair *const *v;
	size_t n = kcmp__pairs(kc->c, &v);

	expo_family(sb, "wattprobe_kepler_pod_joules_total", "counter",
		    "Each pod's energy by Kepler and by wattprobe (meter), in joules, both since "
		    "the first Kepler scrape that had the pod and up to the newest one");
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < 2; k++) {
			struct strbuf l = {};
			bool first = true;

			expo_label(&l, &first, "namespace", v[i]->ns);
			expo_label(&l, &first, "pod", v[i]->pod);
			expo_label(&l, &first, "pod_uid", v[i]->uid);
			expo_label(&l, &first, "group", v[i]->group);
			expo_label(&l, &first, "meter", k ? "kepler" : "wattprobe");
			expo_sample_begin(sb, "wattprobe_kepler_pod_joules_total", l.buf, NULL);
			expo_value_micro(sb, k ? v[i]->kepler_uj : v[i]->ours_uj);
			strbuf_free(&l);
		}
	}
	return sb->err;
}
