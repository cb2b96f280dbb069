/*
 * The library under an address-space limit (issue 11 item 2).
 *
 * libmbuf used to reserve about 6.4 GB of address space when it loaded,
 * and exit(70) from its initialiser when it could not: a program under
 * RLIMIT_AS below ~9 GB was killed inside dlopen().  Now the arenas map
 * memory as they grow (core/window.go), so a small program fits in a
 * 1 GiB limit, and when memory cannot be had, allocations return NULL
 * with a warning; nothing exits or aborts the host.
 *
 * Like test_dlclose, this program is NOT linked with the library: each
 * child sets RLIMIT_AS first, then dlopen()s it (LIBMBUF_SO) and uses it.
 * The Go runtime inside the library needs most of a gigabyte of address
 * space for itself (its page allocator's index is reserved at start); below
 * about 800 MiB the runtime cannot start at all, a limit of the Go core
 * that no library code runs early enough to change.  Those children must
 * die in the runtime, never in libmbuf.
 */
#include <dlfcn.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "testutil.h"

#ifndef LIBMBUF_SO
#error "build with -DLIBMBUF_SO=\"/path/to/libmbuf.so.N\""
#endif

#define	CHILD_TIMEOUT	60

struct api {
	struct mbuf *(*get)(int, int);
	struct mbuf *(*getcl)(int, int, int);
	void (*freem)(struct mbuf *);
	int (*leak_count)(void);
	int *nmbclusters;
	struct mbstat *mbstat;
};

static void
set_as_limit(unsigned long mib)
{
	struct rlimit r;

	getrlimit(RLIMIT_AS, &r);
	r.rlim_cur = (rlim_t)mib << 20;
	if (r.rlim_max != RLIM_INFINITY && r.rlim_max < r.rlim_cur)
		r.rlim_cur = r.rlim_max;
	if (setrlimit(RLIMIT_AS, &r) != 0) {
		perror("setrlimit");
		exit(2);
	}
}

/* VmSize of this process in MiB */
static unsigned long
vm_size_mib(void)
{
	char line[256];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmSize: %lu kB", &kb) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kb >> 10;
}

static void
load(struct api *a)
{
	void *h = dlopen(LIBMBUF_SO, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		printf("dlopen failed: %s\n", dlerror());
		exit(4);
	}
	*(void **)&a->get = dlsym(h, "m_get");
	*(void **)&a->getcl = dlsym(h, "m_getcl");
	*(void **)&a->freem = dlsym(h, "m_freem");
	*(void **)&a->leak_count = dlsym(h, "mbuf_leak_count");
	a->nmbclusters = dlsym(h, "nmbclusters");
	a->mbstat = dlsym(h, "mbstat");
	if (a->get == NULL || a->getcl == NULL || a->freem == NULL ||
	    a->leak_count == NULL || a->nmbclusters == NULL || a->mbstat == NULL) {
		printf("dlsym: %s\n", dlerror());
		exit(4);
	}
}

static struct mbuf *held[60000];

/*
 * Use the library as a small program would: packets up to nmbclusters,
 * a few thousand plain mbufs.  Prints what happened; returns how many
 * allocations failed.
 */
static int
use(struct api *a, int clusters, int mbufs)
{
	int i, n = 0, failed = 0;

	*a->nmbclusters = clusters;
	for (i = 0; i < clusters; i++) {
		struct mbuf *m = a->getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);

		if (m == NULL) {
			failed++;
			continue;
		}
		memset(mtod(m, char *), 0x42, MCLBYTES);
		held[n++] = m;
	}
	for (i = 0; i < mbufs && n < (int)(sizeof(held) / sizeof(held[0])); i++) {
		struct mbuf *m = a->get(M_WAIT, MT_DATA);

		if (m == NULL) {
			failed++;
			continue;
		}
		memset(mtod(m, char *), 0x17, MLEN);
		held[n++] = m;
	}
	printf("allocated %d, %d failed, VmSize %lu MiB\n", n, failed,
	    vm_size_mib());
	while (n > 0)
		a->freem(held[--n]);
	printf("leaks %d\n", a->leak_count());
	return failed;
}

/* 1 GiB: a program with a small nmbclusters works as it would unlimited */
static void
c_limit_1g(void)
{
	struct api a;

	set_as_limit(1024);
	load(&a);
	if (use(&a, 64, 1000) == 0)
		printf("all allocations succeeded\n");
}

/*
 * More packets than 1 GiB holds: allocations fail with NULL and a warning
 * naming the limit, the process goes on (the arenas leave headroom to the
 * Go runtime and malloc), and what was mapped keeps working.
 */
static void
c_exhausted(void)
{
	struct api a;
	int failed;

	set_as_limit(1024);
	load(&a);
	failed = use(&a, 20000, 40000);		/* 40 MiB of clusters, 20 of mbufs */
	printf("failed %d, drops %lu\n", failed, a.mbstat->m_drops);
	if (failed > 0 && use(&a, 16, 100) == 0)
		printf("still working after the failures\n");
}

/* a limit picked by the parent (argv of the parent: LIMIT env) */
static void
c_at_limit(void)
{
	const char *v = getenv("TEST_RLIMIT_MIB");
	struct api a;

	set_as_limit(strtoul(v != NULL ? v : "1024", NULL, 10));
	load(&a);
	use(&a, 64, 1000);
	printf("survived\n");
}

