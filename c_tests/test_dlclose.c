/*
 * dlclose() must not unload libmbuf.so: the Go runtime inside it keeps
 * threads running in the library's code, so a real unload kills the
 * process (SIGSEGV) as soon as one of them wakes up.  The library is
 * linked with -z nodelete, which makes dlclose() leave it in place.
 *
 * This program is NOT linked against the library (the build passes the
 * path as LIBMBUF_SO): it loads it with dlopen(), uses it, closes it,
 * waits for the runtime's threads to run, opens it again and uses it.
 * The sequence runs in a child with a time limit, since the failure is
 * a crash or a hang.
 */
#include <dlfcn.h>
#include <pthread.h>

#include "testutil.h"

#ifndef LIBMBUF_SO
#error "build with -DLIBMBUF_SO=\"/path/to/libmbuf.so.N\""
#endif

struct api {
	struct mbuf *(*getcl)(int, int, int);
	void (*freem)(struct mbuf *);
	void (*stats_sync)(void);
	struct mbstat *mbstat;
};

static void *
load(struct api *a)
{
	void *h = dlopen(LIBMBUF_SO, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		exit(1);
	}
	*(void **)&a->getcl = dlsym(h, "m_getcl");
	*(void **)&a->freem = dlsym(h, "m_freem");
	*(void **)&a->stats_sync = dlsym(h, "mbuf_stats_sync");
	a->mbstat = dlsym(h, "mbstat");
	if (a->getcl == NULL || a->freem == NULL || a->stats_sync == NULL ||
	    a->mbstat == NULL) {
		fprintf(stderr, "dlsym: %s\n", dlerror());
		exit(1);
	}
	return h;
}

/* allocate and free packets, in this thread and in a second one */
static void *
use(void *arg)
{
	struct api *a = arg;
	struct mbuf *m[100];
	int i;

	for (i = 0; i < 100; i++)
		if ((m[i] = a->getcl(M_DONTWAIT, MT_DATA, M_PKTHDR)) == NULL) {
			fprintf(stderr, "m_getcl failed\n");
			exit(1);
		}
	for (i = 0; i < 100; i++)
		a->freem(m[i]);
	return NULL;
}

static void
use_twice(struct api *a)
{
	pthread_t th;

	use(a);
	pthread_create(&th, NULL, use, a);
	pthread_join(th, NULL);
	a->stats_sync();
	if (a->mbstat->m_mtypes[MT_DATA] != 0) {
		fprintf(stderr, "%u MT_DATA mbufs still counted\n",
		    a->mbstat->m_mtypes[MT_DATA]);
		exit(1);
	}
}

static void
child_reopen(void)
{
	struct api a;
	void *h;

	alarm(60);
	h = load(&a);
	use_twice(&a);
	if (dlclose(h) != 0) {
		fprintf(stderr, "dlclose: %s\n", dlerror());
		exit(1);
	}
	/* the library must still be mapped: RTLD_NOLOAD finds it */
	if (dlopen(LIBMBUF_SO, RTLD_NOW | RTLD_NOLOAD) == NULL) {
		fprintf(stderr, "dlclose unloaded the library\n");
		exit(1);
	}
	dlclose(h);
	/* give the runtime's threads (sysmon, GC workers) time to run */
	usleep(300 * 1000);
	h = load(&a);
	use_twice(&a);
	printf("reopened and used: ok\n");
	fflush(stdout);
	exit(0);
}

static const struct tu_death_case children[] = {
	{ "reopen", child_reopen },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	char out[8192];
	int status;

	TU_CHILD_MAIN(argc, argv, children);
	/* linked against the library, dlclose could never unload it */
	CHECK(dlopen(LIBMBUF_SO, RTLD_NOW | RTLD_NOLOAD) == NULL);
	status = tu_run_child("reopen", 90, out, sizeof(out));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strstr(out, "reopened and used: ok") != NULL);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "child status %#x%s%s, output:\n%s\n", status,
		    WIFSIGNALED(status) ? ", signal " : "",
		    WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "", out);
	return tu_finish("test_dlclose");
}
