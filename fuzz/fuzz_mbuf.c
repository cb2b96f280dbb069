/*
 * libFuzzer target over the C API of libmbuf.so: the op language of
 * core/fuzz_test.go (FuzzOps), decoded the same way, run through the
 * public functions and macros, and checked after every step against a
 * flat byte model: bytes, pkthdr.len, data inside its buffer, every mbuf
 * live (m_copydata validates the chain).  Provoked violations go to a
 * panic handler that returns: they must be reported and leave the chain
 * as it was.  At the end everything is freed and mbuf_leak_count() must
 * be 0.  A failed check aborts (libFuzzer saves the input).
 *
 * Each input runs twice, with the C fast paths on and then off
 * (mbuf_set_fastpath): every step's results, violations (their messages,
 * addresses numbered), the shape of every chain, and the statistics are
 * written to a transcript, and the two transcripts must be identical.
 *
 *   make fuzz-c            build/fuzz/fuzz_mbuf over fuzz/corpus for FUZZ_TIME
 *   build/fuzz/fuzz_mbuf crash-file     replay one input
 *
 * make builds it against a copy of libmbuf.so whose C layer is compiled by
 * clang with libFuzzer's coverage counters (build/fuzz/lib), so the C fast
 * paths guide the fuzzer too; the Go core cannot be instrumented (FuzzOps
 * in core/ covers it).
 */
#include <mbuf.h>

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OP_CREATE, OP_FREE, OP_COPY, OP_SPLIT, OP_ADJ, OP_PULLUP, OP_PREPEND,
	OP_COPYBACK, OP_COPYBACK_COW, OP_MAKEWRITABLE, OP_CAT, OP_PULLDOWN,
	OP_COPYUP, OP_COPYDATA, OP_MISUSE, OP_COPYPACKET, OP_TAG, OP_EXTADD,
	OP_HOSTILE, NUM_OPS
};
/* kinds of OP_HOSTILE (core/fuzz_test.go: hostAdjExtreme ...) */
enum {
	H_ADJ_EXTREME, H_OVERFLOW, H_SELF_HEADER, H_SELF_CAT, H_NEG_LEN,
	H_LONG_LEN, H_DATA_OUTSIDE, H_CYCLE, H_FREED_MEMBER, H_NULL_SOURCE,
	NUM_HOSTILE
};
#define	HOSTILE_READS	3
#define	MAX_OPS		64
#define	NSLOTS		4

struct rd {
	const uint8_t	*b;
	size_t		n, i;
};

static int u8(struct rd *r) { return r->i < r->n ? r->b[r->i++] : 0; }
static int u16(struct rd *r) { int lo = u8(r); return lo | u8(r) << 8; }

static struct mbuf *sm[NSLOTS];
static unsigned char *sb[NSLOTS];
static int sl[NSLOTS];

/* the head's packet tags, first to last */
#define	MAXTAGS		MAX_OPS
struct ftag {
	int		id, len;
	unsigned char	data[32];
};
static struct ftag st[NSLOTS][MAXTAGS];
static int nt[NSLOTS];
static int ext_live;		/* MEXTADD buffers not yet released */
static char trace[4096];
static size_t tracelen;
static int violations;
static char last_violation[512];

/*
 * The transcript of a run (see the top): text, pointers written as the
 * order in which they first appear in a message.
 */
struct transcript {
	char	text[1 << 16];
	size_t	len;
};
static struct transcript runs[2], *tr = &runs[0];

static void
say(const char *fmt, ...)
{
	va_list ap;

	if (tr->len >= sizeof(tr->text) - 1)
		return;
	va_start(ap, fmt);
	tr->len += (size_t)vsnprintf(tr->text + tr->len,
	    sizeof(tr->text) - tr->len, fmt, ap);
	va_end(ap);
	if (tr->len > sizeof(tr->text) - 1)
		tr->len = sizeof(tr->text) - 1;
}

