// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* stats.c: means, standard deviations, Student's t and Welch's interval. */
#include <errno.h>
#include <math.h>
#include "stats.h"

void stats_of(const double *x, size_t n, struct sample_stats *out)
{
	double mean = 0, m2 = 0;

	/* Welford: stable for the large, close values energy per hour gives. */
	for (size_t i = 0; i < n; i++) {
		double d = x[i] - mean;

		mean += d / (double)(i + 1);
		m2 += d * (x[i] - mean);
	}
	out->n = n;
	out->mean = n ? mean : NAN;
	out->sd = n > 1 ? sqrt(m2 / (double)(n - 1)) : 0;
}

/* The continued fraction of the regularized incomplete beta function (modified Lentz). */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	d = fabs(d) < tiny ? tiny : d;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= 300; m++) {
		double m2 = 2.0 * m, num, del;

		num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		d = 1 + num * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + num / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		h *= d * c;
		num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + num * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + num / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

/* I_x(a, b), the regularized incomplete beta function. */
static double beta_inc(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	/* The fraction converges fast on this side of the mean; use the symmetry otherwise. */
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double student_t_cdf(double t, double df)
{
	double tail = 0.5 * beta_inc(df / 2, 0.5, df / (df + t * t));

	return t >= 0 ? 1 - tail : tail;
}

double student_t_quantile(double p, double df)
{
	double lo = -1e6, hi = 1e6;

	/* Bisection: the cdf is monotonic, and 200 halvings reach double precision. */
	for (int i = 0; i < 200 && hi - lo > 1e-12 * (1 + fabs(lo)); i++) {
		double mid = (lo + hi) / 2;

		if (student_t_cdf(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

double stats_ci_half(const struct sample_stats *s, double level)
{
	if (s->n < 2)
		return 0;
	return student_t_quantile(0.5 + level / 2, (double)(s->n - 1)) * s->sd / sqrt((double)s->n);
}

int welch(const struct sample_stats *a, const struct sample_stats *b, double level,
	  struct welch *out)
{
	double va, vb, se, t;

	if (a->n < 2 || b->n < 2)
		return -EINVAL;
	va = a->sd * a->sd / (double)a->n;
	vb = b->sd * b->sd / (double)b->n;
	se = sqrt(va + vb);
	out->diff = b->mean - a->mean;
	out->df = se > 0 ? (va + vb) * (va + vb) /
				   (va * va / (double)(a->n - 1) + vb * vb / (double)(b->n - 1))
			 : NAN;
	t = se > 0 ? student_t_quantile(0.5 + level / 2, out->df) : 0;
	out->diff_lo = out->diff - t * se;
	out->diff_hi = out->diff + t * se;
	out->t = se > 0 ? out->diff / se : NAN;
	out->p = se > 0 ? 2 * (1 - student_t_cdf(fabs(out->t), out->df)) : NAN;
	out->ratio = out->ratio_lo = out->ratio_hi = NAN;
	if (a->mean > 0 && b->mean > 0) {
		/* Delta method: var(log b/a) = var(b)/b^2 + var(a)/a^2, Welch's df on that scale.
		 */
		double la = va / (a->mean * a->mean), lb = vb / (b->mean * b->mean);
		double sel = sqrt(la + lb), dfl, tl;

		out->ratio = b->mean / a->mean;
		dfl = sel > 0 ? (la + lb) * (la + lb) /
					(la * la / (double)(a->n - 1) +
					 lb * lb / (double)(b->n - 1))
			      : NAN;
		tl = sel > 0 ? student_t_quantile(0.5 + level / 2, dfl) : 0;
		out->ratio_lo = out->ratio * exp(-tl * sel);
		out->ratio_hi = out->ratio * exp(tl * sel);
	}
	return 0;
}
