/*
 * Capture files of mbuf chains: pcap and pcapng written from chains (each
 * record gathered from the mbufs' data with fwrite or one writev, never
 * flattened) and read back into packet-header chains, copied with
 * m_devget or pointing into a capture held in memory (MEXTADD).
 *
 * Plain C over the public API of mbuf.h: no call into Go of its own.
 * Chains are validated by m_to_iovec; contract violations go to the panic
 * handler through mbuf_panic.  A capture is untrusted input: every length
 * is checked against what is left before it is used, and a broken file is
 * an error (EBADMSG with a message), never a crash.
 *
 * Formats: pcap (https://www.tcpdump.org/manpages/pcap-savefile.5.html)
 * and pcapng (draft-ietf-opsawg-pcapng), read in either byte order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "mbuf.h"

#define	PCAP_MAGIC_USEC		0xa1b2c3d4u
#define	PCAP_MAGIC_NSEC		0xa1b23c4du
#define	PCAP_FILEHDR_LEN	24
#define	PCAP_RECHDR_LEN		16

#define	NG_SHB			0x0a0d0d0au	/* section header (a palindrome) */
#define	NG_IDB			1u		/* interface description */
#define	NG_PB			2u		/* packet (obsolete) */
#define	NG_SPB			3u		/* simple packet */
#define	NG_EPB			6u		/* enhanced packet */
#define	NG_BOM			0x1a2b3c4du	/* byte-order magic */
#define	NG_BLOCK_MAX		(16u << 20)	/* libpcap's limit too */
#define	NG_IFS_MAX		(1u << 20)	/* interfaces in a section */
#define	NG_OPT_END		0
#define	NG_OPT_SHB_USERAPPL	4
#define	NG_OPT_EPB_FLAGS	2
#define	NG_OPT_IF_TSRESOL	9
#define	NG_OPT_IF_TSOFFSET	14

#define	NSEC_PER_SEC		1000000000u
#define	IOV_STACK		64	/* iovecs on the stack: most chains */
#define	IOV_LIMIT		(1 << 22)	/* more pieces: not a chain of ours */
#define	IOV_BATCH		1024	/* IOV_MAX on Linux and the BSDs */

static uint32_t
pad4(uint32_t n)
{
	return (4 - (n & 3)) & 3;
}

/* ---- the chain as iovecs (shared by the writer and open_mbuf) ------------- */

/*
 * Point iov[first...] at the non-empty pieces of chain m, growing the
 * array (*iovp, *capp; the stack array is never freed) while m_to_iovec
 * says it is too small: m_to_iovec validates every mbuf.  Returns the
 * number of pieces, or -1 with errno (EINVAL after a violation, ENOMEM).
 */
static int
chain_pieces(const struct mbuf *m, struct iovec **iovp, int *capp, int first,
    int spare, struct iovec *stack)
{
	struct iovec *big;
	int n, cap;

	for (;;) {
		n = m_to_iovec(m, *iovp + first, *capp - first - spare);
		if (n >= 0 || errno != EMSGSIZE)
			return n;
		if (*capp >= IOV_LIMIT) {
			mbuf_panic("mbuf_pcap", "chain %p has more than %d "
			    "pieces (a loop?)", (const void *)m, IOV_LIMIT);
			errno = EINVAL;
			return -1;
		}
		cap = *capp * 16;
		big = malloc((size_t)cap * sizeof(*big));
		if (big == NULL) {
			errno = ENOMEM;
			return -1;
		}
		memcpy(big, *iovp, (size_t)first * sizeof(*big));
		if (*iovp != stack)
			free(*iovp);
		*iovp = big;
		*capp = cap;
	}
}

/* ---- writer -------------------------------------------------------------- */

struct mbuf_pcap_dumper {
	FILE		*fp;		/* stdio stream, or NULL: fd */
	int		fd;
	int		flags;		/* MBUF_PCAP_NG, MBUF_PCAP_NSEC */
	uint32_t	snaplen;
	int		err;		/* errno of a failed write: sticky */
};