static void
handler(const char *func, const char *msg)
{
	unsigned long seen[8], v;
	int nseen = 0, k;
	const char *p;
	char *end;

	violations++;
	snprintf(last_violation, sizeof(last_violation), "%s: %s", func, msg);
	say("violation %s: ", func);
	for (p = msg; *p != '\0'; ) {
		if (p[0] == '0' && p[1] == 'x') {
			v = strtoul(p, &end, 16);
			for (k = 0; k < nseen && seen[k] != v; k++)
				;
			if (k == nseen && nseen < 8)
				seen[nseen++] = v;
			say("#%d", k + 1);
			p = end;
		} else
			say("%c", *p++);
	}
	say("\n");
}

static void
note(const char *fmt, ...)
{
	va_list ap;

	if (tracelen >= sizeof(trace) - 2)
		return;
	va_start(ap, fmt);
	tracelen += (size_t)vsnprintf(trace + tracelen, sizeof(trace) - tracelen,
	    fmt, ap);
	va_end(ap);
	if (tracelen < sizeof(trace) - 2)
		trace[tracelen++] = ';';
	trace[tracelen < sizeof(trace) ? tracelen : sizeof(trace) - 1] = '\0';
}

static void
fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_mbuf: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nlast violation: %s\nops: %s\n", last_violation, trace);
	abort();
}

static unsigned char *
pattern(int seed, int n)
{
	unsigned char *b = malloc((size_t)n + 1);
	int i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(seed + i * 7);
	return b;
}

/* a call that must not be a violation */
#define	CALL(what, ...) do {						\
	int __v = violations;						\
	note what;							\
	__VA_ARGS__;							\
	if (violations != __v)						\
		fail("unexpected violation");				\
} while (0)

static void
drop(int i)
{
	sm[i] = NULL;
	free(sb[i]);
	sb[i] = NULL;
	sl[i] = 0;
	nt[i] = 0;
}

static void
copy_tags(int dst, int src)
{
	memcpy(st[dst], st[src], sizeof(st[src][0]) * (size_t)nt[src]);
	nt[dst] = nt[src];
}

static void
ext_release(struct mbuf *m, void *buf, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	free(buf);
	ext_live--;
	pool_cache_put(mb_cache, m);
}

static void
put(int i, struct mbuf *m, unsigned char *b, int len)
{
	if (sm[i] != NULL)
		m_freem(sm[i]);
	free(sb[i]);
	sm[i] = m;
	sb[i] = b;
	sl[i] = len;
	nt[i] = 0;
}

static int
read_only_any(const struct mbuf *m)
{
	for (; m != NULL; m = m->m_next)
		if (M_READONLY(m))
			return 1;
	return 0;
}

/* a fingerprint of a chain's shape and bytes */
static unsigned long
snap(const struct mbuf *m)
{
	unsigned long h = 5381;
	int i;

	for (; m != NULL; m = m->m_next) {
		h = h * 33 + (uintptr_t)m;
		h = h * 33 + (uintptr_t)m->m_data;
		h = h * 33 + (unsigned)m->m_len;
		h = h * 33 + (unsigned)m->m_flags;
		for (i = 0; i < m->m_len; i++)
			h = h * 33 + (unsigned char)m->m_data[i];
	}
	return h;
}

