package mbuf

import "github.com/libmbuf/libmbuf/core"

// Append adds a copy of data at the end of the packet: into the room left
// in its last buffer, then into new mbufs and clusters. On an empty
// Packet it starts one. On failure nothing is appended.
func (p *Packet) Append(data []byte) (err error) {
	m, err := p.head("m_append")
	if err != nil {
		return err
	}
	if m == nil {
		return p.startWith("m_append", data)
	}
	defer recoverTo(&err, "m_append")
	if !core.Default().AppendBytes(m, data) {
		return noBufs("m_append")
	}
	return nil
}

// startWith makes the empty p a packet holding a copy of data.
func (p *Packet) startWith(fn string, data []byte) error {
	m := core.Default().Build(data)
	if m == nil {
		return noBufs(fn)
	}
	p.start(m)
	return nil
}

// Prepend puts a copy of data in front of the packet: in place when the
// first buffer has room before its data (M_PREPEND), else in new mbufs
// that take over the packet header. Any length works; on failure the
// packet is unchanged. On an empty Packet it starts one.
func (p *Packet) Prepend(data []byte) (err error) {
	m, err := p.head("M_PREPEND")
	if err != nil {
		return err
	}
	if m == nil {
		return p.startWith("M_PREPEND", data)
	}
	defer recoverTo(&err, "M_PREPEND")
	if m.LeadingSpace() >= len(data) {
		core.Default().PrependBytes(m, data)
		return nil
	}
	p.retire()
	h := core.Default().PrependBytes(m, data)
	if h == nil {
		p.setHead(m)
		return noBufs("M_PREPEND")
	}
	p.setHead(h)
	return nil
}

// TrimFront removes the first n bytes (m_adj(n)).
func (p *Packet) TrimFront(n int) error {
	m, size, err := p.headLen("m_adj")
	if err != nil {
		return err
	}
	if n < 0 || n > size {
		return errRange("m_adj", 0, n, size)
	}
	return adj(m, n)
}

// Truncate keeps the first n bytes and drops the rest (m_adj(n - Len)).
func (p *Packet) Truncate(n int) error {
	m, size, err := p.headLen("m_adj")
	if err != nil {
		return err
	}
	if n < 0 || n > size {
		return errRange("m_adj", n, 0, size)
	}
	return adj(m, n-size)
}

// Adj is m_adj: trim n bytes from the front (n > 0) or -n bytes from the
// end (n < 0); more than the packet holds empties it. Emptied mbufs stay
// in the chain, as in NetBSD.
func (p *Packet) Adj(n int) error {
	m, err := p.head("m_adj")
	if err != nil {
		return err
	}
	return adj(m, n)
}

// adj is Adj on head m of a live handle (nil: an empty Packet).
func adj(m *core.Mbuf, n int) (err error) {
	if m == nil {
		return nil
	}
	defer recoverTo(&err, "m_adj")
	core.Default().Adj(m, n)
	return nil
}

// Header returns the first n bytes of the packet as one writable slice
// of its memory: a view to read and edit protocol headers in place. When
// they are not already contiguous and writable (spread over mbufs, or in
// storage shared with a clone or attached read-only), they are first
// copied into a new first buffer. On failure (ErrRange, ErrTooBig above
// ClusterSize, ErrNoBufs) the packet is unchanged, unlike Pullup. The
// slice is valid until the packet next changes.
func (p *Packet) Header(n int) (_ []byte, err error) {
	m, err := p.head("m_pullup")
	if err != nil {
		return nil, err
	}
	size := 0
	if m != nil {
		size = int(m.Pkt().Len)
	}
	switch {
	case n < 0 || n > size:
		return nil, errRange("m_pullup", 0, n, size)
	case n > ClusterSize:
		return nil, errorf(ErrTooBig, "m_pullup", "%d bytes cannot be contiguous (at most %d)", n, ClusterSize)
	case m == nil:
		return nil, nil
	case int(m.Len) >= n && !m.ReadOnly():
		return m.Bytes()[:n:n], nil
	}
	defer recoverTo(&err, "m_pullup")
	p.retire()
	h := core.Default().Contiguous(m, n)
	if h == nil {
		p.setHead(m)
		return nil, noBufs("m_pullup")
	}
	p.setHead(h)
	return h.Bytes()[:n:n], nil
}

