package core

// Moving and copying packet headers: m_move_pkthdr and M_COPY_PKTHDR.
// Only the M_COPYFLAGS bits travel with a header; M_PROTO1 and M_LINK3-6
// stay behind (and are lost with it).

// MovePkthdr is m_move_pkthdr: the header of from, tags included, moves to
// to, whose data pointer is reset to m_pktdat; from loses M_PKTHDR. to must
// have no external storage and no tags of its own.
func (p *Pools) MovePkthdr(to, from *Mbuf) {
	p.CheckMbuf("m_move_pkthdr", to)
	p.CheckMbuf("m_move_pkthdr", from)
	needHdr("m_move_pkthdr", from)
	if to.Flags&M_EXT != 0 {
		violate("m_move_pkthdr", "destination %#x has external storage", Addr(to))
	}
	if to.Flags&M_PKTHDR != 0 && to.Pkt().Tags != nil {
		violate("m_move_pkthdr", "destination %#x still has packet tags", Addr(to))
	}
	if to == from {
		violate("m_move_pkthdr", "source and destination are the same mbuf %#x", Addr(to))
	}
	movePkthdr(to, from)
}

func movePkthdr(to, from *Mbuf) {
	*to.Pkt() = *from.Pkt()
	to.Flags = from.Flags & M_COPYFLAGS
	to.Data = to.PktDatAddr()
	from.Flags &^= M_PKTHDR
}

// CopyPkthdr is M_COPY_PKTHDR: to gets a copy of from's header with
// duplicated tags (none if memory for them is short) and its data pointer
// reset to m_pktdat. to must not have external storage or tags of its own,
// which the macro would silently lose.
func (p *Pools) CopyPkthdr(to, from *Mbuf) {
	p.CheckMbuf("M_COPY_PKTHDR", to)
	p.CheckMbuf("M_COPY_PKTHDR", from)
	needHdr("M_COPY_PKTHDR", from)
	if to.Flags&M_EXT != 0 {
		violate("M_COPY_PKTHDR", "destination %#x has external storage", Addr(to))
	}
	if to.Flags&M_PKTHDR != 0 && to.Pkt().Tags != nil {
		violate("M_COPY_PKTHDR", "destination %#x still has packet tags", Addr(to))
	}
	if to == from {
		violate("M_COPY_PKTHDR", "source and destination are the same mbuf %#x", Addr(to))
	}
	p.copyPkthdr(to, from)
}

func (p *Pools) copyPkthdr(to, from *Mbuf) {
	*to.Pkt() = *from.Pkt()
	to.Flags = from.Flags & M_COPYFLAGS
	// The struct copy aliased from's tag list; start empty before copying.
	to.Pkt().Tags = nil
	p.tagCopyChain(to, from)
	to.Data = to.PktDatAddr()
}