static void
check(void)
{
	static unsigned char buf[1 << 16];
	const struct mbuf *n;
	int i, k, sum;

	for (i = 0; i < NSLOTS; i++) {
		if (sm[i] == NULL)
			continue;
		sum = 0;
		for (n = sm[i], k = 0; n != NULL; n = n->m_next, k++) {
			const char *lo, *hi;

			if (n->m_flags & M_EXT) {
				lo = n->m_ext.ext_buf;
				hi = lo + n->m_ext.ext_size;
			} else {
				lo = (n->m_flags & M_PKTHDR) ? n->m_pktdat : n->m_dat;
				hi = (const char *)n->m_dat + MLEN;
			}
			if (n->m_len < 0 || n->m_data < lo || n->m_data + n->m_len > hi)
				fail("s%d: mbuf %d: data outside its buffer", i, k);
			sum += n->m_len;
		}
		if (sum != sl[i])
			fail("s%d: %d bytes, model %d", i, sum, sl[i]);
		if ((sm[i]->m_flags & M_PKTHDR) && sm[i]->m_pkthdr.len != sl[i])
			fail("s%d: pkthdr.len %d, model %d", i, sm[i]->m_pkthdr.len, sl[i]);
		{
			const struct m_tag *t = (sm[i]->m_flags & M_PKTHDR) ?
			    SLIST_FIRST(&sm[i]->m_pkthdr.tags) : NULL;

			for (k = 0; t != NULL && k < nt[i];
			    k++, t = SLIST_NEXT(t, m_tag_link))
				if (t->m_tag_id != st[i][k].id ||
				    t->m_tag_len != st[i][k].len ||
				    memcmp(t + 1, st[i][k].data, (size_t)t->m_tag_len) != 0)
					fail("s%d: tag %d differs from the model", i, k);
			if (t != NULL || k != nt[i])
				fail("s%d: %s tags than the model's %d", i,
				    t != NULL ? "more" : "fewer", nt[i]);
		}
		if (sl[i] > (int)sizeof(buf))
			continue;
		CALL(("check s%d", i), m_copydata(sm[i], 0, sl[i], buf));
		if (memcmp(buf, sb[i], (size_t)sl[i]) != 0)
			fail("s%d: bytes differ from the model", i);
	}
}

/* every chain's shape, for the transcript: lengths, flags, offsets */
static void
say_shapes(void)
{
	const struct mbuf *n;
	int i, k;

	for (i = 0; i < NSLOTS; i++) {
		if (sm[i] == NULL)
			continue;
		say("s%d:", i);
		for (n = sm[i], k = 0; n != NULL && k < 256; n = n->m_next, k++) {
			const char *lo = (n->m_flags & M_EXT) ? n->m_ext.ext_buf :
			    (const char *)n->m_dat;

			say(" %d/%#x/%d/%ld", n->m_len, (unsigned)n->m_flags,
			    n->m_type, (long)(n->m_data - lo));
			if (n->m_flags & M_EXT)
				say("/r%u", n->m_ext.ext_refcnt);
		}
		if (sm[i]->m_flags & M_PKTHDR)
			say(" pkt %d", sm[i]->m_pkthdr.len);
		say("\n");
	}
}

static void hostile(int i, int kind, int sel, int arg);

