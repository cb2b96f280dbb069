package mbuf

import (
	"io"
	"syscall"
	"unsafe"

	"github.com/libmbuf/libmbuf/core"
)

// maxIov bounds the buffers of one packet moved in a single system call:
// 64 clusters, 128 KiB, more than any datagram.
const maxIov = 64

// Conn moves whole packets over a connection. On a socket or file (a
// syscall.Conn: *net.UDPConn, *net.TCPConn, *net.UnixConn, *os.File) each
// packet is one sendmsg or recvmsg straight from or into the packet's
// buffers, so a datagram stays one datagram and nothing is copied or
// allocated. Other connections fall back to Read and Write with a copy.
// A Conn is not safe for concurrent use; use one per goroutine.
type Conn struct {
	r    io.Reader
	w    io.Writer
	raw  syscall.RawConn // nil: the fallback
	iov  [maxIov]syscall.Iovec
	msg  syscall.Msghdr
	n    int
	errn syscall.Errno
	recv func(fd uintptr) bool
	send func(fd uintptr) bool
	tmp  []byte // the fallback's read buffer
}

// NewConn wraps c (a net.Conn, an *os.File, ...). For datagram sockets
// it must be connected (net.DialUDP): packets go to and come from the
// peer.
func NewConn(c io.ReadWriter) *Conn { return newConn(c, c) }

func newConn(r io.Reader, w io.Writer) *Conn {
	k := &Conn{r: r, w: w}
	if sc, ok := w.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			k.raw = raw
		}
	}
	k.recv = func(fd uintptr) bool { return k.sys(fd, sysRecvmsg) }
	k.send = func(fd uintptr) bool { return k.sys(fd, sysSendmsg) }
	return k
}

// sys runs one sendmsg/recvmsg over the prepared iovecs; false asks the
// poller to wait until the socket is ready.
func (c *Conn) sys(fd uintptr, trap uintptr) bool {
	for {
		r, _, e := syscall.Syscall(trap, fd, uintptr(unsafe.Pointer(&c.msg)), 0)
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		c.n, c.errn = int(r), e
		return true
	}
}

// iovecs points the message at the buffers of chain m: their data to
// send, or (free) the free room after it to receive at most limit bytes.
func (c *Conn) iovecs(m *core.Mbuf, free bool, limit int) {
	c.msg = syscall.Msghdr{}
	n := 0
	for ; m != nil && n < maxIov && limit > 0; m = m.Next {
		b := m.Bytes()
		if free {
			b = core.TailSpace(m)
		}
		b = b[:min(len(b), limit)]
		if len(b) == 0 {
			continue
		}
		limit -= len(b)
		c.iov[n] = syscall.Iovec{Base: &b[0]}
		c.iov[n].SetLen(len(b))
		n++
	}
	if n > 0 {
		c.msg.Iov = &c.iov[0]
		// msg_iovlen is a size_t: as wide as a pointer on Linux
		*(*uintptr)(unsafe.Pointer(&c.msg.Iovlen)) = uintptr(n)
	}
}

// WritePacket sends the whole packet (it stays with the caller, who frees
// it) and returns the bytes sent.
func (c *Conn) WritePacket(p *Packet) (int, error) {
	m, err := p.head("WritePacket")
	if err != nil {
		return 0, err
	}
	if c.raw == nil {
		return c.writeCopy(p)
	}
	if err := checkChain("WritePacket", m); err != nil {
		return 0, err
	}
	buffers := 0
	for x := m; x != nil; x = x.Next {
		if x.Len > 0 {
			buffers++
		}
	}
	if buffers > maxIov {
		return 0, errorf(ErrTooBig, "WritePacket", "%d buffers (at most %d in one write)", buffers, maxIov)
	}
	c.iovecs(m, false, int(m.Pkt().Len))
	if err := c.raw.Write(c.send); err != nil {
		return 0, err
	}
	if c.errn != 0 {
		return 0, c.errn
	}
	return c.n, nil
}

func (c *Conn) writeCopy(p *Packet) (int, error) {
	n := p.Len()
	if cap(c.tmp) < n {
		c.tmp = make([]byte, n)
	}
	b := c.tmp[:n]
	if _, err := p.ReadAt(b, 0); err != nil {
		return 0, err
	}
	return c.w.Write(b)
}

// ReadPacket receives one packet of at most limit bytes (one datagram,
// or what a stream has ready) into new clusters. A datagram longer than
// limit is cut, with ErrTooBig returned beside the packet of its first
// limit bytes. At the end of a stream it returns io.EOF.
func (c *Conn) ReadPacket(limit int) (_ Packet, err error) {
	if limit <= 0 || limit > maxIov*ClusterSize {
		return Packet{}, errorf(ErrRange, "ReadPacket", "limit %d (1 to %d)", limit, maxIov*ClusterSize)
	}
	defer recoverTo(&err, "ReadPacket")
	pl := core.Default()
	m := pl.Reserve(limit)
	if m == nil {
		return Packet{}, noBufs("ReadPacket")
	}
	var k int
	if c.raw == nil {
		k, err = c.readCopy(m, limit)
	} else {
		k, err = c.readRaw(m, limit)
	}
	if err != nil && err != ErrTooBig || k == 0 && err == nil {
		pl.Freem(m)
		if err == nil {
			err = io.EOF
		}
		return Packet{}, err
	}
	pl.Fill(m, k)
	if err == ErrTooBig {
		err = errorf(ErrTooBig, "ReadPacket", "datagram longer than %d bytes: cut", limit)
	}
	return made(m), err
}

func (c *Conn) readRaw(m *core.Mbuf, limit int) (int, error) {
	c.iovecs(m, true, limit)
	if err := c.raw.Read(c.recv); err != nil {
		return 0, err
	}
	if c.errn != 0 {
		return 0, c.errn
	}
	if c.msg.Flags&syscall.MSG_TRUNC != 0 {
		return c.n, ErrTooBig
	}
	return c.n, nil
}

func (c *Conn) readCopy(m *core.Mbuf, limit int) (int, error) {
	if cap(c.tmp) < limit {
		c.tmp = make([]byte, limit)
	}
	k, err := c.r.Read(c.tmp[:limit])
	if k > 0 {
		err = nil
		left := c.tmp[:k]
		for x := m; len(left) > 0; x = x.Next {
			left = left[copy(core.TailSpace(x), left):]
		}
	}
	return k, err
}

// WritePacket sends the whole packet to w in one call (see Conn; for
// repeated use make a Conn, which allocates nothing per packet).
func WritePacket(w io.Writer, p *Packet) (int, error) { return newConn(nil, w).WritePacket(p) }
