/*
 * libFuzzer target over the capture-file reader (capi/mbufc/pcap.c, which
 * make compiles into this program with the fuzzer's coverage and
 * AddressSanitizer + UBSan, in place of the library's copy).  Each input
 * is read as a capture three ways: copied from memory, zero copy from
 * memory, and as a stdio stream (fmemopen); the three must agree record
 * for record, or all fail.  Every record read is then written again with
 * the reader's own format and read back: the same bytes, lengths, times
 * (cut to the format's resolution) and flags.  At the end nothing may be
 * left allocated.  A failed check aborts (libFuzzer keeps the input).
 *
 *   make fuzz-pcap                 over fuzz/corpus_pcap for FUZZ_TIME
 *   build/fuzz/fuzz_pcap crash-file     replay one input
 */
#include <mbuf.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define	MAXREC	64

struct rec {
	struct mbuf_pcap_pkthdr	h;
	unsigned char		*data;
};

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_pcap: %s\n", what);
	abort();
}

static unsigned char *
bytes_of(const struct mbuf *m, uint32_t caplen)
{
	unsigned char *b = malloc(caplen + 1);
	uint32_t n = 0;

	if (b == NULL)
		die("malloc");
	if (!(m->m_flags & M_PKTHDR) || (uint32_t)m->m_pkthdr.len != caplen)
		die("pkthdr.len is not caplen");
	for (; m != NULL; m = m->m_next) {
		if (m->m_len < 0 || n + (uint32_t)m->m_len > caplen)
			die("chain longer than caplen");
		memcpy(b + n, mtod(m, const void *), (size_t)m->m_len);
		n += (uint32_t)m->m_len;
	}
	if (n != caplen)
		die("chain shorter than caplen");
	return b;
}

/* every record of r into out[]; returns the count, *endp the last result */
static int
read_all(struct mbuf_pcap_reader *r, struct rec *out, int *endp,
    const unsigned char *buf, size_t len, int zc)
{
	struct mbuf *m;
	int n = 0, rc;

	while (n < MAXREC && (rc = mbuf_pcap_next(r, &m, &out[n].h)) == 1) {
		if (out[n].h.caplen > MBUF_PCAP_SNAPLEN_MAX ||
		    out[n].h.ts_nsec >= 1000000000u)
			die("record header out of range");
		if (zc && m->m_len > 0 && (mtod(m, unsigned char *) < buf ||
		    mtod(m, unsigned char *) + m->m_len > buf + len))
			die("zero-copy record outside the capture");
		out[n].data = bytes_of(m, out[n].h.caplen);
		m_freem(m);
		n++;
	}
	*endp = n == MAXREC ? 0 : rc;
	if (*endp == -1 && errno != EBADMSG)
		die("a failure other than EBADMSG");
	return n;
}

static void
free_recs(struct rec *r, int n)
{
	while (n-- > 0)
		free(r[n].data);
}

static int
same(const struct rec *a, const struct rec *b)
{
	return memcmp(&a->h, &b->h, sizeof(a->h)) == 0 &&
	    memcmp(a->data, b->data, a->h.caplen) == 0;
}