static void
step(struct rd *r)
{
	int i, j, off, n, mode, seed, l;
	struct mbuf *m, *c;
	unsigned char *b;

	switch (u8(r) % NUM_OPS) {
	case OP_CREATE:
		i = u8(r) & 3; n = u16(r) % 4097; mode = u8(r); seed = u8(r);
		b = pattern(seed, n);
		CALL(("create s%d len %d flags %#x", i, n, mode), {
			switch (mode & 3) {
			case 0: m = m_gethdr(M_DONTWAIT, MT_DATA); break;
			case 1: m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR); break;
			case 2: m = m_get(M_DONTWAIT, MT_DATA); break;
			default: m = m_getcl(M_DONTWAIT, MT_DATA, 0); break;
			}
			if (m == NULL)
				fail("allocation failed");
			if (m->m_flags & M_PKTHDR)
				m->m_pkthdr.len = 0;
			m->m_len = 0;
			m_copyback(m, 0, n, b);
		});
		put(i, m, b, n);
		break;
	case OP_FREE:
		i = u8(r) & 3;
		if (sm[i] != NULL) {
			CALL(("freem s%d", i), m_freem(sm[i]));
			drop(i);
		}
		break;
	case OP_COPY:
		i = u8(r) & 3; j = u8(r) & 3; off = u16(r); n = u16(r); mode = u8(r);
		if (sm[i] == NULL)
			break;
		l = sl[i];
		off %= l + 1;
		n %= l - off + 1;
		if (mode & 0x80)
			n = M_COPYALL;
		CALL(("copy s%d->s%d off %d len %d mode %#x", i, j, off, n, mode),
		    c = (mode & 1) ? m_dup(sm[i], off, n, M_DONTWAIT) :
		    m_copym(sm[i], off, n, M_DONTWAIT));
		if (n == M_COPYALL)
			n = l - off;
		if (c == NULL) {
			if (n != 0)
				fail("copy returned NULL for %d bytes", n);
			break;
		}
		if (((c->m_flags & M_PKTHDR) != 0) !=
		    (off == 0 && (sm[i]->m_flags & M_PKTHDR) != 0))
			fail("copy from off %d: wrong header", off);
		if (i == j) {
			m_freem(c);
			break;
		}
		b = malloc((size_t)n + 1);
		memcpy(b, sb[i] + off, (size_t)n);
		put(j, c, b, n);
		if (c->m_flags & M_PKTHDR)
			copy_tags(j, i);
		break;
	case OP_SPLIT:
		i = u8(r) & 3; j = u8(r) & 3; off = u16(r);
		if (sm[i] == NULL || i == j)
			break;
		off %= sl[i] + 1;
		CALL(("split s%d at %d -> s%d", i, off, j),
		    c = m_split(sm[i], off, M_DONTWAIT));
		if (c == NULL)
			break;
		b = malloc((size_t)(sl[i] - off) + 1);
		memcpy(b, sb[i] + off, (size_t)(sl[i] - off));
		n = sl[i] - off;
		sl[i] = off;
		put(j, c, b, n);
		break;
	case OP_ADJ:
		i = u8(r) & 3; n = (int16_t)u16(r);
		if (sm[i] == NULL)
			break;
		CALL(("adj s%d %d", i, n), m_adj(sm[i], n));
		l = sl[i];
		if (n >= 0) {
			n = n < l ? n : l;
			memmove(sb[i], sb[i] + n, (size_t)(l - n));
			sl[i] = l - n;
		} else
			sl[i] = l - (-n < l ? -n : l);
		break;
	case OP_PULLUP:
		i = u8(r) & 3; n = u16(r) % (MHLEN + 64);
		if (sm[i] == NULL)
			break;
		CALL(("pullup s%d %d", i, n), m = m_pullup(sm[i], n));
		if (m == NULL) {
			if (n <= sl[i] && n <= MHLEN)
				fail("pullup %d of %d bytes failed", n, sl[i]);
			sm[i] = NULL;
			drop(i);
			break;
		}
		if (m->m_len < n)
			fail("pullup %d: first mbuf holds %d", n, m->m_len);
		sm[i] = m;
		break;
	case OP_PREPEND:
		i = u8(r) & 3; n = u16(r) % (MHLEN + 1); seed = u8(r);
		if (sm[i] == NULL)
			break;
		m = sm[i];
		CALL(("M_PREPEND s%d %d", i, n), M_PREPEND(m, n, M_DONTWAIT));
		if (m == NULL) {
			sm[i] = NULL;
			drop(i);
			break;
		}
		b = pattern(seed, n + sl[i]);
		memcpy(mtod(m, char *), b, (size_t)n);
		memcpy(b + n, sb[i], (size_t)sl[i]);
		free(sb[i]);
		sb[i] = b;
		sl[i] += n;
		sm[i] = m;
		break;
	case OP_COPYBACK: {
		unsigned long before;
		int v0 = violations;

		i = u8(r) & 3; off = u16(r); n = u16(r) % 3000; seed = u8(r);
		if (sm[i] == NULL)
			break;
		l = sl[i];
		off %= l + 64;
		if (n == 0)
			n = 1;
		b = pattern(seed, n);
		before = snap(sm[i]);
		note("copyback s%d off %d len %d", i, off, n);
		m_copyback(sm[i], off, n, b);
		if (violations != v0) {
			if (strstr(last_violation, "read-only") == NULL ||
			    !read_only_any(sm[i]))
				fail("copyback: unexpected violation");
			if (snap(sm[i]) != before)
				fail("a refused copyback changed the chain");
			free(b);
			break;
		}
		if (off + n > l) {
			sb[i] = realloc(sb[i], (size_t)(off + n) + 1);
			if (off > l)
				memset(sb[i] + l, 0, (size_t)(off - l));
			sl[i] = off + n;
		}
		memcpy(sb[i] + off, b, (size_t)n);
		free(b);
		break;
	}
	case OP_COPYBACK_COW:
		i = u8(r) & 3; off = u16(r); n = u16(r); seed = u8(r);
		if (sm[i] == NULL)
			break;
		l = sl[i];
		off %= l + 1;
		n %= l - off + 1;
		b = pattern(seed, n);
		CALL(("copyback_cow s%d off %d len %d", i, off, n),
		    m = m_copyback_cow(sm[i], off, n, b, M_DONTWAIT));
		if (m == NULL)
			fail("copyback_cow failed");
		sm[i] = m;
		memcpy(sb[i] + off, b, (size_t)n);
		free(b);
		break;
	case OP_MAKEWRITABLE: {
		const struct mbuf *x;
		int pos = 0, end, e;

		i = u8(r) & 3; off = u16(r); n = u16(r); mode = u8(r);
		if (sm[i] == NULL)
			break;
		l = sl[i];
		off %= l + 1;
		n %= l - off + 1;
		end = off + n;
		if (mode & 0x80) {
			n = M_COPYALL;
			end = l;
		}
		CALL(("makewritable s%d off %d len %d", i, off, n),
		    e = m_makewritable(&sm[i], off, n, M_DONTWAIT));
		if (e != 0)
			fail("makewritable: %d", e);
		for (x = sm[i]; x != NULL && off < end; pos += x->m_len, x = x->m_next)
			if (x->m_len > 0 && pos < end && pos + x->m_len > off &&
			    M_READONLY(x))
				fail("makewritable left a read-only mbuf");
		break;
	}
	case OP_CAT:
		i = u8(r) & 3; j = u8(r) & 3;
		if (sm[i] == NULL || sm[j] == NULL || i == j || sl[i] + sl[j] > 20000)
			break;
		CALL(("cat s%d s%d", i, j), {
			if (sm[i]->m_flags & M_PKTHDR)
				sm[i]->m_pkthdr.len += sl[j];
			if (sm[j]->m_flags & M_PKTHDR) {
				m_tag_delete_chain(sm[j], NULL);
				sm[j]->m_flags &= ~M_PKTHDR;
			}
			m_cat(sm[i], sm[j]);
		});
		sb[i] = realloc(sb[i], (size_t)(sl[i] + sl[j]) + 1);
		memcpy(sb[i] + sl[i], sb[j], (size_t)sl[j]);
		sl[i] += sl[j];
		sm[j] = NULL;
		drop(j);
		break;
	case OP_PULLDOWN: {
		int o = -1;

		i = u8(r) & 3; off = u16(r); n = u16(r) % (MCLBYTES + 64);
		if (sm[i] == NULL)
			break;
		l = sl[i];
		off %= l + 8;
		CALL(("pulldown s%d off %d len %d", i, off, n),
		    m = m_pulldown(sm[i], off, n, &o));
		if (m == NULL) {
			if (off + n <= l && n <= MCLBYTES && off < l)
				fail("pulldown failed on [%d, %d) of %d", off, off + n, l);
			sm[i] = NULL;
			drop(i);
			break;
		}
		if (off + n > l || o < 0 || o + n > m->m_len ||
		    memcmp(mtod(m, char *) + o, sb[i] + off, (size_t)n) != 0)
			fail("pulldown: region not contiguous");
		break;
	}
	case OP_COPYUP:
		i = u8(r) & 3; n = u16(r) % (MHLEN + 32); off = u8(r) % 64;
		if (sm[i] == NULL)
			break;
		CALL(("copyup s%d %d dstoff %d", i, n, off),
		    m = m_copyup(sm[i], n, off));
		if (m == NULL) {
			if (n <= sl[i] && n + off <= MHLEN)
				fail("copyup failed");
			sm[i] = NULL;
			drop(i);
			break;
		}
		if (m->m_len < n || _M_LEADINGSPACE(m) < off)
			fail("copyup: first mbuf too short or no leading space");
		sm[i] = m;
		break;
	case OP_COPYDATA:
		i = u8(r) & 3; off = u16(r); n = u16(r);
		if (sm[i] == NULL)
			break;
		l = sl[i];
		off %= l + 1;
		n %= l - off + 1;
		b = malloc((size_t)n + 1);
		CALL(("copydata s%d off %d len %d", i, off, n),
		    m_copydata(sm[i], off, n, b));
		if (memcmp(b, sb[i] + off, (size_t)n) != 0)
			fail("copydata differs");
		free(b);
		break;
	case OP_MISUSE: {
		unsigned long before;
		int v0 = violations, kind;
		static unsigned char one[1 << 16];

		i = u8(r) & 3; kind = u8(r) % 5;
		if (sm[i] == NULL)
			break;
		m = sm[i];
		l = sl[i];
		before = snap(m);
		note("misuse %d on s%d", kind, i);
		switch (kind) {
		case 0: c = m_copym(m, l + 1, 1, M_DONTWAIT); break;
		case 1: if (l + 1 <= (int)sizeof(one)) m_copydata(m, 0, l + 1, one); else violations++; break;
		case 2: c = m_copym(m, 0, -1, M_DONTWAIT); break;
		case 3: c = m_copyback_cow(m, l, 1, one, M_DONTWAIT); break;
		default: c = m_pullup(m, -1); break;
		}
		if (violations == v0)
			fail("misuse %d not detected", kind);
		if (snap(m) != before)
			fail("a violation changed the chain");
		break;
	}
	case OP_COPYPACKET:
		i = u8(r) & 3; j = u8(r) & 3;
		if (sm[i] == NULL || i == j)
			break;
		if ((sm[i]->m_flags & M_PKTHDR) == 0) {
			int v0 = violations;
			unsigned long before = snap(sm[i]);

			note("copypacket s%d (no header)", i);
			c = m_copypacket(sm[i], M_DONTWAIT);
			if (violations == v0 || c != NULL || snap(sm[i]) != before)
				fail("m_copypacket without a header was accepted");
			break;
		}
		CALL(("copypacket s%d -> s%d", i, j), c = m_copypacket(sm[i], M_DONTWAIT));
		if (c == NULL)
			fail("copypacket failed");
		b = malloc((size_t)sl[i] + 1);
		memcpy(b, sb[i], (size_t)sl[i]);
		put(j, c, b, sl[i]);
		copy_tags(j, i);
		break;
	case OP_TAG: {
		struct m_tag *t;
		int id;

		i = u8(r) & 3; id = u8(r); n = u8(r) % 32; seed = u8(r);
		if (sm[i] == NULL || (sm[i]->m_flags & M_PKTHDR) == 0 || nt[i] >= MAXTAGS)
			break;
		b = pattern(seed, n);
		CALL(("tag s%d id %d len %d", i, id, n), {
			t = m_tag_get(id, n, M_NOWAIT);
			if (t == NULL)
				fail("m_tag_get failed");
			memcpy(t + 1, b, (size_t)n);
			m_tag_prepend(sm[i], t);
		});
		memmove(&st[i][1], &st[i][0], sizeof(st[i][0]) * (size_t)nt[i]);
		st[i][0].id = id;
		st[i][0].len = n;
		memcpy(st[i][0].data, b, (size_t)n);
		nt[i]++;
		free(b);
		break;
	}
	case OP_HOSTILE: {
		int kind, sel, arg;

		i = u8(r) & 3; kind = u8(r) % NUM_HOSTILE; sel = u8(r); arg = u8(r);
		if (sm[i] != NULL)
			hostile(i, kind, sel, arg);
		break;
	}
	case OP_EXTADD: {
		i = u8(r) & 3; n = u16(r) % 4097; mode = u8(r); seed = u8(r);
		b = pattern(seed, n > 0 ? n : 1);
		CALL(("extadd s%d len %d mode %#x", i, n, mode), {
			m = m_gethdr(M_DONTWAIT, MT_DATA);
			if (m == NULL)
				fail("allocation failed");
			MEXTADD(m, b, (size_t)(n > 0 ? n : 1), M_MBUF, ext_release, NULL);
			ext_live++;
			if (mode & 1)
				m->m_flags |= M_EXT_RW;
			m->m_len = m->m_pkthdr.len = n;
		});
		{
			unsigned char *model = malloc((size_t)n + 1);

			memcpy(model, b, (size_t)n);
			put(i, m, model, n);
		}
		break;
	}
	}
}