/* write iov[0, n) out whole; 0 or an errno */
static int
emit(struct mbuf_pcap_dumper *d, struct iovec *iov, int n)
{
	ssize_t w;
	int i;

	if (d->fp != NULL) {
		for (i = 0; i < n; i++) {
			errno = 0;
			if (fwrite(iov[i].iov_base, 1, iov[i].iov_len, d->fp) !=
			    iov[i].iov_len)
				return errno != 0 ? errno : EIO;
		}
		return 0;
	}
	while (n > 0) {
		w = writev(d->fd, iov, n < IOV_BATCH ? n : IOV_BATCH);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (w == 0)
			return EIO;
		/* a short write: skip what went out, resume mid-piece */
		for (; n > 0 && (size_t)w >= iov->iov_len; iov++, n--)
			w -= (ssize_t)iov->iov_len;
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* an option of a pcapng block: code, length, value padded to 4 bytes */
static size_t
ng_opt(uint8_t *p, uint16_t code, const void *val, uint16_t len)
{
	memcpy(p, &code, 2);
	memcpy(p + 2, &len, 2);
	if (len > 0)
		memcpy(p + 4, val, len);
	memset(p + 4 + len, 0, pad4(len));
	return 4 + len + pad4(len);
}

/* a whole block: type, total length, body, total length */
static size_t
ng_block(uint8_t *p, uint32_t type, const uint8_t *body, size_t blen)
{
	uint32_t total = (uint32_t)(blen + 12);

	memcpy(p, &type, 4);
	memcpy(p + 4, &total, 4);
	memcpy(p + 8, body, blen);
	memcpy(p + 8 + blen, &total, 4);
	return total;
}

/* the file header: pcap's, or a section header and interface 0 */
static int
write_file_header(struct mbuf_pcap_dumper *d, int linktype)
{
	uint8_t buf[256], body[128];
	struct iovec iov;
	size_t len, blen;
	uint32_t u32;
	uint16_t u16;
	int64_t seclen = -1;		/* not given */
	char appl[64];
	uint8_t tsresol = 9;

	if (!(d->flags & MBUF_PCAP_NG)) {
		u32 = (d->flags & MBUF_PCAP_NSEC) ? PCAP_MAGIC_NSEC :
		    PCAP_MAGIC_USEC;
		memcpy(buf, &u32, 4);
		u16 = 2;			/* version 2.4 */
		memcpy(buf + 4, &u16, 2);
		u16 = 4;
		memcpy(buf + 6, &u16, 2);
		memset(buf + 8, 0, 8);		/* thiszone, sigfigs */
		memcpy(buf + 16, &d->snaplen, 4);
		u32 = (uint32_t)linktype;
		memcpy(buf + 20, &u32, 4);
		len = PCAP_FILEHDR_LEN;
	} else {
		u32 = NG_BOM;
		memcpy(body, &u32, 4);
		u16 = 1;			/* version 1.0 */
		memcpy(body + 4, &u16, 2);
		u16 = 0;
		memcpy(body + 6, &u16, 2);
		memcpy(body + 8, &seclen, 8);
		blen = 16;
		snprintf(appl, sizeof(appl), "libmbuf %s", mbuf_version());
		blen += ng_opt(body + blen, NG_OPT_SHB_USERAPPL, appl,
		    (uint16_t)strlen(appl));
		blen += ng_opt(body + blen, NG_OPT_END, NULL, 0);
		len = ng_block(buf, NG_SHB, body, blen);

		u16 = (uint16_t)linktype;
		memcpy(body, &u16, 2);
		u16 = 0;
		memcpy(body + 2, &u16, 2);
		memcpy(body + 4, &d->snaplen, 4);
		blen = 8;
		/* microseconds are the default resolution */
		if (d->flags & MBUF_PCAP_NSEC) {
			blen += ng_opt(body + blen, NG_OPT_IF_TSRESOL,
			    &tsresol, 1);
			blen += ng_opt(body + blen, NG_OPT_END, NULL, 0);
		}
		len += ng_block(buf + len, NG_IDB, body, blen);
	}
	iov.iov_base = buf;
	iov.iov_len = len;
	return emit(d, &iov, 1);
}

static struct mbuf_pcap_dumper *
dump_open(const char *func, FILE *fp, int fd, int linktype, int snaplen,
    int flags)
{
	struct mbuf_pcap_dumper *d;
	int err;

	if ((fp == NULL && fd < 0) || linktype < 0 || linktype > 0xffff ||
	    snaplen < 0 || snaplen > MBUF_PCAP_SNAPLEN_MAX ||
	    (flags & ~(MBUF_PCAP_NG | MBUF_PCAP_NSEC)) != 0) {
		mbuf_panic(func, "%s %d, linktype %d (0..65535), snaplen %d "
		    "(0..%d), flags %#x (MBUF_PCAP_NG, MBUF_PCAP_NSEC)",
		    fp != NULL || fd >= 0 ? "fd" : "no stream: fd", fd,
		    linktype, snaplen, MBUF_PCAP_SNAPLEN_MAX, (unsigned)flags);
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	d->fp = fp;
	d->fd = fd;
	d->flags = flags;
	d->snaplen = snaplen != 0 ? (uint32_t)snaplen : MBUF_PCAP_SNAPLEN_MAX;
	err = write_file_header(d, linktype);
	if (err != 0) {
		free(d);
		errno = err;
		return NULL;
	}
	return d;
}

struct mbuf_pcap_dumper *
mbuf_pcap_dump_open(FILE *fp, int linktype, int snaplen, int flags)
{
	if (fp == NULL) {
		mbuf_panic("mbuf_pcap_dump_open", "NULL stream");
		errno = EINVAL;
		return NULL;
	}
	return dump_open("mbuf_pcap_dump_open", fp, -1, linktype, snaplen,
	    flags);
}

struct mbuf_pcap_dumper *
mbuf_pcap_dump_fdopen(int fd, int linktype, int snaplen, int flags)
{
	if (fd < 0) {
		mbuf_panic("mbuf_pcap_dump_fdopen", "bad fd %d", fd);
		errno = EINVAL;
		return NULL;
	}
	return dump_open("mbuf_pcap_dump_fdopen", NULL, fd, linktype, snaplen,
	    flags);
}

/*
 * The record header (iov[0]), then the chain's pieces cut at caplen, then
 * for pcapng the padding, options and trailing length.
 */
int
mbuf_pcap_dump(struct mbuf_pcap_dumper *d, const struct mbuf *m,
    const struct mbuf_pcap_pkthdr *h)
{
	struct iovec stack[IOV_STACK], *iov = stack;
	uint32_t hdr[7], caplen, origlen, flags = 0, total;
	uint64_t chainlen = 0, units;
	uint8_t trailer[3 + 12 + 4];
	struct timespec now;
	int64_t sec;
	uint32_t nsec;
	size_t tlen = 0;
	int cap = IOV_STACK, n, i, kept, err = 0;

	if (d == NULL || m == NULL ||
	    (h != NULL && h->ts_nsec >= NSEC_PER_SEC)) {
		mbuf_panic("mbuf_pcap_dump", "dumper %p, mbuf %p, ts_nsec %lu",
		    (void *)d, (const void *)m,
		    h != NULL ? (unsigned long)h->ts_nsec : 0ul);
		errno = EINVAL;
		return -1;
	}
	if (d->err != 0) {
		errno = d->err;
		return -1;
	}
	n = chain_pieces(m, &iov, &cap, 1, 1, stack);
	if (n < 0)
		return -1;
	/* cut at snaplen; the wire length is the whole chain's (or more) */
	caplen = 0;
	kept = 0;
	for (i = 1; i <= n; i++) {
		chainlen += iov[i].iov_len;
		if (caplen < d->snaplen) {
			if (iov[i].iov_len > d->snaplen - caplen)
				iov[i].iov_len = d->snaplen - caplen;
			caplen += (uint32_t)iov[i].iov_len;
			kept = i;
		}
	}
	n = kept;
	if (chainlen > UINT32_MAX) {
		/* m_to_iovec bounds a chain far below 4 GiB: not reached */
		err = EOVERFLOW;
		goto out;
	}
	origlen = (uint32_t)chainlen;
	if (h != NULL && h->len > origlen)
		origlen = h->len;
	if (h != NULL) {
		sec = h->ts_sec;
		nsec = h->ts_nsec;
		flags = h->flags;
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		sec = (int64_t)now.tv_sec;
		nsec = (uint32_t)now.tv_nsec;
	}

	if (!(d->flags & MBUF_PCAP_NG)) {
		if (sec < 0 || (uint64_t)sec > UINT32_MAX) {
			err = EOVERFLOW;
			goto out;
		}
		hdr[0] = (uint32_t)sec;
		hdr[1] = (d->flags & MBUF_PCAP_NSEC) ? nsec : nsec / 1000;
		hdr[2] = caplen;
		hdr[3] = origlen;
		iov[0].iov_base = hdr;
		iov[0].iov_len = PCAP_RECHDR_LEN;
	} else {
		if (d->flags & MBUF_PCAP_NSEC) {
			if (sec < 0 || (uint64_t)sec >
			    (UINT64_MAX - nsec) / NSEC_PER_SEC) {
				err = EOVERFLOW;
				goto out;
			}
			units = (uint64_t)sec * NSEC_PER_SEC + nsec;
		} else {
			if (sec < 0 || (uint64_t)sec > UINT64_MAX / 1000000u) {
				err = EOVERFLOW;
				goto out;
			}
			units = (uint64_t)sec * 1000000u + nsec / 1000;
		}
		memset(trailer, 0, sizeof(trailer));
		tlen = pad4(caplen);
		if (flags != 0) {
			tlen += ng_opt(trailer + tlen, NG_OPT_EPB_FLAGS, &flags,
			    4);
			tlen += ng_opt(trailer + tlen, NG_OPT_END, NULL, 0);
		}
		total = 28 + caplen + (uint32_t)tlen + 4;
		memcpy(trailer + tlen, &total, 4);
		tlen += 4;
		hdr[0] = NG_EPB;
		hdr[1] = total;
		hdr[2] = 0;			/* interface 0 */
		hdr[3] = (uint32_t)(units >> 32);
		hdr[4] = (uint32_t)units;
		hdr[5] = caplen;
		hdr[6] = origlen;
		iov[0].iov_base = hdr;
		iov[0].iov_len = 28;
		iov[n + 1].iov_base = trailer;
		iov[n + 1].iov_len = tlen;
	}
	err = emit(d, iov, tlen != 0 ? n + 2 : n + 1);
	if (err != 0)
		d->err = err;
out:
	if (iov != stack)
		free(iov);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

int
mbuf_pcap_dump_flush(struct mbuf_pcap_dumper *d)
{
	if (d == NULL) {
		mbuf_panic("mbuf_pcap_dump_flush", "NULL dumper");
		errno = EINVAL;
		return -1;
	}
	if (d->err == 0 && d->fp != NULL && fflush(d->fp) != 0)
		d->err = errno != 0 ? errno : EIO;
	if (d->err != 0) {
		errno = d->err;
		return -1;
	}
	return 0;
}

int
mbuf_pcap_dump_close(struct mbuf_pcap_dumper *d)
{
	int r;

	if (d == NULL)
		return 0;
	r = mbuf_pcap_dump_flush(d);
	free(d);
	return r;
}

/* ---- reader: the capture in memory, shared with zero-copy records -------- */

enum cap_kind {
	CAP_USER,			/* the caller's: release(arg) */
	CAP_MMAP,			/* a mapped file: munmap */
	CAP_MALLOC,			/* read or copied into memory: free */
	CAP_MBUF			/* the data of a chain: m_freem(arg) */
};

struct capture {
	unsigned int	refs;		/* the reader + each record's storage */
	enum cap_kind	kind;
	const uint8_t	*base;
	size_t		len;
	void		(*release)(void *);
	void		*arg;
};

static void
drop_storage(enum cap_kind kind, const void *base, size_t len,
    void (*release)(void *), void *arg)
{
	switch (kind) {
	case CAP_USER:
		if (release != NULL)
			release(arg);
		break;
	case CAP_MMAP:
		munmap((void *)(uintptr_t)base, len);
		break;
	case CAP_MALLOC:
		free((void *)(uintptr_t)base);
		break;
	case CAP_MBUF:
		m_freem(arg);
		break;
	}
}

/* a capture for the storage, or NULL (ENOMEM; the storage is dropped) */
static struct capture *
cap_new(enum cap_kind kind, const void *base, size_t len,
    void (*release)(void *), void *arg)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		drop_storage(kind, base, len, release, arg);
		errno = ENOMEM;
		return NULL;
	}
	c->refs = 1;
	c->kind = kind;
	c->base = base;
	c->len = len;
	c->release = release;
	c->arg = arg;
	return c;
}

/* drop a reference; the last one (from any thread) drops the storage */
static void
cap_unref(struct capture *c)
{
	if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	drop_storage(c->kind, c->base, c->len, c->release, c->arg);
	free(c);
}

/* ext_free of a zero-copy record: as every ext_free, it frees the mbuf */
static void
record_ext_free(struct mbuf *m, void *buf, size_t size, void *arg)
{
	(void)buf;
	(void)size;
	pool_cache_put(mb_cache, m);
	cap_unref(arg);
}

/* ---- reader ------------------------------------------------------------------ */

struct pcap_if {
	int32_t		linktype;
	uint32_t	snaplen;
	uint8_t		tsresol;	/* if_tsresol: 10^-n, or 2^-n (bit 7) */
	int64_t		tsoffset;	/* if_tsoffset: seconds to add */
};

struct mbuf_pcap_reader {
	int		ng;		/* pcapng, else pcap */
	int		swap;		/* the file (section) is byte-swapped */
	int		zerocopy;
	/* the source: a capture in memory (cap), or a stream (fp) */
	struct capture	*cap;
	size_t		pos;
	FILE		*fp;
	int		own_fp;
	uint8_t		*scratch;	/* stream: the block or record just read */
	size_t		scratch_len;
	uint64_t	off;		/* bytes consumed, for messages */
	/* interfaces: pcap's one, or those of the current pcapng section */
	struct pcap_if	*ifs;
	uint32_t	nifs, ifcap;
	struct pcap_if	first;		/* the first ever described */
	int		have_first;
	/* a pcapng block read ahead by the opening call */
	int		held;
	uint32_t	htype, hlen;
	const uint8_t	*hbody;
	uint64_t	hoff;
	/* the record being delivered: kept when mbufs ran out */
	int		pending;
	const uint8_t	*pdata;
	struct mbuf_pcap_pkthdr phdr;
	int		err;		/* EBADMSG or a read error: sticky */
	char		msg[MBUF_PCAP_ERRBUF_SIZE];
};

static int
fail(struct mbuf_pcap_reader *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->err = err;
	errno = err;
	return -1;
}

static uint16_t
rd16(const struct mbuf_pcap_reader *r, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return r->swap ? __builtin_bswap16(v) : v;
}

static uint32_t
rd32(const struct mbuf_pcap_reader *r, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return r->swap ? __builtin_bswap32(v) : v;
}

static uint64_t
rd64(const struct mbuf_pcap_reader *r, const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return r->swap ? __builtin_bswap64(v) : v;
}

/*
 * The next n bytes of the source: *p points at them (in the capture, or in
 * the scratch buffer, valid until the next call) and *got says how many
 * there are: n, or fewer at the end.  0, or -1 after a read error.
 */
static int
src_get(struct mbuf_pcap_reader *r, size_t n, const uint8_t **p, size_t *got)
{
	size_t left, k;
	uint8_t *b;

	if (r->cap != NULL) {
		left = r->cap->len - r->pos;
		*got = n < left ? n : left;
		*p = r->cap->base + r->pos;
		r->pos += *got;
		r->off += *got;
		return 0;
	}
	if (n > r->scratch_len) {
		b = realloc(r->scratch, n);
		if (b == NULL)
			return fail(r, ENOMEM, "no memory for a block of %zu "
			    "bytes", n);
		r->scratch = b;
		r->scratch_len = n;
	}
	for (k = 0; k < n; ) {
		k += fread(r->scratch + k, 1, n - k, r->fp);
		if (k == n || feof(r->fp))
			break;
		if (ferror(r->fp) && errno != EINTR)
			return fail(r, errno != 0 ? errno : EIO, "read error "
			    "at offset %llu: %s", (unsigned long long)r->off + k,
			    strerror(errno != 0 ? errno : EIO));
		clearerr(r->fp);
	}
	*got = k;
	*p = r->scratch;
	r->off += k;
	return 0;
}

/*
 * Timestamp units of interface ifc as seconds and nanoseconds.
 * if_tsresol: 10^-v seconds (v <= 19), or 2^-v (bit 7; v <= 63).
 */
static void
ng_time(const struct pcap_if *ifc, uint64_t t, int64_t *secp, uint32_t *nsecp)
{
	static const uint64_t p10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
		10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
		100000000000ull, 1000000000000ull, 10000000000000ull,
		100000000000000ull, 1000000000000000ull, 10000000000000000ull,
		100000000000000000ull, 1000000000000000000ull,
		10000000000000000000ull
	};
	unsigned v = ifc->tsresol & 0x7f;
	uint64_t sec, frac, ns, hi, lo;

	if (ifc->tsresol & 0x80) {
		sec = v == 0 ? t : t >> v;
		frac = v == 0 ? 0 : t & ((1ull << v) - 1);
		if (v <= 33) {
			ns = (frac * NSEC_PER_SEC) >> v;	/* < 2^63 */
		} else {
			/* frac * 10^9 needs up to 93 bits: in two halves */
			hi = (frac >> 32) * NSEC_PER_SEC;
			lo = (frac & 0xffffffffu) * NSEC_PER_SEC;
			ns = (hi + (lo >> 32)) >> (v - 32);
		}
	} else {
		sec = t / p10[v];
		frac = t % p10[v];
		ns = v <= 9 ? frac * p10[9 - v] : frac / p10[v - 9];
	}
	/* unsigned: a huge offset wraps instead of overflowing */
	*secp = (int64_t)(sec + (uint64_t)ifc->tsoffset);
	*nsecp = (uint32_t)ns;
}

/*
 * The next pcapng block: its type, and its body (after the byte-order
 * magic for a section header) in *body, *blen.  pre: its first 8 bytes,
 * already read by the opening call, or NULL.  1, 0 at the end, or -1.
 */
static int
ng_read_block(struct mbuf_pcap_reader *r, const uint8_t *pre, uint32_t *type,
    const uint8_t **body, uint32_t *blen, uint64_t *at)
{
	uint8_t h[12];
	const uint8_t *p;
	size_t got, hl = 8;
	uint32_t raw, bom, total;

	*at = r->off;
	if (pre != NULL) {
		memcpy(h, pre, 8);
		*at -= 8;
	} else {
		if (src_get(r, 8, &p, &got) != 0)
			return -1;
		if (got == 0)
			return 0;
		if (got < 8)
			return fail(r, EBADMSG, "truncated block header at "
			    "offset %llu: %zu of 8 bytes",
			    (unsigned long long)*at, got);
		memcpy(h, p, 8);
	}
	memcpy(&raw, h, 4);
	if (raw == NG_SHB) {
		/* a new section: its byte-order magic says how to read it */
		if (src_get(r, 4, &p, &got) != 0)
			return -1;
		if (got < 4)
			return fail(r, EBADMSG, "truncated section header at "
			    "offset %llu", (unsigned long long)*at);
		memcpy(&bom, p, 4);
		if (bom == NG_BOM)
			r->swap = 0;
		else if (__builtin_bswap32(bom) == NG_BOM)
			r->swap = 1;
		else
			return fail(r, EBADMSG, "section header at offset "
			    "%llu: bad byte-order magic %#x",
			    (unsigned long long)*at, bom);
		hl = 12;
	}
	*type = rd32(r, h);
	total = rd32(r, h + 4);
	if (total < hl + 4 || total % 4 != 0 || total > NG_BLOCK_MAX)
		return fail(r, EBADMSG, "block of type %#x at offset %llu: bad "
		    "length %u", *type, (unsigned long long)*at, total);
	if (src_get(r, total - hl, &p, &got) != 0)
		return -1;
	if (got < total - hl)
		return fail(r, EBADMSG, "truncated block of type %#x at offset "
		    "%llu: %u bytes, %zu in the file", *type,
		    (unsigned long long)*at, total, got + hl);
	if (rd32(r, p + total - hl - 4) != total)
		return fail(r, EBADMSG, "block of type %#x at offset %llu: "
		    "lengths %u and %u differ", *type, (unsigned long long)*at,
		    total, rd32(r, p + total - hl - 4));
	*body = p;
	*blen = total - (uint32_t)hl - 4;
	return 1;
}

/*
 * The next option of a block's option list (*b, *len): its code, length
 * and value.  1, 0 at the end (opt_endofopt, or no room left), -1 if the
 * list is broken.
 */
static int
ng_next_opt(const struct mbuf_pcap_reader *r, const uint8_t **b, uint32_t *len,
    uint16_t *code, uint16_t *olen, const uint8_t **val)
{
	uint32_t step;

	if (*len == 0)
		return 0;
	if (*len < 4)
		return -1;
	*code = rd16(r, *b);
	*olen = rd16(r, *b + 2);
	if (*code == NG_OPT_END)
		return 0;
	if (*olen > *len - 4)
		return -1;
	*val = *b + 4;
	step = 4 + *olen + pad4(*olen);
	if (step > *len)
		step = *len;		/* the last option, unpadded */
	*b += step;
	*len -= step;
	return 1;
}

static int
ng_section(struct mbuf_pcap_reader *r, const uint8_t *b, uint32_t blen,
    uint64_t at)
{
	if (blen < 12)
		return fail(r, EBADMSG, "section header at offset %llu: too "
		    "short (%u bytes)", (unsigned long long)at, blen + 16);
	if (rd16(r, b) != 1)
		return fail(r, EBADMSG, "section header at offset %llu: "
		    "version %u.%u (want 1.x)", (unsigned long long)at,
		    rd16(r, b), rd16(r, b + 2));
	/* a section describes its interfaces anew */
	r->nifs = 0;
	return 0;
}

static int
add_interface(struct mbuf_pcap_reader *r, const struct pcap_if *ifc)
{
	struct pcap_if *n;
	uint32_t cap;

	if (r->nifs == r->ifcap) {
		cap = r->ifcap != 0 ? r->ifcap * 2 : 4;
		if (cap > NG_IFS_MAX)
			return fail(r, EBADMSG, "more than %u interfaces",
			    NG_IFS_MAX);
		n = realloc(r->ifs, (size_t)cap * sizeof(*n));
		if (n == NULL)
			return fail(r, ENOMEM, "no memory for %u interfaces",
			    cap);
		r->ifs = n;
		r->ifcap = cap;
	}
	r->ifs[r->nifs++] = *ifc;
	if (!r->have_first) {
		r->first = *ifc;
		r->have_first = 1;
	}
	return 0;
}

static int
ng_interface(struct mbuf_pcap_reader *r, const uint8_t *b, uint32_t blen,
    uint64_t at)
{
	struct pcap_if ifc;
	const uint8_t *val;
	uint16_t code, olen;
	uint32_t left;
	int rc;

	if (blen < 8)
		return fail(r, EBADMSG, "interface description at offset "
		    "%llu: too short (%u bytes)", (unsigned long long)at,
		    blen + 12);
	memset(&ifc, 0, sizeof(ifc));
	ifc.linktype = rd16(r, b);
	ifc.snaplen = rd32(r, b + 4);
	ifc.tsresol = 6;			/* microseconds */
	b += 8;
	left = blen - 8;
	while ((rc = ng_next_opt(r, &b, &left, &code, &olen, &val)) > 0) {
		if (code == NG_OPT_IF_TSRESOL && olen >= 1) {
			ifc.tsresol = val[0];
			if ((val[0] & 0x80) ? (val[0] & 0x7f) > 63 :
			    val[0] > 19)
				return fail(r, EBADMSG, "interface description"
				    " at offset %llu: if_tsresol %#x not "
				    "supported", (unsigned long long)at,
				    val[0]);
		} else if (code == NG_OPT_IF_TSOFFSET && olen == 8) {
			ifc.tsoffset = (int64_t)rd64(r, val);
		}
	}
	if (rc < 0)
		return fail(r, EBADMSG, "interface description at offset "
		    "%llu: broken options", (unsigned long long)at);
	return add_interface(r, &ifc);
}

/* an enhanced packet block, or an obsolete packet block (pb set) */
static int
ng_packet(struct mbuf_pcap_reader *r, const uint8_t *b, uint32_t blen,
    uint64_t at, int pb)
{
	struct mbuf_pcap_pkthdr *h = &r->phdr;
	const uint8_t *val;
	uint16_t code, olen;
	uint32_t ifid, caplen, optoff, left;
	uint64_t t;
	int rc;

	if (blen < 20)
		return fail(r, EBADMSG, "packet block at offset %llu: too "
		    "short (%u bytes)", (unsigned long long)at, blen + 12);
	ifid = pb ? rd16(r, b) : rd32(r, b);
	if (ifid >= r->nifs)
		return fail(r, EBADMSG, "packet block at offset %llu: "
		    "interface %u, but %u described", (unsigned long long)at,
		    ifid, r->nifs);
	t = (uint64_t)rd32(r, b + 4) << 32 | rd32(r, b + 8);
	caplen = rd32(r, b + 12);
	if (caplen > blen - 20 || caplen > MBUF_PCAP_SNAPLEN_MAX)
		return fail(r, EBADMSG, "packet block at offset %llu: %u "
		    "bytes captured, %u in the block (at most %u)",
		    (unsigned long long)at, caplen, blen - 20,
		    MBUF_PCAP_SNAPLEN_MAX);
	memset(h, 0, sizeof(*h));
	ng_time(&r->ifs[ifid], t, &h->ts_sec, &h->ts_nsec);
	h->caplen = caplen;
	h->len = rd32(r, b + 16);
	h->ifindex = ifid;
	h->linktype = r->ifs[ifid].linktype;
	r->pdata = b + 20;
	optoff = 20 + caplen + pad4(caplen);
	if (optoff < blen) {
		b += optoff;
		left = blen - optoff;
		while ((rc = ng_next_opt(r, &b, &left, &code, &olen, &val)) > 0)
			if (code == NG_OPT_EPB_FLAGS && olen == 4)
				h->flags = rd32(r, val);
		if (rc < 0)
			return fail(r, EBADMSG, "packet block at offset %llu: "
			    "broken options", (unsigned long long)at);
	}
	return 1;
}

static int
ng_simple_packet(struct mbuf_pcap_reader *r, const uint8_t *b, uint32_t blen,
    uint64_t at)
{
	struct mbuf_pcap_pkthdr *h = &r->phdr;
	uint32_t caplen;

	if (blen < 4 || r->nifs == 0)
		return fail(r, EBADMSG, "simple packet block at offset %llu: "
		    "%s", (unsigned long long)at, blen < 4 ? "too short" :
		    "no interface described");
	memset(h, 0, sizeof(*h));
	h->len = rd32(r, b);
	/* what was captured: the wire length cut at the snapshot length */
	caplen = h->len < blen - 4 ? h->len : blen - 4;
	if (r->ifs[0].snaplen != 0 && caplen > r->ifs[0].snaplen)
		caplen = r->ifs[0].snaplen;
	if (caplen > MBUF_PCAP_SNAPLEN_MAX)
		return fail(r, EBADMSG, "simple packet block at offset %llu: "
		    "%u bytes captured (at most %u)", (unsigned long long)at,
		    caplen, MBUF_PCAP_SNAPLEN_MAX);
	h->caplen = caplen;
	h->linktype = r->ifs[0].linktype;
	r->pdata = b + 4;
	return 1;
}

/* the next packet of a pcapng file into r->phdr, r->pdata: 1, 0, -1 */
static int
ng_next(struct mbuf_pcap_reader *r)
{
	const uint8_t *b;
	uint32_t type, blen;
	uint64_t at;
	int rc;

	for (;;) {
		if (r->held) {
			r->held = 0;
			type = r->htype;
			b = r->hbody;
			blen = r->hlen;
			at = r->hoff;
		} else {
			rc = ng_read_block(r, NULL, &type, &b, &blen, &at);
			if (rc <= 0)
				return rc;
		}
		switch (type) {
		case NG_SHB:
			rc = ng_section(r, b, blen, at);
			break;
		case NG_IDB:
			rc = ng_interface(r, b, blen, at);
			break;
		case NG_EPB:
			return ng_packet(r, b, blen, at, 0);
		case NG_PB:
			return ng_packet(r, b, blen, at, 1);
		case NG_SPB:
			return ng_simple_packet(r, b, blen, at);
		default:		/* statistics, names, custom blocks */
			rc = 0;
			break;
		}
		if (rc < 0)
			return rc;
	}
}

/* the next record of a pcap file into r->phdr, r->pdata: 1, 0, -1 */
static int
pcap_next_record(struct mbuf_pcap_reader *r)
{
	struct mbuf_pcap_pkthdr *h = &r->phdr;
	const uint8_t *p;
	uint64_t at = r->off;
	uint32_t frac;
	size_t got;

	if (src_get(r, PCAP_RECHDR_LEN, &p, &got) != 0)
		return -1;
	if (got == 0)
		return 0;
	if (got < PCAP_RECHDR_LEN)
		return fail(r, EBADMSG, "truncated record header at offset "
		    "%llu: %zu of %d bytes", (unsigned long long)at, got,
		    PCAP_RECHDR_LEN);
	memset(h, 0, sizeof(*h));
	h->ts_sec = rd32(r, p);
	frac = rd32(r, p + 4);
	h->caplen = rd32(r, p + 8);
	h->len = rd32(r, p + 12);
	h->linktype = r->ifs[0].linktype;
	if (h->caplen > MBUF_PCAP_SNAPLEN_MAX)
		return fail(r, EBADMSG, "record at offset %llu: %u bytes "
		    "captured (at most %u)", (unsigned long long)at,
		    h->caplen, MBUF_PCAP_SNAPLEN_MAX);
	/* fractions of a second beyond one carry into the seconds */
	if (r->ifs[0].tsresol == 6) {
		h->ts_sec += frac / 1000000u;
		h->ts_nsec = frac % 1000000u * 1000u;
	} else {
		h->ts_sec += frac / NSEC_PER_SEC;
		h->ts_nsec = frac % NSEC_PER_SEC;
	}
	if (src_get(r, h->caplen, &p, &got) != 0)
		return -1;
	if (got < h->caplen)
		return fail(r, EBADMSG, "truncated record at offset %llu: %u "
		    "bytes captured, %zu in the file", (unsigned long long)at,
		    h->caplen, got);
	r->pdata = p;
	return 1;
}

/* the record as a new chain: copied, or its storage in the capture */
static struct mbuf *
record_chain(struct mbuf_pcap_reader *r, const uint8_t *data, uint32_t caplen)
{
	struct mbuf *m;

	if (caplen > 0 && !r->zerocopy)
		return m_devget((char *)(uintptr_t)data, (int)caplen, 0, NULL,
		    NULL);
	m = m_gethdr(M_DONTWAIT, MT_DATA);
	if (m == NULL)
		return NULL;
	m->m_len = 0;
	m->m_pkthdr.len = (int)caplen;
	if (caplen == 0)
		return m;
	__atomic_add_fetch(&r->cap->refs, 1, __ATOMIC_RELAXED);
	/* read-only: M_EXT without M_EXT_RW */
	MEXTADD(m, (void *)(uintptr_t)data, caplen, NULL, record_ext_free,
	    r->cap);
	if (!(m->m_flags & M_EXT)) {
		cap_unref(r->cap);	/* not the last: the reader holds one */
		m_free(m);
		return NULL;
	}
	m->m_len = (int)caplen;
	return m;
}

int
mbuf_pcap_next(struct mbuf_pcap_reader *r, struct mbuf **mp,
    struct mbuf_pcap_pkthdr *h)
{
	struct mbuf *m;
	int rc;

	if (r == NULL || mp == NULL) {
		mbuf_panic("mbuf_pcap_next", "reader %p, mp %p", (void *)r,
		    (void *)mp);
		errno = EINVAL;
		return -1;
	}
	*mp = NULL;
	if (r->err != 0) {
		errno = r->err;
		return -1;
	}
	if (!r->pending) {
		rc = r->ng ? ng_next(r) : pcap_next_record(r);
		if (rc <= 0)
			return rc;
		r->pending = 1;
	}
	m = record_chain(r, r->pdata, r->phdr.caplen);
	if (m == NULL) {
		snprintf(r->msg, sizeof(r->msg), "out of mbufs for a record "
		    "of %u bytes", r->phdr.caplen);
		errno = ENOBUFS;
		return -1;
	}
	r->pending = 0;
	*mp = m;
	if (h != NULL)
		*h = r->phdr;
	return 1;
}

/* ---- opening ------------------------------------------------------------------ */

/* the file header: pcap's, or the first section header (and interface) */
static int
read_file_header(struct mbuf_pcap_reader *r)
{
	struct pcap_if ifc;
	const uint8_t *p, *b;
	uint8_t pre[8];
	uint32_t magic, type, blen;
	uint64_t at;
	size_t got;
	int rc;

	if (src_get(r, 4, &p, &got) != 0)
		return -1;
	if (got == 0)
		return fail(r, EBADMSG, "empty file");
	if (got < 4)
		return fail(r, EBADMSG, "truncated file header: %zu bytes",
		    got);
	memcpy(&magic, p, 4);
	if (magic == NG_SHB) {
		memcpy(pre, p, 4);
		if (src_get(r, 4, &p, &got) != 0)
			return -1;
		if (got < 4)
			return fail(r, EBADMSG, "truncated section header");
		memcpy(pre + 4, p, 4);
		r->ng = 1;
		rc = ng_read_block(r, pre, &type, &b, &blen, &at);
		if (rc <= 0 || ng_section(r, b, blen, at) < 0)
			return -1;
		/*
		 * Up to the first interface, for datalink(): the blocks
		 * before it hold no packet, or are kept for the first next().
		 */
		for (;;) {
			rc = ng_read_block(r, NULL, &type, &b, &blen, &at);
			if (rc <= 0)
				return rc;
			if (type == NG_IDB)
				return ng_interface(r, b, blen, at);
			if (type == NG_SHB) {
				if (ng_section(r, b, blen, at) < 0)
					return -1;
			} else if (type == NG_EPB || type == NG_SPB ||
			    type == NG_PB) {
				r->held = 1;
				r->htype = type;
				r->hbody = b;
				r->hlen = blen;
				r->hoff = at;
				return 0;
			}
		}
	}
	if (magic == PCAP_MAGIC_USEC || magic == PCAP_MAGIC_NSEC)
		r->swap = 0;
	else if (__builtin_bswap32(magic) == PCAP_MAGIC_USEC ||
	    __builtin_bswap32(magic) == PCAP_MAGIC_NSEC)
		r->swap = 1;
	else
		return fail(r, EBADMSG, "not a pcap or pcapng file (magic "
		    "%#x)", magic);
	memset(&ifc, 0, sizeof(ifc));
	ifc.tsresol = (r->swap ? __builtin_bswap32(magic) : magic) ==
	    PCAP_MAGIC_NSEC ? 9 : 6;
	if (src_get(r, PCAP_FILEHDR_LEN - 4, &p, &got) != 0)
		return -1;
	if (got < PCAP_FILEHDR_LEN - 4)
		return fail(r, EBADMSG, "truncated file header: %zu bytes",
		    got + 4);
	if (rd16(r, p) != 2)
		return fail(r, EBADMSG, "pcap version %u.%u (want 2.x)",
		    rd16(r, p), rd16(r, p + 2));
	ifc.snaplen = rd32(r, p + 12);
	/* the upper bits hold FCS information, not the link type */
	ifc.linktype = (int32_t)(rd32(r, p + 16) & 0xffff);
	return add_interface(r, &ifc);
}

static void
reader_free(struct mbuf_pcap_reader *r)
{
	if (r->cap != NULL)
		cap_unref(r->cap);
	if (r->own_fp)
		fclose(r->fp);
	free(r->scratch);
	free(r->ifs);
	free(r);
}

/*
 * Read the file header of a new reader over cap or fp (one of them), or
 * fail: the message into errbuf, the reader freed, errno kept.
 */
static struct mbuf_pcap_reader *
reader_start(struct capture *cap, FILE *fp, int own_fp, int flags,
    char *errbuf)
{
	struct mbuf_pcap_reader *r;
	int err;

	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		if (cap != NULL)
			cap_unref(cap);
		if (own_fp)
			fclose(fp);
		if (errbuf != NULL)
			snprintf(errbuf, MBUF_PCAP_ERRBUF_SIZE, "no memory");
		errno = ENOMEM;
		return NULL;
	}
	r->cap = cap;
	r->fp = fp;
	r->own_fp = own_fp;
	r->zerocopy = (flags & MBUF_PCAP_ZEROCOPY) != 0;
	if (read_file_header(r) == 0)
		return r;
	err = r->err;
	if (errbuf != NULL)
		snprintf(errbuf, MBUF_PCAP_ERRBUF_SIZE, "%s", r->msg);
	reader_free(r);
	errno = err;
	return NULL;
}

