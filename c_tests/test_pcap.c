/*
 * Capture files on chains (mbuf_pcap_*): chains of every shape written as
 * pcap and pcapng (microseconds and nanoseconds, on a stdio stream and on
 * a descriptor), read back by every reader (stdio, mmap, memory, chain,
 * copied and zero copy) and compared byte for byte; the zero-copy
 * storage's lifetime; hand-made files (both byte orders, several sections
 * and interfaces, every packet block, timestamp resolutions); every
 * truncation and thousands of bit flips of valid files (an error or a
 * clean end, never a crash, nothing leaked); out of mbufs; write errors;
 * violations.  libpcap reads what we write, and we read what libpcap
 * writes, with the same bytes, lengths and times.
 */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include "testutil.h"

static char dir[64];
static int under_valgrind;

/* ---- chains and their bytes ----------------------------------------------- */

static void
static_ext_free(struct mbuf *m, void *buf, size_t size, void *arg)
{
	(void)buf;
	(void)size;
	(void)arg;
	pool_cache_put(mb_cache, m);
}

static unsigned char ext_area[4096];

/*
 * A chain of n pieces of len[i] bytes (len[i] < 0: an empty mbuf), bytes
 * counting from seed: plain mbufs, clusters beyond MLEN, and every fifth
 * piece external storage in ext_area.  hdr: the first is a packet header.
 */
static struct mbuf *
chain_of(const int *len, int n, unsigned seed, int hdr, unsigned char *flat,
    int *flatlen)
{
	struct mbuf *top = NULL, **mp = &top, *m;
	int i, j, total = 0, l, ext_off = 0;

	for (i = 0; i < n; i++) {
		l = len[i] < 0 ? 0 : len[i];
		if (i % 5 == 4 && l > 0 && ext_off + l <= (int)sizeof(ext_area)) {
			m = (i == 0 && hdr) ? m_gethdr(M_DONTWAIT, MT_DATA) :
			    m_get(M_DONTWAIT, MT_DATA);
			MEXTADD(m, ext_area + ext_off, (size_t)l, NULL,
			    static_ext_free, NULL);
			ext_off += l;
		} else if (l > MLEN)
			m = m_getcl(M_DONTWAIT, MT_DATA,
			    i == 0 && hdr ? M_PKTHDR : 0);
		else
			m = i == 0 && hdr ? m_gethdr(M_DONTWAIT, MT_DATA) :
			    m_get(M_DONTWAIT, MT_DATA);
		CHECK(m != NULL);
		if (m == NULL)
			break;
		for (j = 0; j < l; j++)
			flat[total + j] = mtod(m, unsigned char *)[j] =
			    (unsigned char)(seed * 7 + total + j);
		m->m_len = l;
		total += l;
		*mp = m;
		mp = &m->m_next;
	}
	if (top != NULL && hdr)
		top->m_pkthdr.len = total;
	*flatlen = total;
	return top;
}

/* the bytes of chain m (pkthdr.len agrees with the m_len sum) */
static int
chain_bytes(const struct mbuf *m, unsigned char *buf, int max)
{
	int n = 0;

	if (m == NULL || !(m->m_flags & M_PKTHDR))
		return -1;
	for (const struct mbuf *p = m; p != NULL; p = p->m_next) {
		if (n + p->m_len > max)
			return -1;
		memcpy(buf + n, mtod(p, const void *), (size_t)p->m_len);
		n += p->m_len;
	}
	return n == m->m_pkthdr.len ? n : -1;
}

/* ---- what was written ------------------------------------------------------ */

#define	MAXREC		32
#define	MAXBYTES	20000

struct rec {
	unsigned char	data[MAXBYTES];
	int		len;		/* the chain's length */
	struct mbuf_pcap_pkthdr h;
};
static struct rec recs[MAXREC];
static int nrecs;

/* the shapes: lengths of the pieces (-1: an empty mbuf) */
static const int shape_lens[][72] = {
	{ 0 },					/* an empty packet */
	{ 1 },
	{ 60 },
	{ MHLEN },
	{ 14, 20, 8, 100 },
	{ 40, MCLBYTES, 7 },
	{ 3, -1, 5, -1, -1, 9 },		/* empty mbufs inside */
	{ 1500, 1500, 1500, 1500, 1500, 1500, 1500, 1500, 1500, 1500,
	  1500, 1500, 1500 },			/* 19500 bytes */
	{ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
	  19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
	  35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50,
	  51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66,
	  67, 68, 69, 70 },			/* 70 pieces: more than 64 */
};
static const int shape_n[] = { 1, 1, 1, 1, 4, 3, 6, 13, 70 };
#define	NSHAPES	((int)(sizeof(shape_n) / sizeof(shape_n[0])))

/*
 * Write every shape (and a chain without a packet header) through d,
 * remembering what the file must hold; snaplen cuts the records.
 */
static void
write_shapes(struct mbuf_pcap_dumper *d, int flags, uint32_t snaplen)
{
	struct mbuf *m;
	int i, rc;

	nrecs = 0;
	for (i = 0; i <= NSHAPES; i++) {
		struct rec *r = &recs[nrecs++];

		if (i < NSHAPES)
			m = chain_of(shape_lens[i], shape_n[i], (unsigned)i, 1,
			    r->data, &r->len);
		else
			m = chain_of(shape_lens[4], shape_n[4], 99, 0, r->data,
			    &r->len);
		memset(&r->h, 0, sizeof(r->h));
		r->h.ts_sec = 1700000000 + i;
		r->h.ts_nsec = (uint32_t)(123456789u * (unsigned)(i + 1)) %
		    1000000000u;
		/* a wire length above the chain's is kept, below is raised */
		r->h.len = i == 2 ? 1514 : i == 3 ? 1 : 0;
		r->h.flags = (flags & MBUF_PCAP_NG) && i % 3 == 1 ?
		    0x1u + (unsigned)i : 0;
		rc = mbuf_pcap_dump(d, m, &r->h);
		CHECK_EQ(rc, 0);
		/* what a reader must report */
		if (r->h.len < (uint32_t)r->len)
			r->h.len = (uint32_t)r->len;
		r->h.caplen = (uint32_t)r->len < snaplen ? (uint32_t)r->len :
		    snaplen;
		if (!(flags & MBUF_PCAP_NSEC))
			r->h.ts_nsec -= r->h.ts_nsec % 1000;
		m_freem(m);
	}
}

/* read every record of r and compare with recs[]; returns the count */
static int
check_records(struct mbuf_pcap_reader *r, int linktype, const char *what)
{
	static unsigned char buf[MBUF_PCAP_SNAPLEN_MAX];
	struct mbuf_pcap_pkthdr h;
	struct mbuf *m;
	int n = 0, rc, len, bad = 0;

	while ((rc = mbuf_pcap_next(r, &m, &h)) == 1) {
		const struct rec *w = &recs[n < nrecs ? n : nrecs - 1];

		len = chain_bytes(m, buf, (int)sizeof(buf));
		if (n >= nrecs || len != (int)w->h.caplen ||
		    memcmp(buf, w->data, (size_t)len) != 0 ||
		    h.caplen != w->h.caplen || h.len != w->h.len ||
		    h.ts_sec != w->h.ts_sec || h.ts_nsec != w->h.ts_nsec ||
		    h.linktype != linktype || h.flags != w->h.flags ||
		    h.ifindex != 0) {
			if (bad++ == 0)
				fprintf(stderr, "%s: record %d differs: len %d "
				    "caplen %u/%u len %u/%u ts %lld.%09u/%lld.%09u "
				    "linktype %d flags %#x/%#x\n", what, n, len,
				    h.caplen, w->h.caplen, h.len, w->h.len,
				    (long long)h.ts_sec, h.ts_nsec,
				    (long long)w->h.ts_sec, w->h.ts_nsec,
				    h.linktype, h.flags, w->h.flags);
		}
		m_freem(m);
		n++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(rc, 0);
	if (rc != 0)
		fprintf(stderr, "%s: %s\n", what, mbuf_pcap_geterr(r));
	CHECK(m == NULL);
	/* the end stays the end */
	CHECK_EQ(mbuf_pcap_next(r, &m, &h), 0);
	return n;
}

static void *
file_contents(const char *path, size_t *len)
{
	struct stat st;
	void *buf;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0);
	CHECK_EQ(fstat(fd, &st), 0);
	*len = (size_t)st.st_size;
	buf = malloc(*len + 1);
	CHECK_EQ(read(fd, buf, *len), (long long)*len);
	close(fd);
	return buf;
}

