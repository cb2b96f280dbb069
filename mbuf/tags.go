package mbuf

import "github.com/libmbuf/libmbuf/core"

// Packet tags (m_tag): small typed records carried in the packet header,
// such as the VLAN id a driver found. Clone, Copy and Dup copy them; Split
// leaves them with the first part; Cat drops those of the packet appended.

// SetTag replaces the tags of id with one holding a copy of payload (at
// most 65535 bytes).
func (p *Packet) SetTag(id uint16, payload []byte) (err error) {
	m, err := p.head("m_tag_get")
	if err != nil {
		return err
	}
	if m == nil {
		return errorf(ErrInvalid, "m_tag_get", "an empty Packet has no header for tags")
	}
	if len(payload) > 0xffff {
		return errorf(ErrTooBig, "m_tag_get", "payload of %d bytes (at most 65535)", len(payload))
	}
	defer recoverTo(&err, "m_tag_get")
	pl := core.Default()
	t := pl.TagGet(int(id), len(payload), core.M_DONTWAIT)
	if t == nil {
		return noBufs("m_tag_get")
	}
	copy(t.Payload(), payload)
	for old := pl.TagFind(m, int(id), nil); old != nil; old = pl.TagFind(m, int(id), nil) {
		pl.TagDelete(m, old)
	}
	pl.TagPrepend(m, t)
	return nil
}

// Tag returns a copy of the payload of the first tag of id.
func (p *Packet) Tag(id uint16) (_ []byte, ok bool) {
	m, err := p.head("m_tag_find")
	if err != nil || m == nil {
		return nil, false
	}
	defer func() { _ = recover() }() // a tag list C code corrupted: not found
	t := core.Default().TagFind(m, int(id), nil)
	if t == nil {
		return nil, false
	}
	return append([]byte{}, t.Payload()...), true
}

// DeleteTag removes every tag of id; it reports whether there was one.
func (p *Packet) DeleteTag(id uint16) (found bool) {
	m, err := p.head("m_tag_delete")
	if err != nil || m == nil {
		return false
	}
	defer func() { _ = recover() }() // a tag list C code corrupted: what was done
	pl := core.Default()
	for t := pl.TagFind(m, int(id), nil); t != nil; t = pl.TagFind(m, int(id), nil) {
		pl.TagDelete(m, t)
		found = true
	}
	return found
}

// Tags returns the ids of the packet's tags, first to last.
func (p *Packet) Tags() (ids []uint16) {
	m, err := p.head("m_tag_first")
	if err != nil || m == nil {
		return nil
	}
	defer func() { _ = recover() }() // a tag list C code corrupted: what was read
	pl := core.Default()
	for t := pl.TagFirst(m); t != nil; t = pl.TagNext(m, t) {
		ids = append(ids, t.ID)
	}
	return ids
}