static int
flags_ok(const char *func, int flags)
{
	if ((flags & ~MBUF_PCAP_ZEROCOPY) == 0)
		return 1;
	mbuf_panic(func, "flags %#x (MBUF_PCAP_ZEROCOPY or 0)",
	    (unsigned)flags);
	errno = EINVAL;
	return 0;
}

static struct mbuf_pcap_reader *
open_failed(char *errbuf, int err, const char *what)
{
	if (errbuf != NULL)
		snprintf(errbuf, MBUF_PCAP_ERRBUF_SIZE, "%s: %s", what,
		    strerror(err));
	errno = err;
	return NULL;
}

/* the rest of fp in memory: a capture of kind CAP_MALLOC, or NULL */
static struct capture *
slurp(FILE *fp)
{
	uint8_t *buf = NULL, *nb;
	size_t len = 0, cap = 0, k;
	int err;

	for (;;) {
		if (len == cap) {
			cap = cap != 0 ? cap * 2 : 1 << 16;
			nb = cap > len ? realloc(buf, cap) : NULL;
			if (nb == NULL) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		k = fread(buf + len, 1, cap - len, fp);
		len += k;
		if (len < cap) {
			if (feof(fp))
				break;
			if (ferror(fp) && errno != EINTR) {
				err = errno != 0 ? errno : EIO;
				free(buf);
				errno = err;
				return NULL;
			}
			clearerr(fp);
		}
	}
	return cap_new(CAP_MALLOC, buf, len, NULL, NULL);
}

struct mbuf_pcap_reader *
mbuf_pcap_open_offline(const char *path, int flags, char *errbuf)
{
	struct capture *cap;
	struct stat st;
	void *map;
	FILE *fp;
	int err;

	if (path == NULL) {
		mbuf_panic("mbuf_pcap_open_offline", "NULL path");
		errno = EINVAL;
		return NULL;
	}
	if (!flags_ok("mbuf_pcap_open_offline", flags))
		return NULL;
	fp = fopen(path, "rb");
	if (fp == NULL)
		return open_failed(errbuf, errno, path);
	if (!(flags & MBUF_PCAP_ZEROCOPY))
		return reader_start(NULL, fp, 1, flags, errbuf);
	/* zero copy: the file mapped whole, or read into memory */
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > 0 && (uint64_t)st.st_size <= SIZE_MAX) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE, fileno(fp), 0);
		if (map != MAP_FAILED) {
			fclose(fp);
			cap = cap_new(CAP_MMAP, map, (size_t)st.st_size, NULL,
			    NULL);
			if (cap == NULL)
				return open_failed(errbuf, ENOMEM, path);
			return reader_start(cap, NULL, 0, flags, errbuf);
		}
	}
	cap = slurp(fp);
	err = errno;
	fclose(fp);
	if (cap == NULL)
		return open_failed(errbuf, err, path);
	return reader_start(cap, NULL, 0, flags, errbuf);
}