static int released;
static void count_release(void *arg) { released += *(int *)arg; }
static void free_release(void *arg) { free(arg); }

/* every reader over the file at path holds recs[] */
static void
read_back_every_way(const char *path, int linktype, int snaplen, int flags)
{
	struct mbuf_pcap_reader *r;
	char errbuf[MBUF_PCAP_ERRBUF_SIZE], what[160];
	size_t len;
	void *buf;
	FILE *fp;
	int zc, one = 1;

	for (zc = 0; zc <= MBUF_PCAP_ZEROCOPY; zc += MBUF_PCAP_ZEROCOPY) {
		snprintf(what, sizeof(what), "%s open_offline %s", path,
		    zc ? "zero copy" : "copy");
		r = mbuf_pcap_open_offline(path, zc, errbuf);
		CHECK(r != NULL);
		if (r == NULL) {
			fprintf(stderr, "%s: %s\n", what, errbuf);
			continue;
		}
		CHECK_EQ(mbuf_pcap_datalink(r), linktype);
		CHECK_EQ(mbuf_pcap_snapshot(r), snaplen);
		CHECK_EQ(mbuf_pcap_format(r), flags);
		CHECK_EQ(check_records(r, linktype, what), nrecs);
		mbuf_pcap_close(r);

		snprintf(what, sizeof(what), "%s fopen_offline %s", path,
		    zc ? "zero copy" : "copy");
		fp = fopen(path, "rb");
		r = mbuf_pcap_fopen_offline(fp, zc, errbuf);
		CHECK(r != NULL);
		if (r != NULL) {
			CHECK_EQ(check_records(r, linktype, what), nrecs);
			mbuf_pcap_close(r);
		}
		fclose(fp);

		snprintf(what, sizeof(what), "%s open_mem %s", path,
		    zc ? "zero copy" : "copy");
		buf = file_contents(path, &len);
		released = 0;
		r = mbuf_pcap_open_mem(buf, len, zc, count_release, &one,
		    errbuf);
		CHECK(r != NULL);
		if (r != NULL) {
			CHECK_EQ(check_records(r, linktype, what), nrecs);
			CHECK_EQ(released, 0);
			mbuf_pcap_close(r);
		}
		CHECK_EQ(released, 1);
		free(buf);

		snprintf(what, sizeof(what), "%s open_mbuf %s", path,
		    zc ? "zero copy" : "copy");
		buf = file_contents(path, &len);
		r = mbuf_pcap_open_mbuf(mbuf_packet_from_bytes(buf, (int)len,
		    M_DONTWAIT), zc, errbuf);
		CHECK(r != NULL);
		if (r != NULL) {
			CHECK_EQ(check_records(r, linktype, what), nrecs);
			mbuf_pcap_close(r);
		}
		free(buf);
	}
}