/* write recs[] with the reader's format, read them back: the same */
static void
rewrite(const struct rec *recs, int n, int linktype, int format)
{
	struct mbuf_pcap_dumper *d;
	struct mbuf_pcap_reader *r;
	struct mbuf_pcap_pkthdr h;
	struct rec back[MAXREC];
	int kept[MAXREC], nk = 0, i, nb, end;
	char *out = NULL;
	size_t outlen = 0;
	struct mbuf *m;
	FILE *fp;

	if (linktype < 0)
		linktype = 1;
	fp = open_memstream(&out, &outlen);
	d = mbuf_pcap_dump_open(fp, linktype, 0, format);
	if (d == NULL)
		die("dump_open");
	for (i = 0; i < n; i++) {
		m = mbuf_packet_from_bytes(recs[i].data, (int)recs[i].h.caplen,
		    M_DONTWAIT);
		if (m == NULL)
			die("mbuf_packet_from_bytes");
		if (mbuf_pcap_dump(d, m, &recs[i].h) == 0)
			kept[nk++] = i;
		else if (errno != EOVERFLOW)
			die("dump failed");
		m_freem(m);
	}
	if (mbuf_pcap_dump_close(d) != 0)
		die("dump_close");
	fclose(fp);
	r = mbuf_pcap_open_mem(out, outlen, MBUF_PCAP_ZEROCOPY, free, out,
	    NULL);
	if (r == NULL)
		die("our own file does not open");
	nb = read_all(r, back, &end, NULL, 0, 0);
	if (nb != nk || end != 0)
		die("our own file reads differently");
	for (i = 0; i < nk; i++) {
		h = recs[kept[i]].h;
		if (!(format & MBUF_PCAP_NSEC))
			h.ts_nsec -= h.ts_nsec % 1000;
		if (h.len < h.caplen)
			h.len = h.caplen;
		h.ifindex = 0;
		h.linktype = linktype;
		if (!(format & MBUF_PCAP_NG))
			h.flags = 0;
		if (memcmp(&h, &back[i].h, sizeof(h)) != 0 ||
		    memcmp(recs[kept[i]].data, back[i].data, h.caplen) != 0)
			die("a record changed when written again");
	}
	free_recs(back, nb);
	mbuf_pcap_close(r);
}

static int
handler_calls;
static void
handler(const char *func, const char *msg)
{
	handler_calls++;
	fprintf(stderr, "violation: %s: %s\n", func, msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec a[MAXREC], b[MAXREC], c[MAXREC];
	struct mbuf_pcap_reader *ra, *rb, *rc;
	int na = 0, nb = 0, nc = 0, ea = 0, eb = 0, ec = 0, i, lt = -1, fmt = 0;
	unsigned char *copy;
	FILE *fp;

	mbuf_set_panic_handler(handler);
	/* exactly size bytes, so that reading past them is caught */
	copy = malloc(size > 0 ? size : 1);
	memcpy(copy, data, size);
	ra = mbuf_pcap_open_mem(copy, size, 0, NULL, NULL, NULL);
	rb = mbuf_pcap_open_mem(copy, size, MBUF_PCAP_ZEROCOPY, NULL, NULL,
	    NULL);
	fp = size > 0 ? fmemopen(copy, size, "rb") : NULL;
	rc = fp != NULL ? mbuf_pcap_fopen_offline(fp, 0, NULL) : NULL;
	if ((ra == NULL) != (rb == NULL) || (fp != NULL &&
	    (ra == NULL) != (rc == NULL)))
		die("the readers disagree on the header");
	if (ra != NULL) {
		lt = mbuf_pcap_datalink(ra);
		fmt = mbuf_pcap_format(ra);
		na = read_all(ra, a, &ea, copy, size, 0);
		nb = read_all(rb, b, &eb, copy, size, 1);
		if (na != nb || ea != eb)
			die("copy and zero copy disagree");
		for (i = 0; i < na; i++)
			if (!same(&a[i], &b[i]))
				die("copy and zero copy give other records");
		if (rc != NULL) {
			nc = read_all(rc, c, &ec, copy, size, 0);
			if (na != nc || ea != ec)
				die("memory and stream disagree");
			for (i = 0; i < na; i++)
				if (!same(&a[i], &c[i]))
					die("memory and stream give other "
					    "records");
		}
		rewrite(a, na, lt, fmt);
	}
	free_recs(a, na);
	free_recs(b, nb);
	free_recs(c, nc);
	mbuf_pcap_close(ra);
	mbuf_pcap_close(rb);
	mbuf_pcap_close(rc);
	if (fp != NULL)
		fclose(fp);
	free(copy);
	if (handler_calls != 0)
		die("a violation");
	if (mbuf_leak_count() != 0)
		die("mbufs left allocated");
	return 0;
}