struct mbuf_pcap_reader *
mbuf_pcap_fopen_offline(FILE *fp, int flags, char *errbuf)
{
	struct capture *cap;

	if (fp == NULL) {
		mbuf_panic("mbuf_pcap_fopen_offline", "NULL stream");
		errno = EINVAL;
		return NULL;
	}
	if (!flags_ok("mbuf_pcap_fopen_offline", flags))
		return NULL;
	if (!(flags & MBUF_PCAP_ZEROCOPY))
		return reader_start(NULL, fp, 0, flags, errbuf);
	cap = slurp(fp);
	if (cap == NULL)
		return open_failed(errbuf, errno, "reading the stream");
	return reader_start(cap, NULL, 0, flags, errbuf);
}

struct mbuf_pcap_reader *
mbuf_pcap_open_mem(const void *buf, size_t len, int flags,
    void (*release)(void *arg), void *arg, char *errbuf)
{
	struct capture *cap;

	if ((buf == NULL && len > 0) || !flags_ok("mbuf_pcap_open_mem",
	    flags)) {
		if (buf == NULL && len > 0)
			mbuf_panic("mbuf_pcap_open_mem", "NULL buffer of %zu "
			    "bytes", len);
		drop_storage(CAP_USER, buf, len, release, arg);
		if (errbuf != NULL)
			snprintf(errbuf, MBUF_PCAP_ERRBUF_SIZE, "bad argument");
		errno = EINVAL;
		return NULL;
	}
	cap = cap_new(CAP_USER, buf, len, release, arg);
	if (cap == NULL)
		return open_failed(errbuf, ENOMEM, "capture");
	return reader_start(cap, NULL, 0, flags, errbuf);
}

