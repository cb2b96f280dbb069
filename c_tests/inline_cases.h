/*
 * The cases of test_inline.c, included twice: once with the allocation
 * macros inline (mbuf_inline.h) and once with MBUF_NO_INLINE, so that
 * the same source runs both ways.  No include guard, on purpose.  Each
 * case records what it sees through note*() (test_inline.c); the two
 * transcripts must be identical.
 */

/* MGET and MFREE of a plain mbuf: the fields MGET sets, the counts */
static void
CASE(get_free)(void)
{
	struct mbuf *m, *n;

	MGET(m, M_DONTWAIT, MT_DATA);
	note_mbuf("MGET(MT_DATA)", m);
	m->m_len = 10;
	MFREE(m, n);
	note_ptr("MFREE", n, NULL);
	MGET(m, M_WAIT, MT_CONTROL);
	note_mbuf("MGET(M_WAIT, MT_CONTROL)", m);
	MFREE(m, n);
	note_ptr("MFREE", n, NULL);
}

static void
CASE(gethdr)(void)
{
	struct mbuf *m, *n;

	MGETHDR(m, M_DONTWAIT, MT_HEADER);
	note_mbuf("MGETHDR(MT_HEADER)", m);
	MFREE(m, n);
	note_ptr("MFREE", n, NULL);
}

/* the owner each type gets, up to the last valid type */
static void
CASE(types)(void)
{
	static const int types[] = { MT_DATA, MT_OOBDATA, MT_OOBDATA + 1,
	    200, 255 };
	struct mbuf *m, *n;
	unsigned i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		MGET(m, M_DONTWAIT, types[i]);
		note_mbuf("MGET(type)", m);
		MFREE(m, n);
		note_ptr("MFREE", n, NULL);
	}
}

/* bad arguments: the library's verdict, through the function */
static void
CASE(bad_args)(void)
{
	struct mbuf *m;

	MGET(m, 12345, MT_DATA);
	note_mbuf("MGET(bad how)", m);
	MGET(m, M_DONTWAIT, MT_FREE);
	note_mbuf("MGET(MT_FREE)", m);
	MGET(m, M_DONTWAIT, 256);
	note_mbuf("MGET(256)", m);
	MGET(m, M_DONTWAIT, -1);
	note_mbuf("MGET(-1)", m);
	MGETHDR(m, -3, MT_DATA);
	note_mbuf("MGETHDR(bad how)", m);
}

/* frees that are not the common case, and misuse */
static void
CASE(bad_frees)(void)
{
	struct mbuf *m, *n, *m2;
	struct mbuf onstack;
	char *heap;

	MFREE(NULL, n);
	note_ptr("MFREE(NULL)", n, NULL);

	MGET(m, M_DONTWAIT, MT_DATA);
	MFREE(m, n);
	MFREE(m, n);		/* double free */
	note_ptr("MFREE again", n, NULL);

	memset(&onstack, 0, sizeof(onstack));
	MFREE(&onstack, n);
	note_ptr("MFREE(on the stack)", n, NULL);

	heap = (char *)malloc(2 * MSIZE);
	memset(heap, 0, 2 * MSIZE);
	MFREE((struct mbuf *)heap, n);
	note_ptr("MFREE(malloc'd)", n, NULL);
	free(heap);

	MGET(m, M_DONTWAIT, MT_DATA);
	MFREE((struct mbuf *)((char *)m + 8), n);
	note_ptr("MFREE(inside an mbuf)", n, NULL);
	MFREE(m, n);
	note_ptr("MFREE", n, NULL);

	/* a type the counts do not cover */
	MGET(m, M_DONTWAIT, MT_DATA);
	m->m_type = 300;
	MFREE(m, n);
	note_ptr("MFREE(m_type 300)", n, NULL);
	m->m_type = MT_DATA;	/* refused: still live */
	MFREE(m, n);
	note_ptr("MFREE(m_type restored)", n, NULL);

	/* MFREE returns m_next */
	MGET(m, M_DONTWAIT, MT_DATA);
	MGET(m2, M_DONTWAIT, MT_DATA);
	m->m_next = m2;
	MFREE(m, n);
	note_ptr("MFREE(m, next)", n, m2);
	MFREE(m2, n);
	note_ptr("MFREE(next)", n, NULL);
}

/* what MFREE hands to m_free: tags, clusters, shared clusters */
static void
CASE(free_storage)(void)
{
	struct mbuf *m, *n, *copy;
	struct m_tag *tag;

	MGETHDR(m, M_DONTWAIT, MT_DATA);
	tag = m_tag_get(7, 16, M_DONTWAIT);
	m_tag_prepend(m, tag);
	MFREE(m, n);
	note_ptr("MFREE(tagged)", n, NULL);

	MGETHDR(m, M_DONTWAIT, MT_DATA);
	MCLGET(m, M_DONTWAIT);
	note_mbuf("MGETHDR+MCLGET", m);
	m->m_len = m->m_pkthdr.len = 100;
	copy = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
	note_mbuf("m_copym", copy);
	MFREE(m, n);		/* the holder of a shared cluster */
	note_ptr("MFREE(holder)", n, NULL);
	MFREE(copy, n);		/* the last reference */
	note_ptr("MFREE(sharer)", n, NULL);
}

static void
CASE(clget)(void)
{
	struct mbuf *m, *n;
	char *buf;

	MGET(m, M_DONTWAIT, MT_DATA);
	MCLGET(m, M_WAIT);
	note_mbuf("MCLGET", m);
	buf = m->m_ext.ext_buf;
	MCLGET(m, M_DONTWAIT);	/* has storage already */
	note_mbuf("MCLGET again", m);
	note_ptr("the same cluster", m->m_ext.ext_buf, buf);
	MCLGET(m, 77);		/* bad how */
	note_mbuf("MCLGET(bad how)", m);
	MFREE(m, n);
	note_ptr("MFREE", n, NULL);

	MGET(m, M_DONTWAIT, MT_DATA);
	MFREE(m, n);
	MCLGET(m, M_DONTWAIT);	/* a freed mbuf */
	note("MCLGET(freed)");
}