/* a model of chain i with its bytes in sb[i] stays right after a read */
static void
check_read(int i, int off, int n, const unsigned char *got, struct mbuf *c)
{
	static unsigned char buf[1 << 16];

	if (got != NULL && memcmp(got, sb[i] + off, (size_t)n) != 0)
		fail("m_copydata past damage: bytes differ");
	if (c != NULL) {
		if ((int)m_length(c) != n || n > (int)sizeof(buf))
			fail("m_copym past damage: %d bytes, not %d",
			    (int)m_length(c), n);
		m_copydata(c, 0, n, buf);
		if (memcmp(buf, sb[i] + off, (size_t)n) != 0)
			fail("m_copym past damage: bytes differ");
	}
}

/* one OP_HOSTILE (core/fuzz_test.go: hostile) */
static void
hostile(int i, int kind, int sel, int arg)
{
	static unsigned char buf[1 << 16];
	struct mbuf *m = sm[i], *res = NULL, *ms[256], *x, *last, *freed = NULL;
	unsigned long before = snap(m);
	int v0 = violations, l = sl[i], nm = 0, o = 0, off, n, saved_len;
	char *saved_data;

	note("hostile %d s%d sel %d arg %d", kind, i, sel, arg);
	switch (kind) {
	case H_ADJ_EXTREME:
		m_adj(m, (arg & 1) ? INT_MIN : INT_MAX);
		if (violations != v0)
			fail("m_adj extreme: a violation");
		sl[i] = 0;
		return;
	case H_OVERFLOW:
		switch (arg % 6) {
		case 0: m_copydata(m, INT_MAX - 2, 8, buf); break;
		case 1: res = m_copym(m, 1, INT_MAX, M_DONTWAIT); break;
		case 2: res = m_split(m, INT_MAX, M_DONTWAIT); break;
		case 3: m_copydata(m, 0, INT_MIN, NULL); break;
		case 4: res = m_pullup(m, INT_MAX); break;
		default: res = m_pulldown(m, INT_MAX, 4, &o); break;
		}
		switch (arg % 6) {
		case 2:
			if (violations != v0 || res != NULL || snap(m) != before)
				fail("m_split at INT_MAX");
			break;
		case 4: case 5:
			if (violations != v0 || res != NULL)
				fail("m_pullup/m_pulldown of INT_MAX");
			sm[i] = NULL;	/* freed, as in 2007 */
			drop(i);
			break;
		default:
			if (violations == v0 || snap(m) != before)
				fail("overflow %d not refused", arg % 6);
		}
		return;
	case H_SELF_HEADER:
	case H_SELF_CAT:
	case H_NULL_SOURCE:
		if (kind == H_SELF_HEADER)
			m_move_pkthdr(m, m);
		else if (kind == H_SELF_CAT)
			m_cat(m, m);
		else
			m_copyback(m, 0, 1 + arg, NULL);
		if (violations == v0 || snap(m) != before)
			fail("hostile %d not refused", kind);
		return;
	}
	/* damage one mbuf (or link), read, repair */
	for (x = m; x != NULL && nm < 256; x = x->m_next)
		ms[nm++] = x;
	x = ms[sel % nm];
	last = ms[nm - 1];
	saved_len = x->m_len;
	saved_data = x->m_data;
	switch (kind) {
	case H_NEG_LEN:
		x->m_len = -1 - arg;
		break;
	case H_LONG_LEN:	/* one byte or more past the end of its buffer */
		x->m_len = (int)((x->m_flags & M_EXT) ?
		    x->m_ext.ext_buf + x->m_ext.ext_size - x->m_data :
		    (char *)x->m_dat + MLEN - x->m_data) + 1 + arg;
		break;
	case H_DATA_OUTSIDE:
		if (arg & 1)
			x->m_data = (char *)x->m_dat - 1 - arg;
		else if (x->m_flags & M_EXT)
			x->m_data = x->m_ext.ext_buf + x->m_ext.ext_size + 1 + arg;
		else
			x->m_data = (char *)x->m_dat + MLEN + 1 + arg;
		break;
	case H_CYCLE:
		last->m_next = x;
		break;
	default:
		freed = m_get(M_DONTWAIT, MT_DATA);
		m_free(freed);
		last->m_next = freed;
		break;
	}
	off = arg % (l + 1);
	n = sel % (l + 1);
	if (n > l - off)
		n = l - off;
	switch (arg % HOSTILE_READS) {
	case 0: res = m_copym(m, 0, M_COPYALL, M_DONTWAIT); break;
	case 1: m_copydata(m, off, n, buf); break;
	default: res = m_copym(m, off, n, M_DONTWAIT); break;
	}
	x->m_len = saved_len;
	x->m_data = saved_data;
	last->m_next = NULL;
	if (violations == v0 && arg % HOSTILE_READS == 0)
		fail("m_copym of a damaged chain (hostile %d) not refused", kind);
	if (snap(m) != before)
		fail("a read of a damaged chain changed it");
	if (violations == v0) {
		if (arg % HOSTILE_READS == 1)
			check_read(i, off, n, buf, NULL);
		else
			check_read(i, off, n, NULL, res);
	}
	m_freem(res);
}

