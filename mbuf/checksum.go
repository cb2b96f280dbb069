package mbuf

import (
	"encoding/binary"
	"math/bits"
)

// The Internet checksum (RFC 1071): the one's complement of the one's
// complement sum of 16-bit big-endian words, as in_cksum computes it.

// Checksum returns the Internet checksum of b: put it in a header whose
// checksum field was zero, or check a received header (0 means valid).
func Checksum(b []byte) uint16 { return ^sum16(b) }

// ChecksumUpdate adjusts checksum check, computed over data in which one
// 16-bit word changed from old to new (RFC 1624): the TTL/protocol word
// of an IPv4 header after a hop, without summing the header again.
func ChecksumUpdate(check, old, new uint16) uint16 {
	v := uint32(^check) + uint32(^old) + uint32(new)
	v = (v & 0xffff) + v>>16
	v = (v & 0xffff) + v>>16
	return ^uint16(v)
}

// Checksum returns the Internet checksum of bytes [off, off+n) of the
// packet (in_cksum over a range), summed in place across its buffers.
func (p *Packet) Checksum(off, n int) (uint16, error) {
	m, err := p.head("in_cksum")
	if err != nil {
		return 0, err
	}
	size := p.Len()
	if off < 0 || n < 0 || off > size || n > size-off {
		return 0, errRange("in_cksum", off, n, size)
	}
	if err := checkChain("in_cksum", m); err != nil {
		return 0, err
	}
	var total uint32
	odd := false // the next buffer starts at an odd offset of the range
	for ; m != nil && n > 0; m = m.Next {
		b := m.Bytes()
		if off >= len(b) {
			off -= len(b)
			continue
		}
		b = b[off:min(len(b), off+n)]
		off = 0
		s := uint32(sum16(b))
		if odd {
			s = uint32(bits.ReverseBytes16(uint16(s)))
		}
		total += s
		odd = odd != (len(b)%2 == 1)
		n -= len(b)
	}
	total = (total & 0xffff) + total>>16
	total = (total & 0xffff) + total>>16
	return ^uint16(total), nil
}

// sum16 is the one's complement sum of b as big-endian 16-bit words (an
// odd last byte padded with zero), not complemented. It adds native
// 64-bit words with carries going round, then swaps the bytes of the
// result: the sum does not depend on how the bytes are grouped into
// words, and byte order commutes with it (RFC 1071 section 2).
func sum16(b []byte) uint16 {
	var s, c uint64
	for len(b) >= 64 {
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[0:8]), 0)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[8:16]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[16:24]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[24:32]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[32:40]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[40:48]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[48:56]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[56:64]), c)
		// Adding the carry back cannot carry again: after an add that
		// carried, s is at most 2^64-2 (by induction over the adds, the
		// first of which had no carry in).
		s, _ = bits.Add64(s, 0, c)
		b = b[64:]
	}
	for len(b) >= 8 {
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b), 0)
		s, _ = bits.Add64(s, 0, c)
		b = b[8:]
	}
	// the last 0-7 bytes, as the low bytes of one more little-endian word
	var t uint64
	if len(b) >= 4 {
		t = uint64(binary.LittleEndian.Uint32(b))
		b = b[4:]
		if len(b) >= 2 {
			t |= uint64(binary.LittleEndian.Uint16(b)) << 32
			b = b[2:]
			if len(b) == 1 {
				t |= uint64(b[0]) << 48
			}
		} else if len(b) == 1 {
			t |= uint64(b[0]) << 32
		}
	} else if len(b) >= 2 {
		t = uint64(binary.LittleEndian.Uint16(b))
		if len(b) == 3 {
			t |= uint64(b[2]) << 16
		}
	} else if len(b) == 1 {
		t = uint64(b[0])
	}
	s, c = bits.Add64(s, t, 0)
	s, _ = bits.Add64(s, 0, c)
	// fold 64 -> 16 bits, carries going round
	f := (s >> 32) + (s & 0xffffffff)
	f = (f >> 32) + (f & 0xffffffff)
	f = (f >> 16) + (f & 0xffff)
	f = (f >> 16) + (f & 0xffff)
	return bits.ReverseBytes16(uint16(f))
}
