/*
 * The timing driver shared by the C benchmark (cbench.c, libmbuf) and its
 * DPDK peer (dpdkbench.c): one row table per program, the same
 * calibration, medians and output, so that the two programs' figures are
 * measured the same way and bench/ctable.py can join them by row key.
 *
 *   PROG [--tsv] [--quick] [--only=SUBSTR]   time each row
 *   PROG --instr=N                            run each row N times between
 *                                             two callgrind dumps
 *
 * --tsv prints "key<TAB>name<TAB>threads<TAB>ns<TAB>base-key" per row.
 * --instr is for a run under valgrind --tool=callgrind: the dump after a
 * row's loop is named after the row's key (its "Trigger" line), so the
 * loop's instruction count divided by N is one operation's.  It prints
 * "key<TAB>N<TAB>name" per row it ran.  Rows of two threads are not run there:
 * instruction counts do not see contention, the one thing they measure.
 */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_DUMP_STATS_AT
#define	CALLGRIND_DUMP_STATS_AT(s)	((void)(s))
#define	BENCH_NO_CALLGRIND	1
#endif

#define	SINK(p)		__asm__ __volatile__("" : : "r"(p) : "memory")

struct bench_row {
	const char	*key;	/* joins a libmbuf row and its DPDK analogue */
	const char	*name;
	void		(*fn)(long);
	int		threads;	/* 1 or 2 (per-thread time) */
	int		gran;		/* fn's n is a multiple of this */
	const char	*base;		/* key of the row this one is divided by */
	double		ns;
};

/* run by each thread of a two-thread row before and after its loops */
static void (*bench_thread_init)(void), (*bench_thread_fini)(void);

static int bench_runs = 7, bench_tsv;
static double bench_target_ns = 20e6;

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
bench_fail(const char *what)
{
	fprintf(stderr, "bench: %s\n", what);
	exit(1);
}

/* a row that cannot run here (called from its first, one-thread call) */
static jmp_buf bench_skip_jmp;

static __attribute__((unused)) void
bench_skip(const char *why)
{
	fprintf(stderr, "bench: row skipped: %s\n", why);
	longjmp(bench_skip_jmp, 1);
}

struct bench_thr {
	void	(*fn)(long);
	long	n;
	double	ns;
};
static pthread_barrier_t bench_barrier;

static void *
bench_thr_main(void *arg)
{
	struct bench_thr *t = arg;
	double t0;

	if (bench_thread_init != NULL)
		bench_thread_init();
	t->fn(t->n / 8);	/* warm this thread's cache */
	pthread_barrier_wait(&bench_barrier);
	t0 = bench_now();
	t->fn(t->n);
	t->ns = (bench_now() - t0) / (double)t->n;
	if (bench_thread_fini != NULL)
		bench_thread_fini();
	return NULL;
}

static double
bench_two_threads(void (*fn)(long), long n)
{
	pthread_t tid[2];
	struct bench_thr t[2] = { { fn, n, 0 }, { fn, n, 0 } };

	pthread_barrier_init(&bench_barrier, NULL, 2);
	for (int k = 0; k < 2; k++)
		pthread_create(&tid[k], NULL, bench_thr_main, &t[k]);
	for (int k = 0; k < 2; k++)
		pthread_join(tid[k], NULL);
	pthread_barrier_destroy(&bench_barrier);
	return (t[0].ns + t[1].ns) / 2;	/* per-thread time */
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The best of bench_runs timed runs of about bench_target_ns each: on a
 * shared machine other processes only ever add time, so the fastest run
 * is the one least disturbed (the median moved by 2-4x under load).
 */
static double
bench_measure(struct bench_row *r)
{
	double t[64], t0, per;
	long n = r->gran * 64;

	t0 = bench_now();	/* calibrate (and warm up) */
	r->fn(n);
	per = (bench_now() - t0) / (double)n;
	n = (long)(bench_target_ns / (per > 0.1 ? per : 0.1));
	n = n < r->gran ? r->gran : n - n % r->gran;
	for (int k = 0; k < bench_runs; k++) {
		if (r->threads == 2)
			t[k] = bench_two_threads(r->fn, n);
		else {
			t0 = bench_now();
			r->fn(n);
			t[k] = (bench_now() - t0) / (double)n;
		}
	}
	qsort(t, (size_t)bench_runs, sizeof(t[0]), bench_cmp);
	return t[0];
}

/* time r into r->ns; 0 when the row skipped itself */
static int
bench_timed(struct bench_row *r)
{
	if (setjmp(bench_skip_jmp) != 0)
		return 0;
	r->ns = bench_measure(r);
	return 1;
}

static struct bench_row *
bench_find(struct bench_row *rows, int nrows, const char *key)
{
	for (int i = 0; key != NULL && i < nrows; i++)
		if (strcmp(rows[i].key, key) == 0)
			return &rows[i];
	return NULL;
}

#ifndef BENCH_NO_CALLGRIND
/* k runs of r between two dumps; 0 when the row skipped itself */
static int
bench_instr_row(struct bench_row *r, long k)
{
	if (setjmp(bench_skip_jmp) != 0)
		return 0;
	r->fn(k / 4 + r->gran);		/* warm: first-use costs stay out */
	CALLGRIND_DUMP_STATS_AT("setup");
	r->fn(k);
	CALLGRIND_DUMP_STATS_AT(r->key);
	return 1;
}
#endif

static void
bench_instr(struct bench_row *rows, int nrows, long n)
{
#ifdef BENCH_NO_CALLGRIND
	(void)rows; (void)nrows; (void)n;
	bench_fail("built without valgrind/callgrind.h: no --instr");
#else
	for (int i = 0; i < nrows; i++) {
		struct bench_row *r = &rows[i];
		long k = n - n % r->gran;

		if (r->threads != 1)
			continue;
		if (k < r->gran)
			k = r->gran;
		if (!bench_instr_row(r, k))
			continue;
		printf("%s\t%ld\t%s\n", r->key, k, r->name);
	}
#endif
}

/* ---- the baselines: the same code in both programs ------------------------ */

/* through volatile pointers: the compiler may neither drop nor inline them */
static void *(*volatile memcpy_fn)(void *, const void *, size_t) = memcpy;
static void *(*volatile malloc_fn)(size_t) = malloc;
static void (*volatile free_fn)(void *) = free;
static unsigned char src[8192], dst[8192];
static unsigned char *csrc;	/* aligned as a cluster is (bench_sources_init) */

/* fill the copy sources; csrc is a copy aligned to align bytes */
static void
bench_sources_init(size_t align)
{
	for (int k = 0; k < (int)sizeof(src); k++)
		src[k] = (unsigned char)(k * 131 + 7);
	csrc = aligned_alloc(align, align);
	memcpy(csrc, src, align);
}

static void
b_malloc(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = malloc_fn(256);

		SINK(p);
		free_fn(p);
	}
}

