package core

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// seg describes one mbuf of a test chain.
type seg struct {
	cluster bool // a cluster instead of the internal buffer
	lead    int  // bytes of leading space before the data
	n       int  // m_len
}

func in(n int) seg         { return seg{n: n} }
func inAt(lead, n int) seg { return seg{lead: lead, n: n} }
func cl(n int) seg         { return seg{cluster: true, n: n} }
func segs(s ...seg) []seg  { return s }
func pattern(n, k int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + k*31 + 1)
	}
	return b
}

// build makes a chain from segs, filled with pattern bytes (stream k); hdr
// gives the first mbuf a packet header with pkthdr.len set. It returns the
// chain and its bytes.
func build(t *testing.T, p *Pools, hdr bool, k int, ss ...seg) (*Mbuf, []byte) {
	t.Helper()
	var top, last *Mbuf
	var all []byte
	for i, s := range ss {
		var m *Mbuf
		if i == 0 && hdr {
			m = p.GetHdr(M_DONTWAIT, MT_DATA)
		} else {
			m = p.Get(M_DONTWAIT, MT_DATA)
		}
		if s.cluster {
			p.ClGet(m, M_DONTWAIT)
			if m.Flags&M_EXT == 0 {
				t.Fatal("no cluster")
			}
		}
		m.Data += uintptr(s.lead)
		if s.n > m.RawTrailingSpace() {
			t.Fatalf("segment %d: %d bytes do not fit", i, s.n)
		}
		b := pattern(s.n, k*16+i)
		copy(bytesAt(m.Data, s.n), b)
		m.Len = int32(s.n)
		all = append(all, b...)
		if last == nil {
			top = m
		} else {
			last.Next = m
		}
		last = m
	}
	if hdr {
		top.Pkt().Len = int32(len(all))
	}
	return top, all
}

// chainBytes returns the data of a chain.
func chainBytes(m *Mbuf) []byte {
	var b []byte
	for ; m != nil; m = m.Next {
		b = append(b, m.Bytes()...)
	}
	return b
}

// shape describes a chain as the oracle does at its shape level: per mbuf
// m_len, P/E/C/R (M_PKTHDR, M_EXT, M_EXT_CLUSTER, M_READONLY), then
// M_LEADINGSPACE:M_TRAILINGSPACE.
func shape(m *Mbuf) string {
	var parts []string
	for ; m != nil; m = m.Next {
		f := ""
		if m.Flags&M_PKTHDR != 0 {
			f += "P"
		}
		if m.Flags&M_EXT != 0 {
			f += "E"
		}
		if m.Flags&M_EXT_CLUSTER != 0 {
			f += "C"
		}
		if m.ReadOnly() {
			f += "R"
		}
		parts = append(parts, fmt.Sprintf("%d%s:%d:%d", m.Len, f, m.LeadingSpace(), m.TrailingSpace()))
	}
	return strings.Join(parts, " ")
}

func wantBytes(t *testing.T, what string, m *Mbuf, want []byte) {
	t.Helper()
	if got := chainBytes(m); !bytes.Equal(got, want) {
		t.Fatalf("%s: bytes differ (got %d bytes, want %d)", what, len(got), len(want))
	}
}

// Expected shapes hold on any ABI (LP64's MLEN 456, i386's 224): a
// trailing space written "~" is the rest of the mbuf's buffer after its
// leading space and data (MHLEN with a packet header, else MLEN; MCLBYTES
// for a cluster; 0 when read-only), and lengths that depend on the ABI
// come from its constants (sh, hAlign, pkthdrLen).
func wantShape(t *testing.T, what string, m *Mbuf, want string) {
	t.Helper()
	want = expandShape(t, want)
	if got := shape(m); got != want {
		t.Fatalf("%s: shape\n got  %s\n want %s", what, got, want)
	}
}

func wantPktLen(t *testing.T, what string, m *Mbuf, want int) {
	t.Helper()
	if m.Flags&M_PKTHDR == 0 {
		t.Fatalf("%s: no packet header", what)
	}
	if int(m.Pkt().Len) != want {
		t.Fatalf("%s: pkthdr.len %d, want %d", what, m.Pkt().Len, want)
	}
}

func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func addTag(t *testing.T, p *Pools, m *Mbuf, id int, payload string) {
	t.Helper()
	tg := p.TagGet(id, len(payload), M_NOWAIT)
	copy(tg.Payload(), payload)
	p.TagPrepend(m, tg)
}

func tagList(m *Mbuf) string {
	var parts []string
	for tg := m.Pkt().Tags; tg != nil; tg = tg.Next {
		parts = append(parts, fmt.Sprintf("%d:%s", tg.ID, tg.Payload()))
	}
	return strings.Join(parts, ",")
}

// sh formats an expected shape (fmt.Sprintf: for the ABI's constants).
func sh(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// pkthdrLen is the room a packet header takes in an mbuf: data at the
// start of m_pktdat lies pkthdrLen bytes into m_dat once the header goes.
const pkthdrLen = MLEN - MHLEN

// hAlign and mAlign are the leading space MH_ALIGN and M_ALIGN give n
// bytes: the end of the buffer, rounded down to a pointer's alignment.
func hAlign(n int) int { return (MHLEN - n) &^ int(ptrSize-1) }
func mAlign(n int) int { return (MLEN - n) &^ int(ptrSize-1) }

// expandShape replaces each "~" trailing space of a shape (see wantShape).
func expandShape(t *testing.T, want string) string {
	t.Helper()
	if !strings.Contains(want, "~") {
		return want
	}
	parts := strings.Fields(want)
	for i, part := range parts {
		lenFlags, rest, _ := strings.Cut(part, ":")
		lead, trail, _ := strings.Cut(rest, ":")
		if trail != "~" {
			continue
		}
		flags := strings.TrimLeft(lenFlags, "0123456789")
		n, err1 := strconv.Atoi(strings.TrimSuffix(lenFlags, flags))
		l, err2 := strconv.Atoi(lead)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad expected shape %q", part)
		}
		size := MLEN
		switch {
		case strings.Contains(flags, "R"):
			size = n + l // M_TRAILINGSPACE is 0 for read-only storage
		case strings.Contains(flags, "EC"):
			size = MCLBYTES
		case strings.Contains(flags, "E"):
			t.Fatalf("expected shape %q: ~ needs a buffer of known size", part)
		case strings.Contains(flags, "P"):
			size = MHLEN
		}
		parts[i] = fmt.Sprintf("%s:%d:%d", lenFlags, l, size-l-n)
	}
	return strings.Join(parts, " ")
}