/* one run of an input; the transcript goes to tr */
static void
run(const uint8_t *data, size_t size)
{
	struct rd r = { data, size, 0 };
	unsigned long drops = mbstat.m_drops, drain = mbstat.m_drain;
	int mc = MCFail, mp = MPFail, ms = MSFail;
	int i, k;

	tr->len = 0;
	tracelen = 0;
	trace[0] = '\0';
	for (k = 0; k < MAX_OPS && r.i < r.n; k++) {
		say("op %d\n", r.i < r.n ? r.b[r.i] % NUM_OPS : -1);
		step(&r);
		check();
		say_shapes();
	}
	for (i = 0; i < NSLOTS; i++) {
		if (sm[i] != NULL)
			m_freem(sm[i]);
		drop(i);
	}
	if ((k = mbuf_leak_count()) != 0) {
		mbuf_leak_report(stderr);
		fail("%d objects left after the run", k);
	}
	if (ext_live != 0)
		fail("%d MEXTADD buffers never released", ext_live);
	mbuf_stats_sync();
	say("drops %+ld drain %+ld MCFail %+d MPFail %+d MSFail %+d\n",
	    (long)(mbstat.m_drops - drops), (long)(mbstat.m_drain - drain),
	    MCFail - mc, MPFail - mp, MSFail - ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i;

	mbuf_set_panic_handler(handler);
	tr = &runs[0];
	mbuf_set_fastpath(1);
	run(data, size);
	tr = &runs[1];
	mbuf_set_fastpath(0);
	run(data, size);
	mbuf_set_fastpath(1);
	if (runs[0].len != runs[1].len ||
	    memcmp(runs[0].text, runs[1].text, runs[0].len) != 0) {
		for (i = 0; i < runs[0].len && i < runs[1].len &&
		    runs[0].text[i] == runs[1].text[i]; i++)
			;
		while (i > 0 && runs[0].text[i - 1] != '\n')
			i--;
		fail("the fast paths and the core differ; from there:\n"
		    "--- fast paths on:\n%.800s\n--- off:\n%.800s",
		    runs[0].text + i, runs[1].text + i);
	}
	return 0;
}