/*
 * Does this system enforce RLIMIT_AS?  An emulator may not (qemu-user
 * keeps the limit from its guest: it maps the guest's whole address space
 * itself), and then nothing can run out of it.
 */
static void
c_probe(void)
{
	void *p;

	set_as_limit(64);
	p = mmap(NULL, 256 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
	    MAP_NORESERVE, -1, 0);
	printf("%s\n", p == MAP_FAILED ? "RLIMIT_AS enforced" :
	    "RLIMIT_AS not enforced");
}

static const struct tu_death_case children[] = {
	{ "probe", c_probe },
	{ "limit_1g", c_limit_1g },
	{ "exhausted", c_exhausted },
	{ "at_limit", c_at_limit },
	{ NULL, NULL },
};

static char out[65536];

/* the child said all of these, and exited 0 */
static void
expect(const char *name, int status, const char *const *want)
{
	int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	for (; ok && *want != NULL; want++)
		ok = strstr(out, *want) != NULL;
	tu_checks++;
	if (!ok) {
		tu_failures++;
		fprintf(stderr, "child %s: status %#x, output:\n%.6000s\n", name,
		    status, out);
	}
}

/* the child died in the Go runtime's own start-up, before libmbuf said anything */
static int
runtime_could_not_start(void)
{
	return strstr(out, "libmbuf") == NULL &&
	    (strstr(out, "fatal error: ") != NULL ||
	    strstr(out, "runtime/cgo: ") != NULL ||
	    (strstr(out, "dlopen failed") != NULL &&
	    (strstr(out, "map") != NULL || strstr(out, "memory") != NULL)));
}

/*
 * The Go runtime died of its own growth: a new heap chunk or thread found
 * no address space.  At 1 GiB the runtime and glibc leave little: each new
 * thread's malloc arena reserves 64 MiB of whatever is free (VmSize at
 * load is 990 MiB under 1024, 1500 under 1536), and the arenas leave the
 * runtime half of what was free at load.  Seen once in 'exhausted' after
 * the arenas had mapped 3 MiB and left 18: the runtime wanted 4 MiB more
 * of heap and found no room.  A run again then; a library that ate the
 * runtime's room would fail every run.
 */
static int
runtime_ran_out(void)
{
	return strstr(out, "runtime: out of memory") != NULL ||
	    strstr(out, "runtime/cgo: pthread_create failed") != NULL;
}

/*
 * At 1 GiB the Go runtime alone takes 930-1010 MiB here (thread stacks,
 * glibc's per-thread malloc arenas) and now and then fails to start: run
 * again then, a few times.
 */
static int
run_go_retrying(const char *name)
{
	int st = 0, i;

	for (i = 0; i < 4; i++) {
		st = tu_run_child(name, CHILD_TIMEOUT, out, sizeof(out));
		if (!runtime_could_not_start() && !runtime_ran_out())
			break;
	}
	return st;
}

int
main(int argc, char **argv)
{
	static const char *const limit_1g[] = { "all allocations succeeded",
	    "leaks 0", NULL };
	static const char *const exhausted[] = { "libmbuf: WARNING: cannot map more",
	    "RLIMIT_AS is", "still working after the failures", NULL };
	int st;
	unsigned long mib, lowest = 0;

	TU_CHILD_MAIN(argc, argv, children);
	if (getenv("MBUF_TEST_UNDER_SANITIZER") != NULL) {
		/* AddressSanitizer's shadow memory alone is terabytes */
		printf("test_rlimit: skipped under the sanitizers\n");
		return 0;
	}
	st = run_go_retrying("limit_1g");
	expect("limit_1g", st, limit_1g);
	tu_run_child("probe", CHILD_TIMEOUT, out, sizeof(out));
	if (strstr(out, "RLIMIT_AS enforced") != NULL) {
		st = run_go_retrying("exhausted");
		expect("exhausted", st, exhausted);
	} else
		printf("test_rlimit: RLIMIT_AS is not enforced here (%s): "
		    "nothing can run out of address space\n",
		    getenv("MBUF_TEST_EXEC") != NULL ? "an emulator" : "why?");

	/*
	 * Lower and lower limits: the child either works, or (below what
	 * the Go runtime needs for itself) dies in the runtime's start-up;
	 * never by libmbuf's hand.
	 */
	for (mib = 1024; mib >= 512; mib -= 64) {
		char env[64];

		snprintf(env, sizeof(env), "%lu", mib);
		setenv("TEST_RLIMIT_MIB", env, 1);
		st = run_go_retrying("at_limit");
		tu_checks++;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
		    strstr(out, "survived") != NULL) {
			lowest = mib;
			continue;
		}
		if (runtime_could_not_start())
			continue;	/* the Go runtime (or ld.so) could not start */
		if (mib < 1024 && runtime_ran_out())
			continue;	/* below what the runtime needs for itself */
		tu_failures++;
		fprintf(stderr, "RLIMIT_AS %lu MiB: status %#x, output:\n%.6000s\n",
		    mib, st, out);
	}
	unsetenv("TEST_RLIMIT_MIB");
	printf("test_rlimit: works down to an RLIMIT_AS of %lu MiB; below, the "
	    "Go runtime cannot start\n", lowest);
	return tu_finish("test_rlimit");
}