// Pullup is m_pullup: make the first n bytes contiguous in the first mbuf
// (n at most HeaderDataSize when a new mbuf is needed). As in NetBSD a
// failure frees the packet and leaves p empty, except an n outside the
// packet (ErrRange), which changes nothing. Header is the
// non-destructive form.
func (p *Packet) Pullup(n int) (err error) {
	m, size, err := p.headLen("m_pullup")
	if err != nil {
		return err
	}
	if n < 0 || n > size {
		return errRange("m_pullup", 0, n, size)
	}
	if m == nil {
		return nil
	}
	defer recoverTo(&err, "m_pullup")
	p.retire()
	r := core.Default().Pullup(m, n)
	p.setHead(r)
	if r == nil {
		return errorf(ErrNoBufs, "m_pullup", "cannot make %d bytes contiguous; the packet was freed", n)
	}
	return nil
}

// Pulldown is m_pulldown: make bytes [off, off+n) contiguous in one mbuf
// and return them as a slice of the packet's memory, valid until the
// packet next changes. As in NetBSD a failure frees the packet and leaves
// p empty, except a range outside the packet (ErrRange).
func (p *Packet) Pulldown(off, n int) (_ []byte, err error) {
	m, size, err := p.headLen("m_pulldown")
	if err != nil {
		return nil, err
	}
	if off < 0 || n < 0 || off > size || n > size-off {
		return nil, errRange("m_pulldown", off, n, size)
	}
	if m == nil || n == 0 {
		return []byte{}, nil // nothing to make contiguous
	}
	defer recoverTo(&err, "m_pulldown")
	p.retire()
	x, o := core.Default().Pulldown(m, off, n, true)
	if x == nil {
		p.setHead(nil)
		return nil, errorf(ErrNoBufs, "m_pulldown", "cannot make [%d, %d) contiguous; the packet was freed", off, off+n)
	}
	p.setHead(m)
	return x.Bytes()[o : o+n : o+n], nil
}

// WriteAt writes b at offset off (io.WriterAt). Storage shared with other
// packets or attached read-only is copied first (m_makewritable); past
// the end the packet grows, a gap zero-filled (m_copyback). When memory
// runs out it returns how many bytes were written and ErrNoBufs.
func (p *Packet) WriteAt(b []byte, off int64) (n int, err error) {
	m, err := p.head("m_copyback")
	if err != nil {
		return 0, err
	}
	if m == nil {
		if off != 0 {
			return 0, errRange("m_copyback", int(off), len(b), 0)
		}
		if err := p.startWith("m_copyback", b); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	size := int64(m.Pkt().Len)
	if off >= 0 && len(b) == 0 {
		return 0, nil
	}
	if off < 0 || off > int64(core.M_COPYALL) || int64(len(b)) > int64(core.M_COPYALL)-off {
		return 0, errRange("m_copyback", int(off), len(b), int(size))
	}
	defer recoverTo(&err, "m_copyback")
	pl := core.Default()
	if inside := min(int64(len(b)), size-off); inside > 0 && core.HasReadOnly(m, int(off), int(inside)) {
		p.retire()
		rc := pl.MakeWritable(&m, int(off), int(inside), core.M_DONTWAIT)
		p.setHead(m)
		if rc != 0 {
			return 0, noBufs("m_makewritable")
		}
	}
	pl.Copyback(m, int(off), len(b), b)
	if got := int64(m.Pkt().Len) - off; got < int64(len(b)) {
		return int(max(got, 0)), noBufs("m_copyback")
	}
	return len(b), nil
}

// Copyback is WriteAt under its NetBSD name (m_copyback_cow inside the
// packet, m_copyback past its end).
func (p *Packet) Copyback(off int, data []byte) error {
	_, err := p.WriteAt(data, int64(off))
	return err
}
