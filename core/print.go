package core

import (
	"fmt"
	"strings"
	"unsafe"
)

// m_print: the DDB dump of an mbuf, as text lines.

// Bit-name formats for bitmask_snprintf(9), the same strings as
// M_FLAGS_BITS and M_CSUM_BITS in include/mbuf.h (print_test.go checks).
const (
	MFlagsBits = "\020\001EXT\002PKTHDR\003EOR\004PROTO1\005AUTHIPHDR\006DECRYPTED" +
		"\007LOOP\010AUTHIPDGM\011BCAST\012MCAST\013CANFASTFWD\014ANYCAST6" +
		"\015LINK0\016LINK1\017LINK2\020LINK3\021LINK4\022LINK5\023LINK6" +
		"\031EXT_CLUSTER\032EXT_PAGES\033EXT_ROMAP\034EXT_RW\035EXT_LAZY"
	MCsumBits = "\020\001TCPv4\002UDPv4\003TCP_UDP_BAD\004DATA\005TCPv6\006UDPv6" +
		"\007IPv4\010IPv4_BAD\011TSOv4\012TSOv6\040NO_PSEUDOHDR"
)

const pageSize = 4096

// Bitmask formats v the way the 2007 bitmask_snprintf does with an
// old-style format: the number in the base given by the first byte (8, 10
// or 16), then the names of the set bits in format order between < and >,
// separated by commas. Each name follows its 1-based bit number byte and
// ends at the next byte <= ' '.
func Bitmask(v uint64, format string) string {
	if format == "" {
		return ""
	}
	var b strings.Builder
	switch format[0] {
	case 8:
		fmt.Fprintf(&b, "%o", v)
	case 10:
		fmt.Fprintf(&b, "%d", v)
	default:
		fmt.Fprintf(&b, "%x", v)
	}
	named := false
	for i := 1; i < len(format); {
		bit := uint(format[i])
		i++
		j := i
		for j < len(format) && format[j] > ' ' {
			j++
		}
		if bit >= 1 && bit <= 64 && v&(1<<(bit-1)) != 0 {
			if named {
				b.WriteByte(',')
			} else {
				b.WriteByte('<')
			}
			named = true
			b.WriteString(format[i:j])
		}
		i = j
	}
	if named {
		b.WriteByte('>')
	}
	return b.String()
}

// cptr formats a pointer as glibc's printf %p does, which is what the
// 2007 m_print printed through a userland pr function.
func cptr(a uintptr) string {
	if a == 0 {
		return "(nil)"
	}
	return fmt.Sprintf("%#x", a)
}

// Print is m_print: the lines (without newlines) the 2007 m_print passes to
// its pr function for m, and with chain (modifier "c") for every mbuf
// after it too.
func (p *Pools) Print(m *Mbuf, chain bool) []string {
	p.CheckMbuf("m_print", m)
	if chain {
		p.CheckChain("m_print", m)
	}
	var out []string
	for ; m != nil; m = m.Next {
		out = append(out, printOne(m)...)
		if !chain {
			break
		}
	}
	return out
}

func printOne(m *Mbuf) []string {
	u32 := func(v int) uint32 { return uint32(int32(v)) }
	ro := 0
	if m.ReadOnly() {
		ro = 1
	}
	lines := []string{
		"MBUF " + cptr(Addr(m)),
		fmt.Sprintf("  data=%s, len=%d, type=%d, flags=0x%s",
			cptr(m.Data), m.Len, m.Type, Bitmask(uint64(uint32(m.Flags)), MFlagsBits)),
		fmt.Sprintf("  owner=%s, next=%s, nextpkt=%s",
			cptr(m.Owner), cptr(Addr(m.Next)), cptr(Addr(m.NextPkt))),
		fmt.Sprintf("  leadingspace=%d, trailingspace=%d, readonly=%d",
			u32(m.LeadingSpace()), u32(m.TrailingSpace()), ro),
	}
	if m.Flags&M_PKTHDR != 0 {
		h := m.Pkt()
		// csum_flags is an int widened to 64 bits: negative values sign-extend.
		lines = append(lines, fmt.Sprintf("  pktlen=%d, rcvif=%s, csum_flags=0x%s, csum_data=0x%x, segsz=%d",
			h.Len, cptr(h.Rcvif), Bitmask(uint64(int64(h.CsumFlags)), MCsumBits), h.CsumData, h.SegSz))
	}
	if m.Flags&M_EXT != 0 {
		e := m.Ext()
		lines = append(lines, fmt.Sprintf("  ext_refcnt=%d, ext_buf=%s, ext_size=%d, ext_free=%s, ext_arg=%s",
			e.RefCnt, cptr(e.Buf), int64(e.Size), cptr(e.Free), cptr(e.Arg)))
		if m.Flags&M_EXT_PAGES != 0 {
			lines = append(lines, pagesLine(e))
		}
	}
	return lines
}

// pagesLine lists the ext_pgs[] entries covering the storage.
func pagesLine(e *ExtStorage) string {
	sva := e.Buf &^ (pageSize - 1)
	eva := (e.Buf + e.Size + pageSize - 1) &^ (pageSize - 1)
	n := min(int((eva-sva)/pageSize), extPages)
	pgs := (*[extPages]uintptr)(unsafe.Pointer(&e.Paddr))
	var b strings.Builder
	b.WriteString("  pages:")
	for i := 0; i < n; i++ {
		b.WriteString(" " + cptr(pgs[i]))
	}
	return b.String()
}