/* past the magazines (512 mbufs, 64 clusters): refills and drains */
static void
CASE(many)(void)
{
	static struct mbuf *v[1500];
	struct mbuf *n;
	int i, k = (int)(sizeof(v) / sizeof(v[0]));

	for (i = 0; i < k; i++) {
		if (i % 3 == 0) {
			MGETHDR(v[i], M_DONTWAIT, MT_DATA);
			if (i % 9 == 0)
				MCLGET(v[i], M_DONTWAIT);
		} else
			MGET(v[i], M_DONTWAIT, MT_DATA + i % 2);
	}
	note("1500 allocated");
	for (i = 0; i < k; i++) {
		MFREE(v[i], n);
		if (n != NULL)
			note_ptr("MFREE", n, NULL);
	}
	note("1500 freed");
}

/* with the fast paths off the macros call; back on, inline again */
static void
CASE(fastpath_off)(void)
{
	struct mbuf *m, *n;
	int was = mbuf_set_fastpath(0);

	note_ptr("mbuf__tcache_v1 with the fast paths off",
	    mbuf__tcache_v1, NULL);
	MGET(m, M_DONTWAIT, MT_DATA);
	note_mbuf("MGET, off", m);
	MFREE(m, n);
	MFREE(m, n);
	note_ptr("MFREE twice, off", n, NULL);
	mbuf_set_fastpath(was);
	notef("mbuf__tcache_v1 on again: %s",
	    mbuf__tcache_v1 != NULL ? "set" : "NULL");
}

/* a thread's first MGET sets its cache up (the pointer was NULL) */
static void *
CASE(thread_body)(void *arg)
{
	struct mbuf *m, *n;

	(void)arg;
	note_ptr("a new thread's mbuf__tcache_v1", mbuf__tcache_v1, NULL);
	MGET(m, M_DONTWAIT, MT_DATA);
	note_mbuf("its first MGET", m);
	notef("then: %s", mbuf__tcache_v1 != NULL ? "set" : "NULL");
	MFREE(m, n);
	MGET(m, M_DONTWAIT, MT_DATA);
	MFREE(m, n);
	note_ptr("MGET+MFREE in the thread", n, NULL);
	return NULL;
}

/*
 * A TLS destructor that runs after the library's (its key is younger)
 * and allocates: the thread is set up again, and its pointer must stay
 * NULL, since its TLS goes away with the thread (mbuf_set_fastpath would
 * write there later).
 */
static void
CASE(late_destructor)(void *arg)
{
	struct mbuf *m, *n;

	(void)arg;
	MGET(m, M_DONTWAIT, MT_DATA);
	late_saw_null += mbuf__tcache_v1 == NULL;
	late_got += m != NULL;
	MFREE(m, n);
	(void)n;
}

static void *
CASE(late_body)(void *arg)
{
	struct mbuf *m, *n;

	MGET(m, M_DONTWAIT, MT_DATA);	/* the library's key first */
	MFREE(m, n);
	pthread_setspecific(*(pthread_key_t *)arg, arg);
	return n;
}

static void
CASE(thread)(void)
{
	pthread_key_t key;
	pthread_t th;

	pthread_create(&th, NULL, CASE(thread_body), NULL);
	pthread_join(th, NULL);
	late_saw_null = late_got = 0;
	pthread_key_create(&key, CASE(late_destructor));
	pthread_create(&th, NULL, CASE(late_body), &key);
	pthread_join(th, NULL);
	notef("a TLS destructor after the library's: MGET %s, pointer %s",
	    late_got == 1 ? "served" : "failed",
	    late_saw_null == 1 ? "NULL" : "set");
	mbuf_set_fastpath(mbuf_set_fastpath(0));	/* writes every pointer */
	pthread_key_delete(key);
}

/* in a child of fork(): the macros call, and the call refuses */
static void
CASE(fork)(void)
{
	struct mbuf *m, *n, *kept;
	char out[1024];
	int p[2];
	ssize_t len = 0, r;
	pid_t pid;

	MGET(kept, M_DONTWAIT, MT_DATA);
	if (pipe(p) != 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		transcript_to_fd = p[1];
		note_ptr("in the child, mbuf__tcache_v1", mbuf__tcache_v1, NULL);
		MGET(m, M_DONTWAIT, MT_DATA);
		note_mbuf("MGET in the child", m);
		MFREE(kept, n);
		note_ptr("MFREE in the child", n, NULL);
		_exit(0);
	}
	close(p[1]);
	while ((r = read(p[0], out + len, sizeof(out) - 1 - (size_t)len)) > 0)
		len += r;
	out[len] = '\0';
	close(p[0]);
	waitpid(pid, NULL, 0);
	note("child:");
	note(out);
	MFREE(kept, n);
	note_ptr("MFREE in the parent", n, NULL);
}

static const struct inline_case CASE(cases)[] = {
	{ "get_free", CASE(get_free) },
	{ "gethdr", CASE(gethdr) },
	{ "types", CASE(types) },
	{ "bad_args", CASE(bad_args) },
	{ "bad_frees", CASE(bad_frees) },
	{ "free_storage", CASE(free_storage) },
	{ "clget", CASE(clget) },
	{ "many", CASE(many) },
	{ "fastpath_off", CASE(fastpath_off) },
	{ "thread", CASE(thread) },
	{ "fork", CASE(fork) },
	{ NULL, NULL }
};