static void
b_malloc_burst(long n)
{
	void *v[256];

	for (long i = 0; i < n; i += 256) {
		for (int k = 0; k < 256; k++)
			v[k] = malloc_fn(256);
		SINK(v);
		for (int k = 0; k < 256; k++)
			free_fn(v[k]);
	}
}

static void
b_memcpy(long n)
{
	for (long i = 0; i < n; i++) {
		memcpy_fn(dst, csrc, 1500);
		SINK(dst);
	}
}

/* the rows every table starts with (rows name them as their base) */
#define	BENCH_BASELINE_ROWS						\
	{ "base_malloc", "malloc(256)+free [baseline]", b_malloc, 1, 1, NULL, 0 }, \
	{ "base_malloc_burst", "malloc(256) burst 256 [baseline]",	\
	    b_malloc_burst, 1, 256, NULL, 0 },				\
	{ "base_memcpy", "memcpy 1500 B from 2 KiB-aligned [baseline]",	\
	    b_memcpy, 1, 1, NULL, 0 },					\
	{ "base_malloc_2t", "2 threads: malloc(256)+free [baseline]",	\
	    b_malloc, 2, 1, "base_malloc", 0 }

static int
bench_main(int argc, char **argv, struct bench_row *rows, int nrows)
{
	const char *only = NULL;
	long instr = 0;

	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--tsv") == 0)
			bench_tsv = 1;
		else if (strcmp(argv[a], "--quick") == 0) {
			bench_runs = 5;
			bench_target_ns = 4e6;
		} else if (strncmp(argv[a], "--only=", 7) == 0)
			only = argv[a] + 7;
		else if (strncmp(argv[a], "--instr=", 8) == 0)
			instr = atol(argv[a] + 8);
		else {
			fprintf(stderr, "usage: %s [--tsv] [--quick] "
			    "[--only=SUBSTR] | --instr=N\n", argv[0]);
			return 2;
		}
	}
	if (instr > 0) {
		bench_instr(rows, nrows, instr);
		return 0;
	}
	if (!bench_tsv)
		printf("%-50s %10s %8s  %s\n", "operation", "ns/op", "ratio",
		    "baseline");
	for (int i = 0; i < nrows; i++) {
		struct bench_row *r = &rows[i], *b;

		/* baselines always run: the rows are divided by them */
		if (only != NULL && strstr(r->key, "base") == NULL &&
		    strstr(r->name, only) == NULL)
			continue;
		if (!bench_timed(r))
			continue;
		b = bench_find(rows, nrows, r->base);
		if (bench_tsv)
			printf("%s\t%s\t%d\t%.3f\t%s\n", r->key, r->name,
			    r->threads, r->ns, r->base != NULL ? r->base : "");
		else if (b == NULL || b->ns == 0)
			printf("%-50s %10.2f\n", r->name, r->ns);
		else
			printf("%-50s %10.2f %8.2f  %s\n", r->name, r->ns,
			    r->ns / b->ns, b->name);
		fflush(stdout);
	}
	return 0;
}

#endif /* BENCH_HARNESS_H */