struct mbuf_pcap_reader *
mbuf_pcap_open_mbuf(struct mbuf *m, int flags, char *errbuf)
{
	struct iovec stack[IOV_STACK], *iov = stack;
	struct capture *cap;
	uint8_t *buf;
	size_t len = 0, k;
	int cap_n = IOV_STACK, n, i;

	if (m == NULL || !flags_ok("mbuf_pcap_open_mbuf", flags)) {
		if (m == NULL)
			mbuf_panic("mbuf_pcap_open_mbuf", "NULL mbuf");
		else
			m_freem(m);
		if (errbuf != NULL)
			snprintf(errbuf, MBUF_PCAP_ERRBUF_SIZE, "bad argument");
		errno = EINVAL;
		return NULL;
	}
	n = chain_pieces(m, &iov, &cap_n, 0, 0, stack);
	if (n < 0) {
		/* not a chain of ours (reported): nothing to free */
		if (errbuf != NULL)
			snprintf(errbuf, MBUF_PCAP_ERRBUF_SIZE, "bad chain");
		return NULL;
	}
	if (n <= 1) {
		cap = cap_new(CAP_MBUF, n == 1 ? iov[0].iov_base : NULL,
		    n == 1 ? iov[0].iov_len : 0, NULL, m);
	} else {
		/* several pieces: one buffer, so that a record is contiguous */
		for (i = 0; i < n; i++)
			len += iov[i].iov_len;
		buf = malloc(len);
		if (buf != NULL)
			for (i = 0, k = 0; i < n; k += iov[i].iov_len, i++)
				memcpy(buf + k, iov[i].iov_base,
				    iov[i].iov_len);
		m_freem(m);
		cap = buf != NULL ? cap_new(CAP_MALLOC, buf, len, NULL, NULL) :
		    NULL;
	}
	if (iov != stack)
		free(iov);
	if (cap == NULL)
		return open_failed(errbuf, ENOMEM, "capture");
	return reader_start(cap, NULL, 0, flags, errbuf);
}