/* write the shapes in each format to a stream and to a descriptor */
static void
test_round_trips(void)
{
	static const int formats[] = { 0, MBUF_PCAP_NSEC, MBUF_PCAP_NG,
	    MBUF_PCAP_NG | MBUF_PCAP_NSEC };
	static const int snaplens[] = { 0, 1000, 60 };
	struct mbuf_pcap_dumper *d;
	char path[128], path2[128];
	size_t l1, l2;
	void *b1, *b2;
	int f, s, fd, snap;
	FILE *fp;

	for (f = 0; f < 4; f++)
		for (s = 0; s < 3; s++) {
			snap = snaplens[s] != 0 ? snaplens[s] :
			    MBUF_PCAP_SNAPLEN_MAX;
			snprintf(path, sizeof(path), "%s/stream-%d-%d.pcap",
			    dir, f, s);
			fp = fopen(path, "wb");
			d = mbuf_pcap_dump_open(fp, MBUF_PCAP_LINKTYPE_ETHERNET,
			    snaplens[s], formats[f]);
			CHECK(d != NULL);
			write_shapes(d, formats[f], (uint32_t)snap);
			CHECK_EQ(mbuf_pcap_dump_close(d), 0);
			fclose(fp);
			read_back_every_way(path, MBUF_PCAP_LINKTYPE_ETHERNET,
			    snap, formats[f]);

			/* the same through writev: the same file */
			snprintf(path2, sizeof(path2), "%s/fd-%d-%d.pcap", dir,
			    f, s);
			fd = open(path2, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			d = mbuf_pcap_dump_fdopen(fd, MBUF_PCAP_LINKTYPE_ETHERNET,
			    snaplens[s], formats[f]);
			CHECK(d != NULL);
			write_shapes(d, formats[f], (uint32_t)snap);
			CHECK_EQ(mbuf_pcap_dump_flush(d), 0);
			CHECK_EQ(mbuf_pcap_dump_close(d), 0);
			close(fd);
			b1 = file_contents(path, &l1);
			b2 = file_contents(path2, &l2);
			CHECK(l1 == l2 && memcmp(b1, b2, l1) == 0);
			free(b1);
			free(b2);
			unlink(path2);
		}
}

/* reader -> dumper with the reader's own format gives the same file */
static void
test_copy_is_identical(void)
{
	char in[128], out[128], errbuf[MBUF_PCAP_ERRBUF_SIZE];
	struct mbuf_pcap_dumper *d;
	struct mbuf_pcap_reader *r;
	struct mbuf_pcap_pkthdr h;
	struct mbuf *m;
	size_t l1, l2;
	void *b1, *b2;
	int f, n;
	FILE *fp;

	for (f = 0; f < 4; f++) {
		snprintf(in, sizeof(in), "%s/stream-%d-1.pcap", dir, f);
		snprintf(out, sizeof(out), "%s/copy.pcap", dir);
		r = mbuf_pcap_open_offline(in, MBUF_PCAP_ZEROCOPY, errbuf);
		CHECK(r != NULL);
		if (r == NULL)
			continue;
		fp = fopen(out, "wb");
		d = mbuf_pcap_dump_open(fp, mbuf_pcap_datalink(r),
		    mbuf_pcap_snapshot(r), mbuf_pcap_format(r));
		for (n = 0; mbuf_pcap_next(r, &m, &h) == 1; n++) {
			CHECK_EQ(mbuf_pcap_dump(d, m, &h), 0);
			m_freem(m);
		}
		CHECK_EQ(n, NSHAPES + 1);
		mbuf_pcap_close(r);
		CHECK_EQ(mbuf_pcap_dump_close(d), 0);
		fclose(fp);
		b1 = file_contents(in, &l1);
		b2 = file_contents(out, &l2);
		CHECK(l1 == l2 && memcmp(b1, b2, l1) == 0);
		free(b1);
		free(b2);
	}
}

/* ---- zero copy: the records are the capture's bytes, kept alive --------- */

/* two readers give the same records */
static void
same_records(struct mbuf_pcap_reader *a, struct mbuf_pcap_reader *b,
    const char *what)
{
	static unsigned char ba[MBUF_PCAP_SNAPLEN_MAX], bb[MBUF_PCAP_SNAPLEN_MAX];
	struct mbuf_pcap_pkthdr ha, hb;
	struct mbuf *ma, *mb;
	int ra, rb, n = 0, bad = 0;

	do {
		ra = mbuf_pcap_next(a, &ma, &ha);
		rb = mbuf_pcap_next(b, &mb, &hb);
		if (ra != rb) {
			bad++;
			break;
		}
		if (ra == 1) {
			n++;
			if (memcmp(&ha, &hb, sizeof(ha)) != 0 ||
			    chain_bytes(ma, ba, sizeof(ba)) != (int)ha.caplen ||
			    chain_bytes(mb, bb, sizeof(bb)) != (int)ha.caplen ||
			    memcmp(ba, bb, ha.caplen) != 0)
				bad++;
		}
		m_freem(ma);
		m_freem(mb);
	} while (ra == 1);
	if (bad != 0 || ra != 0)
		fprintf(stderr, "%s: %d records, %d differ, end %d/%d: %s\n",
		    what, n, bad, ra, rb, mbuf_pcap_geterr(b));
	CHECK_EQ(bad, 0);
	CHECK_EQ(ra, 0);
	CHECK_EQ(n, NSHAPES + 1);
}


static void *
free_in_thread(void *arg)
{
	m_freem(arg);
	return NULL;
}

static void
test_zero_copy_lifetime(void)
{
	char path[128], errbuf[MBUF_PCAP_ERRBUF_SIZE];
	struct mbuf_pcap_reader *r, *r2;
	struct mbuf *m[MAXREC], *c;
	unsigned char *buf;
	size_t len;
	int n, i, one = 1;
	pthread_t t;

	snprintf(path, sizeof(path), "%s/stream-2-0.pcap", dir);
	buf = file_contents(path, &len);

	/* closed first: the storage goes with the last record */
	released = 0;
	r = mbuf_pcap_open_mem(buf, len, MBUF_PCAP_ZEROCOPY, count_release,
	    &one, errbuf);
	CHECK(r != NULL);
	for (n = 0; n < MAXREC && mbuf_pcap_next(r, &m[n], NULL) == 1; n++) {
		if (m[n]->m_len == 0)
			continue;
		/* the record's data is in buf: nothing was copied */
		CHECK((m[n]->m_flags & M_EXT) != 0);
		CHECK(mtod(m[n], unsigned char *) >= buf &&
		    mtod(m[n], unsigned char *) + m[n]->m_len <= buf + len);
		CHECK(M_READONLY(m[n]));
		CHECK(m[n]->m_next == NULL);
	}
	CHECK_EQ(n, NSHAPES + 1);
	mbuf_pcap_close(r);
	CHECK_EQ(released, 0);
	/* a copy shares the storage; writing copies what changes */
	c = m_copym(m[7], 0, M_COPYALL, M_DONTWAIT);
	CHECK(c != NULL);
	CHECK_EQ(m_makewritable(&c, 0, 4, M_DONTWAIT), 0);
	mtod(c, unsigned char *)[0] ^= 0xff;
	CHECK(mtod(m[7], unsigned char *)[0] != mtod(c, unsigned char *)[0]);
	CHECK_EQ(released, 0);
	c = m_copyback_cow(c, 100, 4, "ABCD", M_DONTWAIT);
	CHECK(c != NULL);
	{
		unsigned char a[4], b[4];

		m_copydata(c, 100, 4, a);
		m_copydata(m[7], 100, 4, b);
		CHECK(memcmp(a, "ABCD", 4) == 0 && memcmp(b, "ABCD", 4) != 0);
	}
	for (i = 0; i < n; i++)
		if (i != 7 && i != 5) {
			m_freem(m[i]);
			CHECK_EQ(released, 0);
		}
	m_freem(m[7]);
	CHECK_EQ(released, 0);		/* c still refers to it */
	m_freem(c);
	CHECK_EQ(released, 0);
	/* the last reference, dropped on another thread */
	CHECK_EQ(pthread_create(&t, NULL, free_in_thread, m[5]), 0);
	pthread_join(t, NULL);
	CHECK_EQ(released, 1);

	/* records freed first: the storage goes with the reader */
	released = 0;
	r = mbuf_pcap_open_mem(buf, len, MBUF_PCAP_ZEROCOPY, count_release,
	    &one, errbuf);
	for (n = 0; mbuf_pcap_next(r, &m[0], NULL) == 1; n++)
		m_freem(m[0]);
	CHECK_EQ(n, NSHAPES + 1);
	CHECK_EQ(released, 0);
	mbuf_pcap_close(r);
	CHECK_EQ(released, 1);

	/* copy mode: nothing refers to buf after next() */
	released = 0;
	r = mbuf_pcap_open_mem(buf, len, 0, count_release, &one, errbuf);
	CHECK_EQ(mbuf_pcap_next(r, &m[0], NULL), 1);
	CHECK_EQ(mbuf_pcap_next(r, &m[1], NULL), 1);
	CHECK(!(m[1]->m_flags & M_EXT) || !M_READONLY(m[1]));
	mbuf_pcap_close(r);
	CHECK_EQ(released, 1);
	m_freem(m[0]);
	m_freem(m[1]);

	/* a failed open releases the buffer too (the reader owned it) */
	released = 0;
	CHECK(mbuf_pcap_open_mem("nonsense", 8, 0, count_release, &one,
	    errbuf) == NULL);
	CHECK_EQ(errno, EBADMSG);
	CHECK(strstr(errbuf, "not a pcap") != NULL);
	CHECK_EQ(released, 1);

	/* a chain of several pieces as the capture (copied into one) */
	{
		int lens[] = { 7, 100, 2000, 13 }, k = 0, total = 0;
		struct mbuf *cap = NULL, **mp = &cap, *p;

		while (total < (int)len) {
			int l = lens[k++ % 4];

			if (l > (int)len - total)
				l = (int)len - total;
			p = m_getcl(M_DONTWAIT, MT_DATA, cap ? 0 : M_PKTHDR);
			memcpy(mtod(p, void *), buf + total, (size_t)l);
			p->m_len = l;
			total += l;
			*mp = p;
			mp = &p->m_next;
		}
		cap->m_pkthdr.len = total;
		r = mbuf_pcap_open_mbuf(cap, MBUF_PCAP_ZEROCOPY, errbuf);
		r2 = mbuf_pcap_open_mem(buf, len, 0, NULL, NULL, errbuf);
		CHECK(r != NULL && r2 != NULL);
		same_records(r2, r, "open_mbuf of a chain");
		mbuf_pcap_close(r);
		mbuf_pcap_close(r2);
	}

	/* the mapped file: a record outlives its reader */
	r = mbuf_pcap_open_offline(path, MBUF_PCAP_ZEROCOPY, errbuf);
	for (i = 0; i < 3; i++) {
		if (i > 0)
			m_freem(m[0]);
		CHECK_EQ(mbuf_pcap_next(r, &m[0], NULL), 1);
	}
	mbuf_pcap_close(r);
	CHECK_EQ(m[0]->m_len, 60);
	CHECK_EQ(mtod(m[0], unsigned char *)[59], (unsigned char)(2 * 7 + 59));
	m_freem(m[0]);

	/* buf handed over with free() as its release */
	r = mbuf_pcap_open_mem(buf, len, MBUF_PCAP_ZEROCOPY, free_release, buf,
	    errbuf);
	CHECK_EQ(mbuf_pcap_next(r, &m[0], NULL), 1);
	mbuf_pcap_close(r);
	m_freem(m[0]);
}

/* ---- hand-made files --------------------------------------------------------- */

struct out {
	unsigned char	b[4096];
	size_t		n;
	int		swap;
};

static void
put(struct out *o, const void *p, size_t n)
{
	if (n > 0)
		memcpy(o->b + o->n, p, n);
	o->n += n;
}
static void
put16(struct out *o, uint16_t v)
{
	v = o->swap ? __builtin_bswap16(v) : v;
	put(o, &v, 2);
}
static void
put32(struct out *o, uint32_t v)
{
	v = o->swap ? __builtin_bswap32(v) : v;
	put(o, &v, 4);
}
static void
put64(struct out *o, uint64_t v)
{
	v = o->swap ? __builtin_bswap64(v) : v;
	put(o, &v, 8);
}
static void
put_opt(struct out *o, uint16_t code, const void *val, uint16_t len)
{
	static const unsigned char zero[4];

	put16(o, code);
	put16(o, len);
	put(o, val, len);
	put(o, zero, (4 - (len & 3)) & 3);
}
/* open a block: returns where its length goes */
static size_t
block_begin(struct out *o, uint32_t type)
{
	size_t at = o->n;

	put32(o, type);
	put32(o, 0);
	return at;
}
static void
block_end(struct out *o, size_t at)
{
	uint32_t total = (uint32_t)(o->n + 4 - at);

	total = o->swap ? __builtin_bswap32(total) : total;
	memcpy(o->b + at + 4, &total, 4);
	put(o, &total, 4);
}
static void
shb(struct out *o)
{
	size_t at = block_begin(o, 0x0a0d0d0a);

	put32(o, 0x1a2b3c4d);
	put16(o, 1);
	put16(o, 0);
	put64(o, UINT64_MAX);
	put_opt(o, 3, "testos", 6);	/* shb_os */
	put_opt(o, 0, NULL, 0);
	block_end(o, at);
}
static void
idb(struct out *o, uint16_t linktype, uint32_t snaplen, int tsresol,
    int64_t tsoffset)
{
	size_t at = block_begin(o, 1);
	unsigned char r = (unsigned char)tsresol;
	uint64_t off = (uint64_t)tsoffset;

	put16(o, linktype);
	put16(o, 0);
	put32(o, snaplen);
	put_opt(o, 2, "eth0", 4);	/* if_name */
	if (tsresol >= 0)
		put_opt(o, 9, &r, 1);
	if (tsoffset != 0) {
		off = o->swap ? __builtin_bswap64(off) : off;
		put_opt(o, 14, &off, 8);
	}
	block_end(o, at);
}
static void
epb(struct out *o, uint32_t ifid, uint64_t ts, const char *data,
    uint32_t caplen, uint32_t len, uint32_t flags)
{
	static const unsigned char zero[4];
	size_t at = block_begin(o, 6);
	uint32_t f = o->swap ? __builtin_bswap32(flags) : flags;

	put32(o, ifid);
	put32(o, (uint32_t)(ts >> 32));
	put32(o, (uint32_t)ts);
	put32(o, caplen);
	put32(o, len);
	put(o, data, caplen);
	put(o, zero, (4 - (caplen & 3)) & 3);
	if (flags != 0) {
		put_opt(o, 2, &f, 4);
		put_opt(o, 0, NULL, 0);
	}
	block_end(o, at);
}

/* the next record is (ifindex, linktype, caplen, len, sec, nsec, data) */
static void
expect(struct mbuf_pcap_reader *r, uint32_t ifindex, int linktype,
    uint32_t caplen, uint32_t len, int64_t sec, uint32_t nsec, uint32_t flags,
    const char *data)
{
	unsigned char buf[256];
	struct mbuf_pcap_pkthdr h;
	struct mbuf *m;
	int rc = mbuf_pcap_next(r, &m, &h);

	CHECK_EQ(rc, 1);
	if (rc != 1) {
		fprintf(stderr, "  %s\n", mbuf_pcap_geterr(r));
		return;
	}
	CHECK_EQ(h.ifindex, ifindex);
	CHECK_EQ(h.linktype, linktype);
	CHECK_EQ(h.caplen, caplen);
	CHECK_EQ(h.len, len);
	CHECK_EQ(h.ts_sec, sec);
	CHECK_EQ(h.ts_nsec, nsec);
	CHECK_EQ(h.flags, flags);
	CHECK_EQ(chain_bytes(m, buf, sizeof(buf)), (int)caplen);
	CHECK(memcmp(buf, data, caplen) == 0);
	m_freem(m);
}

static void
test_handmade_pcapng(void)
{
	char errbuf[MBUF_PCAP_ERRBUF_SIZE];
	struct mbuf_pcap_reader *r;
	struct mbuf *m;
	struct out o;
	size_t at;
	int sw, zc;

	for (sw = 0; sw <= 1; sw++)
		for (zc = 0; zc <= MBUF_PCAP_ZEROCOPY; zc += MBUF_PCAP_ZEROCOPY) {
			memset(&o, 0, sizeof(o));
			o.swap = sw;
			/* section 1: a name block first, two interfaces */
			shb(&o);
			at = block_begin(&o, 4);	/* name resolution */
			put_opt(&o, 0, NULL, 0);
			block_end(&o, at);
			idb(&o, 1, 0, 3, 0);		/* milliseconds */
			idb(&o, 101, 64, 0x8a, 1000);	/* 2^-10 s, +1000 s */
			epb(&o, 0, 1700000000123ull, "abcde", 5, 60, 0);
			epb(&o, 1, (5ull << 10) | 512, "ip!", 3, 3, 2);
			at = block_begin(&o, 5);	/* interface statistics */
			put32(&o, 0);
			put64(&o, 0);
			block_end(&o, at);
			at = block_begin(&o, 3);	/* simple packet, iface 0 */
			put32(&o, 4);
			put(&o, "wxyz", 4);
			block_end(&o, at);
			at = block_begin(&o, 2);	/* obsolete packet block */
			put16(&o, 1);
			put16(&o, 0);
			put32(&o, 0);
			put32(&o, 1024);
			put32(&o, 2);
			put32(&o, 9);
			put(&o, "pb\0\0", 4);
			block_end(&o, at);
			at = block_begin(&o, 0x40000bad);	/* custom */
			put32(&o, 12345);
			block_end(&o, at);
			/* section 2, the other byte order: new interfaces */
			o.swap = !sw;
			shb(&o);
			idb(&o, 113, 3, 9, 0);		/* ns, snaplen 3 */
			epb(&o, 0, 2000000000123456789ull, "sll", 3, 40, 0);
			at = block_begin(&o, 3);	/* cut at the snaplen */
			put32(&o, 10);
			put(&o, "0123456789\0\0", 12);
			block_end(&o, at);
			idb(&o, 228, 0, 0x13, 0);	/* 10^-19 s */
			epb(&o, 1, UINT64_MAX, "", 0, 0, 0);

			r = mbuf_pcap_open_mem(o.b, o.n, zc, NULL, NULL, errbuf);
			CHECK(r != NULL);
			if (r == NULL) {
				fprintf(stderr, "handmade: %s\n", errbuf);
				continue;
			}
			CHECK_EQ(mbuf_pcap_datalink(r), 1);
			CHECK_EQ(mbuf_pcap_snapshot(r), 0);
			CHECK_EQ(mbuf_pcap_format(r), MBUF_PCAP_NG);
			expect(r, 0, 1, 5, 60, 1700000000, 123000000, 0, "abcde");
			expect(r, 1, 101, 3, 3, 1005, 500000000, 2, "ip!");
			expect(r, 0, 1, 4, 4, 0, 0, 0, "wxyz");
			expect(r, 1, 101, 2, 9, 1001, 0, 0, "pb");
			expect(r, 0, 113, 3, 40, 2000000000, 123456789, 0, "sll");
			expect(r, 0, 113, 3, 10, 0, 0, 0, "012");
			/* 2^64-1 units of 10^-19 s: 1.8446744073709551615 s */
			expect(r, 1, 228, 0, 0, 1, 844674407, 0, "");
			CHECK_EQ(mbuf_pcap_next(r, &m, NULL), 0);
			mbuf_pcap_close(r);
		}
}

/* binary fractions finer than 2^-33 take the two-halves path */
static void
test_binary_resolutions(void)
{
	char errbuf[MBUF_PCAP_ERRBUF_SIZE];
	struct mbuf_pcap_reader *r;
	struct out o;

	memset(&o, 0, sizeof(o));
	shb(&o);
	idb(&o, 1, 0, 0x80 | 40, 0);			/* 2^-40 s */
	idb(&o, 1, 0, 0x80 | 63, -5);			/* 2^-63 s, -5 s */
	idb(&o, 1, 0, 0x80 | 0, 0);			/* seconds */
	idb(&o, 1, 0, 9, 0);
	epb(&o, 0, (3ull << 40) | (1ull << 39) | (1ull << 20), "a", 1, 1, 0);
	epb(&o, 1, UINT64_MAX, "b", 1, 1, 0);
	epb(&o, 2, 77, "c", 1, 1, 0);
	epb(&o, 3, 999999999ull, "d", 1, 1, 0);
	r = mbuf_pcap_open_mem(o.b, o.n, 0, NULL, NULL, errbuf);
	CHECK(r != NULL);
	if (r == NULL)
		return;
	/* 2^-20 s is 953.67 ns */
	expect(r, 0, 1, 1, 1, 3, 500000953, 0, "a");
	/* (2^63-1) / 2^63 s, and 1 s: 2 s - 1 ns, then -5 s */
	expect(r, 1, 1, 1, 1, -4, 999999999, 0, "b");
	expect(r, 2, 1, 1, 1, 77, 0, 0, "c");
	expect(r, 3, 1, 1, 1, 0, 999999999, 0, "d");
	CHECK_EQ(mbuf_pcap_format(r), MBUF_PCAP_NG | MBUF_PCAP_NSEC);
	mbuf_pcap_close(r);
}

/* broken pcapng files: each one an error with its reason */
static void
test_broken_pcapng(void)
{
	char errbuf[MBUF_PCAP_ERRBUF_SIZE];
	struct mbuf_pcap_reader *r;
	struct mbuf *m;
	struct out o;
	size_t at;
	uint32_t bad;
	int i;
	static const char *const why[] = {
		"interface 5, but 2 described",	/* 0 */
		"lengths 36 and 40 differ",	/* 1 */
		"bad byte-order magic",		/* 2 */
		"version 2.0",			/* 3 */
		"if_tsresol 0x14 not supported",	/* 4 */
		"bad length 30",		/* 5 */
		"no interface described",	/* 6 */
		"broken options",		/* 7: an option past its block */
		"broken options",		/* 8: the same in a packet */
		"8 bytes captured, 4 in the block",	/* 9 */
		"interface 0, but 0 described",	/* 10: a new section */
		"bad length 16777228",		/* 11 */
		"too short",			/* 12: an EPB of 16 bytes */
	};

	for (i = 0; i < (int)(sizeof(why) / sizeof(why[0])); i++) {
		memset(&o, 0, sizeof(o));
		shb(&o);
		if (i != 6)
			idb(&o, 1, 0, i == 4 ? 20 : -1, 0);
		switch (i) {
		case 0:
			idb(&o, 1, 0, -1, 0);
			epb(&o, 5, 0, "x", 1, 1, 0);
			break;
		case 1:
			epb(&o, 0, 0, "x", 1, 1, 0);
			bad = 40;
			memcpy(o.b + o.n - 4, &bad, 4);
			break;
		case 2:
			at = o.n;
			shb(&o);
			bad = 0x12345678;
			memcpy(o.b + at + 8, &bad, 4);
			break;
		case 3:
			at = o.n;
			shb(&o);
			o.b[at + 12] = 2;
			break;
		case 4:
			break;
		case 5:
			epb(&o, 0, 0, "x", 1, 1, 0);
			bad = 30;
			memcpy(o.b + o.n - 36 + 4, &bad, 4);
			break;
		case 6:
			at = block_begin(&o, 3);
			put32(&o, 1);
			put(&o, "s\0\0\0", 4);
			block_end(&o, at);
			break;
		case 7:
			at = block_begin(&o, 1);
			put16(&o, 1);
			put16(&o, 0);
			put32(&o, 0);
			put16(&o, 9);
			put16(&o, 5);		/* 5 bytes, 4 there */
			put32(&o, 9);
			block_end(&o, at);
			break;
		case 8:
			at = block_begin(&o, 6);
			put32(&o, 0);
			put64(&o, 0);
			put32(&o, 0);
			put32(&o, 0);
			put16(&o, 2);
			put16(&o, 8);
			put32(&o, 1);
			block_end(&o, at);
			break;
		case 9:
			at = block_begin(&o, 6);
			put32(&o, 0);
			put64(&o, 0);
			put32(&o, 8);
			put32(&o, 8);
			put32(&o, 0);
			block_end(&o, at);
			break;
		case 10:
			shb(&o);
			epb(&o, 0, 0, "x", 1, 1, 0);
			break;
		case 11:
			at = block_begin(&o, 6);
			put32(&o, 0);
			block_end(&o, at);
			bad = 16777228;
			memcpy(o.b + at + 4, &bad, 4);
			break;
		case 12:
			at = block_begin(&o, 6);
			put32(&o, 0);
			block_end(&o, at);
			break;
		}
		r = mbuf_pcap_open_mem(o.b, o.n, 0, NULL, NULL, errbuf);
		if (r != NULL) {
			CHECK_EQ(mbuf_pcap_next(r, &m, NULL), -1);
			CHECK_EQ(errno, EBADMSG);
			m_freem(m);
			snprintf(errbuf, sizeof(errbuf), "%s",
			    mbuf_pcap_geterr(r));
			mbuf_pcap_close(r);
		} else
			CHECK_EQ(errno, EBADMSG);
		if (strstr(errbuf, why[i]) == NULL) {
			fprintf(stderr, "broken pcapng %d: \"%s\", wanted "
			    "\"%s\"\n", i, errbuf, why[i]);
			CHECK(0);
		}
	}
}

/* classic pcap written big-endian on this little-endian host */
static void
test_swapped_pcap(void)
{
	char errbuf[MBUF_PCAP_ERRBUF_SIZE];
	struct mbuf_pcap_reader *r;
	struct mbuf *m;
	struct out o;
	int ns;

	for (ns = 0; ns <= 1; ns++) {
		memset(&o, 0, sizeof(o));
		o.swap = 1;
		put32(&o, ns ? 0xa1b23c4d : 0xa1b2c3d4);
		put16(&o, 2);
		put16(&o, 4);
		put32(&o, 0);
		put32(&o, 0);
		put32(&o, 1500);
		put32(&o, 0x10000000u | 101);	/* FCS bits above the type */
		put32(&o, 7);
		put32(&o, ns ? 1999999999u : 2500000);	/* carries */
		put32(&o, 4);
		put32(&o, 44);
		put(&o, "E\0\0,", 4);
		r = mbuf_pcap_open_mem(o.b, o.n, 0, NULL, NULL, errbuf);
		CHECK(r != NULL);
		if (r == NULL)
			continue;
		CHECK_EQ(mbuf_pcap_datalink(r), 101);
		CHECK_EQ(mbuf_pcap_snapshot(r), 1500);
		CHECK_EQ(mbuf_pcap_format(r), ns ? MBUF_PCAP_NSEC : 0);
		expect(r, 0, 101, 4, 44, ns ? 8 : 9, ns ? 999999999u : 500000000u,
		    0, "E\0\0,");
		CHECK_EQ(mbuf_pcap_next(r, &m, NULL), 0);
		mbuf_pcap_close(r);
	}
}

/* ---- broken files: every truncation, random bit flips --------------------- */

/* read everything; returns the number of records, *rcp the final result */
static int
drain(struct mbuf_pcap_reader *r, int *rcp, int *errp, const unsigned char *buf,
    size_t len, int zc)
{
	struct mbuf_pcap_pkthdr h;
	struct mbuf *m;
	int n = 0, rc;

	while ((rc = mbuf_pcap_next(r, &m, &h)) == 1) {
		n++;
		CHECK(h.caplen <= MBUF_PCAP_SNAPLEN_MAX);
		CHECK_EQ(m->m_pkthdr.len, (long long)h.caplen);
		CHECK(h.ts_nsec < 1000000000u);
		if (zc && m->m_len > 0)
			CHECK(mtod(m, unsigned char *) >= buf &&
			    mtod(m, unsigned char *) + m->m_len <= buf + len);
		m_freem(m);
	}
	*rcp = rc;
	*errp = errno;
	if (rc < 0) {
		/* sticky */
		CHECK_EQ(mbuf_pcap_next(r, &m, &h), -1);
		CHECK_EQ(errno, *errp);
		CHECK(mbuf_pcap_geterr(r)[0] != '\0');
	}
	return n;
}

/*
 * Every prefix of the file: the complete records, then an error or the
 * end.  A pcapng file may also end cleanly after its section header.
 */
static void
truncations(const char *path)
{
	char errbuf[MBUF_PCAP_ERRBUF_SIZE];
	struct mbuf_pcap_reader *r;
	struct mbuf_pcap_pkthdr h;
	struct mbuf *m;
	size_t len, L, ends[MAXREC + 1], shb_end = 0, hdr_end = 24;
	unsigned char *buf, *pre;
	uint32_t u;
	int n = 0, got, rc, err, zc, step, ng;

	buf = file_contents(path, &len);
	ng = buf[0] == 0x0a;
	if (ng) {
		memcpy(&u, buf + 4, 4);
		shb_end = u;
		memcpy(&u, buf + shb_end + 4, 4);
		hdr_end = shb_end + u;
	}
	/* where each record ends: the offsets of a clean end */
	r = mbuf_pcap_open_mem(buf, len, 0, NULL, NULL, errbuf);
	ends[n++] = hdr_end;
	while (mbuf_pcap_next(r, &m, &h) == 1) {
		m_freem(m);
		ends[n] = ends[n - 1] + h.caplen + (ng ? 32 +
		    ((4 - (h.caplen & 3)) & 3) + (h.flags ? 12 : 0) : 16);
		n++;
	}
	mbuf_pcap_close(r);
	CHECK_EQ(ends[n - 1], len);
	step = under_valgrind ? 7 : 1;
	for (L = 0; L <= len; L += L < 200 ? 1 : (size_t)step)
		for (zc = 0; zc <= MBUF_PCAP_ZEROCOPY; zc += MBUF_PCAP_ZEROCOPY) {
			int k, want = 0, clean = ng && L == shb_end;

			/* exactly L bytes: reading past them is caught */
			pre = malloc(L > 0 ? L : 1);
			memcpy(pre, buf, L);
			r = mbuf_pcap_open_mem(pre, L, zc, free_release, pre,
			    errbuf);
			if (L < hdr_end && !clean) {
				CHECK(r == NULL);
				CHECK_EQ(errno, EBADMSG);
				continue;
			}
			CHECK(r != NULL);
			if (r == NULL)
				continue;
			for (k = 0; k < n; k++) {
				if (ends[k] <= L)
					want = k;
				if (ends[k] == L)
					clean = 1;
			}
			got = drain(r, &rc, &err, pre, L, zc);
			CHECK_EQ(got, want);
			CHECK_EQ(rc, clean ? 0 : -1);
			if (!clean)
				CHECK_EQ(err, EBADMSG);
			mbuf_pcap_close(r);
		}
	free(buf);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* flip bits and bytes at random: never a crash, a leak or a lie */
static void
bit_flips(const char *path, int rounds)
{
	char errbuf[MBUF_PCAP_ERRBUF_SIZE];
	struct mbuf_pcap_reader *r;
	unsigned char *good, *buf, fval[4];
	size_t len, cut, fpos[4];
	int i, k, flips, rc, err, zc;

	good = file_contents(path, &len);
	for (i = 0; i < rounds; i++) {
		flips = 1 + (int)(rnd() % 4);
		for (k = 0; k < flips; k++) {
			/* mostly the headers, where the lengths are */
			fpos[k] = rnd() % 2 ? rnd() % (len < 64 ? len : 64) :
			    rnd() % len;
			fval[k] = rnd() % 2 ? good[fpos[k]] ^
			    (unsigned char)(1u << (rnd() % 8)) :
			    (unsigned char)rnd();
		}
		zc = rnd() % 2 ? MBUF_PCAP_ZEROCOPY : 0;
		/* sometimes cut too; exactly that many bytes allocated */
		cut = len - (rnd() % 3 == 0 ? rnd() % len : 0);
		buf = malloc(cut);
		memcpy(buf, good, cut);
		for (k = 0; k < flips; k++)
			if (fpos[k] < cut)
				buf[fpos[k]] = fval[k];
		r = mbuf_pcap_open_mem(buf, cut, zc, free_release, buf,
		    errbuf);
		if (r == NULL) {
			CHECK(errbuf[0] != '\0');
			continue;
		}
		(void)drain(r, &rc, &err, buf, cut, zc);
		CHECK(rc == 0 || (rc == -1 && err == EBADMSG));
		mbuf_pcap_close(r);
	}
	free(good);
}

static void
test_broken_files(void)
{
	char path[128], errbuf[MBUF_PCAP_ERRBUF_SIZE];
	int f, rounds = under_valgrind ? 300 : 3000;

	for (f = 0; f < 4; f++) {
		snprintf(path, sizeof(path), "%s/stream-%d-2.pcap", dir, f);
		truncations(path);
		bit_flips(path, rounds);
	}
	/* not captures */
	CHECK(mbuf_pcap_open_mem("", 0, 0, NULL, NULL, errbuf) == NULL);
	CHECK(strstr(errbuf, "empty") != NULL);
	CHECK(mbuf_pcap_open_offline("/nonexistent/x.pcap", 0, errbuf) == NULL);
	CHECK_EQ(errno, ENOENT);
	CHECK(strstr(errbuf, "/nonexistent/x.pcap") != NULL);
	CHECK(mbuf_pcap_open_offline("/dev/null", MBUF_PCAP_ZEROCOPY,
	    errbuf) == NULL);
	CHECK_EQ(errno, EBADMSG);
	CHECK(mbuf_pcap_open_mem("\xd4\xc3\xb2\xa1\x01\x00\x04\x00", 8, 0,
	    NULL, NULL, errbuf) == NULL);
	CHECK(strstr(errbuf, "truncated file header") != NULL);
}

/* ---- streams, errors, exhaustion, violations -------------------------------- */

struct feeder {
	int		fd;
	const void	*buf;
	size_t		len;
};

static void *
feed(void *arg)
{
	struct feeder *f = arg;
	const char *p = f->buf;
	size_t left = f->len;
	ssize_t w;

	/* in small pieces, so that the reader waits for its blocks */
	while (left > 0) {
		w = write(f->fd, p, left < 333 ? left : 333);
		if (w <= 0)
			break;
		p += w;
		left -= (size_t)w;
	}
	close(f->fd);
	return NULL;
}

/* from a pipe, arriving in small pieces */
static void
test_pipe_stream(void)
{
	char path[128], errbuf[MBUF_PCAP_ERRBUF_SIZE];
	struct mbuf_pcap_reader *r, *ref;
	struct feeder f;
	pthread_t t;
	int p[2], f2, zc;
	FILE *fp;
	void *buf;

	for (f2 = 0; f2 < 4; f2++)
		for (zc = 0; zc <= MBUF_PCAP_ZEROCOPY; zc += MBUF_PCAP_ZEROCOPY) {
			snprintf(path, sizeof(path), "%s/stream-%d-0.pcap", dir,
			    f2);
			buf = file_contents(path, &f.len);
			f.buf = buf;
			CHECK_EQ(pipe(p), 0);
			f.fd = p[1];
			pthread_create(&t, NULL, feed, &f);
			fp = fdopen(p[0], "rb");
			r = mbuf_pcap_fopen_offline(fp, zc, errbuf);
			ref = mbuf_pcap_open_mem(buf, f.len, 0, NULL, NULL,
			    errbuf);
			CHECK(r != NULL && ref != NULL);
			if (r != NULL && ref != NULL)
				same_records(ref, r, path);
			mbuf_pcap_close(r);
			mbuf_pcap_close(ref);
			pthread_join(t, NULL);
			fclose(fp);
			free(buf);
		}
}

static void
test_write_errors(void)
{
	struct mbuf_pcap_dumper *d;
	struct mbuf_pcap_pkthdr h;
	struct mbuf *m;
	FILE *fp;
	int fd, p[2];

	m = mbuf_packet_from_bytes("0123456789", 10, M_DONTWAIT);
	/* a full disk through a descriptor: the header already fails */
	fd = open("/dev/full", O_WRONLY);
	CHECK(mbuf_pcap_dump_fdopen(fd, 1, 0, 0) == NULL);
	CHECK_EQ(errno, ENOSPC);
	/* ... through stdio: when the buffer is flushed, and for good */
	fp = fdopen(fd, "wb");
	d = mbuf_pcap_dump_open(fp, 1, 0, MBUF_PCAP_NG);
	CHECK(d != NULL);
	CHECK_EQ(mbuf_pcap_dump(d, m, NULL), 0);
	CHECK_EQ(mbuf_pcap_dump_flush(d), -1);
	CHECK_EQ(errno, ENOSPC);
	CHECK_EQ(mbuf_pcap_dump(d, m, NULL), -1);
	CHECK_EQ(errno, ENOSPC);
	CHECK_EQ(mbuf_pcap_dump_close(d), -1);
	fclose(fp);
	/* a pipe nobody reads any more */
	signal(SIGPIPE, SIG_IGN);
	CHECK_EQ(pipe(p), 0);
	d = mbuf_pcap_dump_fdopen(p[1], 1, 0, 0);
	CHECK(d != NULL);
	close(p[0]);
	CHECK_EQ(mbuf_pcap_dump(d, m, NULL), -1);
	CHECK_EQ(errno, EPIPE);
	CHECK_EQ(mbuf_pcap_dump(d, m, NULL), -1);
	CHECK_EQ(mbuf_pcap_dump_close(d), -1);
	close(p[1]);
	/* times the format cannot hold: nothing written, not sticky */
	fp = tmpfile();
	d = mbuf_pcap_dump_open(fp, 1, 0, 0);
	memset(&h, 0, sizeof(h));
	h.ts_sec = -1;
	CHECK_EQ(mbuf_pcap_dump(d, m, &h), -1);
	CHECK_EQ(errno, EOVERFLOW);
	h.ts_sec = (int64_t)UINT32_MAX + 1;
	CHECK_EQ(mbuf_pcap_dump(d, m, &h), -1);
	CHECK_EQ(errno, EOVERFLOW);
	h.ts_sec = UINT32_MAX;
	CHECK_EQ(mbuf_pcap_dump(d, m, &h), 0);
	CHECK_EQ(mbuf_pcap_dump_close(d), 0);
	CHECK_EQ(ftell(fp), 24 + 16 + 10);
	fclose(fp);
	fp = tmpfile();
	d = mbuf_pcap_dump_open(fp, 1, 0, MBUF_PCAP_NG | MBUF_PCAP_NSEC);
	h.ts_sec = 18446744073;		/* 2^64 ns is 18446744073.7 s */
	h.ts_nsec = 709551615;
	CHECK_EQ(mbuf_pcap_dump(d, m, &h), 0);
	h.ts_nsec = 709551616;
	CHECK_EQ(mbuf_pcap_dump(d, m, &h), -1);
	CHECK_EQ(errno, EOVERFLOW);
	CHECK_EQ(mbuf_pcap_dump_close(d), 0);
	fclose(fp);
	m_freem(m);
}

/* a time given as NULL is now */
static void
test_now(void)
{
	char errbuf[MBUF_PCAP_ERRBUF_SIZE];
	struct mbuf_pcap_dumper *d;
	struct mbuf_pcap_reader *r;
	struct mbuf_pcap_pkthdr h;
	struct timespec t0, t1;
	struct mbuf *m;
	FILE *fp = tmpfile();

	m = mbuf_packet_from_bytes("x", 1, M_DONTWAIT);
	d = mbuf_pcap_dump_open(fp, 1, 0, MBUF_PCAP_NSEC);
	clock_gettime(CLOCK_REALTIME, &t0);
	CHECK_EQ(mbuf_pcap_dump(d, m, NULL), 0);
	clock_gettime(CLOCK_REALTIME, &t1);
	CHECK_EQ(mbuf_pcap_dump_close(d), 0);
	m_freem(m);
	rewind(fp);
	r = mbuf_pcap_fopen_offline(fp, 0, errbuf);
	CHECK_EQ(mbuf_pcap_next(r, &m, &h), 1);
	CHECK(h.ts_sec * 1000000000ll + h.ts_nsec >=
	    t0.tv_sec * 1000000000ll + t0.tv_nsec);
	CHECK(h.ts_sec * 1000000000ll + h.ts_nsec <=
	    t1.tv_sec * 1000000000ll + t1.tv_nsec);
	CHECK_EQ(h.len, 1);
	m_freem(m);
	mbuf_pcap_close(r);
	fclose(fp);
}

/* out of clusters: ENOBUFS, the record kept, then delivered */
static void
test_out_of_mbufs(void)
{
	static struct mbuf *held[8192];
	char path[128], errbuf[MBUF_PCAP_ERRBUF_SIZE];
	struct mbuf_pcap_reader *r;
	struct mbuf_pcap_pkthdr h;
	struct mbuf *m;
	int n = 0, old = nmbclusters, i;

	snprintf(path, sizeof(path), "%s/stream-0-0.pcap", dir);
	r = mbuf_pcap_open_offline(path, 0, errbuf);
	for (i = 0; i < 7; i++) {		/* up to the 19500-byte record */
		CHECK_EQ(mbuf_pcap_next(r, &m, NULL), 1);
		m_freem(m);
	}
	nmbclusters = 1;
	while (n < 8192 && (held[n] = m_getcl(M_DONTWAIT, MT_DATA, 0)) != NULL)
		n++;
	CHECK_EQ(mbuf_pcap_next(r, &m, &h), -1);
	CHECK_EQ(errno, ENOBUFS);
	CHECK(m == NULL);
	CHECK(strstr(mbuf_pcap_geterr(r), "out of mbufs") != NULL);
	while (n > 0)
		m_freem(held[--n]);
	nmbclusters = old;
	CHECK_EQ(mbuf_pcap_next(r, &m, &h), 1);
	CHECK_EQ(h.caplen, 19500);
	CHECK_EQ(m->m_pkthdr.len, 19500);
	m_freem(m);
	mbuf_pcap_close(r);
}

static int violations;
static char last[512];
static void
soft_handler(const char *func, const char *msg)
{
	violations++;
	snprintf(last, sizeof(last), "%s: %s", func, msg);
}

static void
test_violations(void)
{
	char errbuf[MBUF_PCAP_ERRBUF_SIZE];
	struct mbuf_pcap_dumper *d;
	struct mbuf_pcap_pkthdr h;
	struct mbuf *m, *dead;
	FILE *fp = tmpfile();

	mbuf_set_panic_handler(soft_handler);
	violations = 0;
	m = mbuf_packet_from_bytes("abc", 3, M_DONTWAIT);
	d = mbuf_pcap_dump_open(fp, 1, 0, 0);

	CHECK(mbuf_pcap_dump_open(fp, 70000, 0, 0) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(last, "mbuf_pcap_dump_open: ") != NULL &&
	    strstr(last, "linktype 70000") != NULL);
	CHECK(mbuf_pcap_dump_open(fp, 1, MBUF_PCAP_SNAPLEN_MAX + 1, 0) == NULL);
	CHECK(mbuf_pcap_dump_open(fp, 1, 0, MBUF_PCAP_ZEROCOPY) == NULL);
	CHECK(mbuf_pcap_dump_open(NULL, 1, 0, 0) == NULL);
	CHECK(mbuf_pcap_dump_fdopen(-1, 1, 0, 0) == NULL);
	CHECK_EQ(violations, 5);
	CHECK_EQ(mbuf_pcap_dump(NULL, m, NULL), -1);
	CHECK_EQ(mbuf_pcap_dump(d, NULL, NULL), -1);
	memset(&h, 0, sizeof(h));
	h.ts_nsec = 1000000000;
	CHECK_EQ(mbuf_pcap_dump(d, m, &h), -1);
	CHECK(strstr(last, "ts_nsec 1000000000") != NULL);
	dead = m_get(M_DONTWAIT, MT_DATA);
	m_free(dead);
	CHECK_EQ(mbuf_pcap_dump(d, dead, NULL), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(last, "not allocated") != NULL);
	CHECK_EQ(violations, 9);
	/* nothing was written by the failed calls, and d still works */
	CHECK_EQ(mbuf_pcap_dump(d, m, NULL), 0);
	CHECK_EQ(mbuf_pcap_dump_close(d), 0);
	CHECK_EQ(ftell(fp), 24 + 16 + 3);

	CHECK_EQ(mbuf_pcap_next(NULL, &m, NULL), -1);
	CHECK(mbuf_pcap_open_mem(NULL, 10, 0, NULL, NULL, errbuf) == NULL);
	CHECK(mbuf_pcap_open_offline(NULL, 0, errbuf) == NULL);
	CHECK(mbuf_pcap_open_offline("/dev/null", 0x100, errbuf) == NULL);
	CHECK(mbuf_pcap_open_mbuf(NULL, 0, errbuf) == NULL);
	CHECK_EQ(mbuf_pcap_datalink(NULL), -1);
	CHECK_EQ(violations, 15);
	CHECK_EQ(mbuf_pcap_dump_close(NULL), 0);
	mbuf_pcap_close(NULL);
	mbuf_set_panic_handler(NULL);
	mbuf_clear_error();
	m_freem(m);
	fclose(fp);
}

static void
death_dump_null(void)
{
	(void)mbuf_pcap_dump(NULL, NULL, NULL);
}

/* ---- libpcap reads our files, we read libpcap's ------------------------------ */

static void
test_libpcap_reads_ours(void)
{
	char path[128], errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *data;
	pcap_t *p;
	int f, n, rc, bad;

	for (f = 0; f < 4; f++) {
		snprintf(path, sizeof(path), "%s/stream-%d-0.pcap", dir, f);
		/* write_shapes ran last with snaplen 60: rebuild recs[] */
		{
			FILE *fp = fopen(path, "wb");
			struct mbuf_pcap_dumper *d = mbuf_pcap_dump_open(fp,
			    MBUF_PCAP_LINKTYPE_ETHERNET, 0,
			    (int[]){ 0, MBUF_PCAP_NSEC, MBUF_PCAP_NG,
			    MBUF_PCAP_NG | MBUF_PCAP_NSEC }[f]);

			write_shapes(d, (int[]){ 0, MBUF_PCAP_NSEC,
			    MBUF_PCAP_NG, MBUF_PCAP_NG | MBUF_PCAP_NSEC }[f],
			    MBUF_PCAP_SNAPLEN_MAX);
			mbuf_pcap_dump_close(d);
			fclose(fp);
		}
		p = pcap_open_offline_with_tstamp_precision(path,
		    PCAP_TSTAMP_PRECISION_NANO, errbuf);
		CHECK(p != NULL);
		if (p == NULL) {
			fprintf(stderr, "libpcap: %s: %s\n", path, errbuf);
			continue;
		}
		CHECK_EQ(pcap_datalink(p), DLT_EN10MB);
		CHECK_EQ(pcap_snapshot(p), MBUF_PCAP_SNAPLEN_MAX);
		bad = 0;
		for (n = 0; (rc = pcap_next_ex(p, &ph, &data)) == 1; n++) {
			const struct rec *w = &recs[n < nrecs ? n : 0];

			if (n >= nrecs || ph->caplen != w->h.caplen ||
			    ph->len != w->h.len ||
			    ph->ts.tv_sec != w->h.ts_sec ||
			    (uint32_t)ph->ts.tv_usec != w->h.ts_nsec ||
			    memcmp(data, w->data, ph->caplen) != 0)
				bad++;
		}
		CHECK_EQ(bad, 0);
		CHECK_EQ(rc, PCAP_ERROR_BREAK);		/* the end */
		CHECK_EQ(n, nrecs);
		pcap_close(p);
	}
}

static void
test_we_read_libpcap(void)
{
	char path[128], errbuf[MBUF_PCAP_ERRBUF_SIZE];
	struct mbuf_pcap_reader *r;
	struct pcap_pkthdr ph;
	pcap_dumper_t *pd;
	pcap_t *p;
	int prec, i, n;
	u_char frame[300];

	for (prec = 0; prec <= 1; prec++) {
		snprintf(path, sizeof(path), "%s/libpcap-%d.pcap", dir, prec);
		p = pcap_open_dead_with_tstamp_precision(DLT_RAW, 200, prec ?
		    PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
		pd = pcap_dump_open(p, path);
		CHECK(pd != NULL);
		nrecs = 0;
		for (i = 0; i < 10; i++) {
			struct rec *w = &recs[nrecs++];

			memset(&ph, 0, sizeof(ph));
			ph.ts.tv_sec = 1600000000 + i;
			ph.ts.tv_usec = prec ? 999999990 - i : 999990 - i;
			ph.len = 30u * (unsigned)i + 20;
			ph.caplen = ph.len < 200 ? ph.len : 200;
			for (n = 0; n < (int)ph.caplen; n++)
				frame[n] = w->data[n] = (u_char)(i + n);
			pcap_dump((u_char *)pd, &ph, frame);
			memset(&w->h, 0, sizeof(w->h));
			w->h.ts_sec = ph.ts.tv_sec;
			w->h.ts_nsec = (uint32_t)ph.ts.tv_usec * (prec ? 1 : 1000);
			w->h.caplen = ph.caplen;
			w->h.len = ph.len;
			w->len = (int)ph.caplen;
		}
		pcap_dump_close(pd);
		pcap_close(p);
		r = mbuf_pcap_open_offline(path, MBUF_PCAP_ZEROCOPY, errbuf);
		CHECK(r != NULL);
		if (r == NULL)
			continue;
		CHECK_EQ(mbuf_pcap_datalink(r), 101);	/* DLT_RAW's LINKTYPE */
		CHECK_EQ(mbuf_pcap_snapshot(r), 200);
		CHECK_EQ(mbuf_pcap_format(r), prec ? MBUF_PCAP_NSEC : 0);
		CHECK_EQ(check_records(r, 101, path), 10);
		mbuf_pcap_close(r);
	}
}

static const struct tu_death_case deaths[] = {
	{ "dump_null", death_dump_null },
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	TU_DEATH_MAIN(argc, argv, deaths);
	under_valgrind = getenv("MBUF_TEST_UNDER_VALGRIND") != NULL;
	snprintf(dir, sizeof(dir), "/tmp/test_pcap.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_round_trips();
	test_copy_is_identical();
	test_zero_copy_lifetime();
	test_handmade_pcapng();
	test_swapped_pcap();
	test_binary_resolutions();
	test_broken_pcapng();
	test_broken_files();
	test_pipe_stream();
	test_write_errors();
	test_now();
	test_out_of_mbufs();
	test_violations();
	test_libpcap_reads_ours();
	test_we_read_libpcap();
	EXPECT_DEATH("dump_null", "mbuf_pcap_dump: dumper (nil)");
	CHECK(tu_all_types_zero());
	{
		char cmd[96];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return tu_finish("test_pcap");
}
