package core

// Moving and copying packet headers: m_move_pkthdr and M_COPY_PKTHDR.
// Only the M_COPYFLAGS bits travel with a header; M_PROTO1 and M_LINK3-6
// stay behind (and are lost with it).

// MovePkthdr is m_move_pkthdr: the header of from, tags included, moves to
// to, whose data pointer is reset to m_pktdat; from loses M_PKTHDR. to must
// have no external storage and no tags of its own.
func (p *Pools) MovePkthdr(to, from *Mbuf) {
	p.checkHeaderTarget("m_move_pkthdr", to, from)
	movePkthdr(to, from)
}

// checkHeaderTarget checks what moving or copying a header needs: two
// live mbufs, a header on from, and a to without storage or tags of its
// own (which would be lost) that is not from itself.
func (p *Pools) checkHeaderTarget(fn string, to, from *Mbuf) {
	p.CheckMbuf(fn, to)
	p.CheckMbuf(fn, from)
	needHdr(fn, from)
	if to.Flags&M_EXT != 0 {
		violate(fn, "destination %#x has external storage", Addr(to))
	}
	if to.Flags&M_PKTHDR != 0 && to.Pkt().Tags != nil {
		violate(fn, "destination %#x still has packet tags", Addr(to))
	}
	if to == from {
		violate(fn, "source and destination are the same mbuf %#x", Addr(to))
	}
}

func movePkthdr(to, from *Mbuf) {
	copyPktHdr(to.Pkt(), from.Pkt())
	to.Flags = from.Flags & M_COPYFLAGS
	to.Data = to.PktDatAddr()
	from.Flags &^= M_PKTHDR
}

// CopyPkthdr is M_COPY_PKTHDR: to gets a copy of from's header with
// duplicated tags (none if memory for them is short) and its data pointer
// reset to m_pktdat. to must not have external storage or tags of its own,
// which the macro would silently lose.
func (p *Pools) CopyPkthdr(to, from *Mbuf) {
	p.checkHeaderTarget("M_COPY_PKTHDR", to, from)
	p.copyPkthdr(to, from)
}

func (p *Pools) copyPkthdr(to, from *Mbuf) {
	copyPktHdr(to.Pkt(), from.Pkt())
	to.Flags = from.Flags & M_COPYFLAGS
	// The struct copy aliased from's tag list; start empty before copying.
	setPtr(&to.Pkt().Tags, nil)
	if from.Pkt().Tags != nil {
		p.tagCopyChain(to, from)
	}
	to.Data = to.PktDatAddr()
}