const char *
mbuf_pcap_geterr(const struct mbuf_pcap_reader *r)
{
	return r != NULL ? r->msg : "";
}

int
mbuf_pcap_datalink(const struct mbuf_pcap_reader *r)
{
	if (r == NULL) {
		mbuf_panic("mbuf_pcap_datalink", "NULL reader");
		return -1;
	}
	return r->have_first ? r->first.linktype : -1;
}

int
mbuf_pcap_snapshot(const struct mbuf_pcap_reader *r)
{
	if (r == NULL) {
		mbuf_panic("mbuf_pcap_snapshot", "NULL reader");
		return -1;
	}
	if (!r->have_first)
		return -1;
	return r->first.snaplen > INT32_MAX ? INT32_MAX :
	    (int)r->first.snaplen;
}

int
mbuf_pcap_format(const struct mbuf_pcap_reader *r)
{
	int f;

	if (r == NULL) {
		mbuf_panic("mbuf_pcap_format", "NULL reader");
		return -1;
	}
	f = r->ng ? MBUF_PCAP_NG : 0;
	/* finer than microseconds: 10^-7 and below, or 2^-20 and below */
	if (r->have_first && ((r->first.tsresol & 0x80) ?
	    (r->first.tsresol & 0x7f) >= 20 : r->first.tsresol > 6))
		f |= MBUF_PCAP_NSEC;
	return f;
}

void
mbuf_pcap_close(struct mbuf_pcap_reader *r)
{
	if (r != NULL)
		reader_free(r);
}
