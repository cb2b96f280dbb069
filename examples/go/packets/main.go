// Command packets builds, transforms and inspects mbuf chains with the Go
// API (package mbuf), without C: go run ./examples/go/packets
package main

import (
	"bytes"
	"errors"
	"fmt"
	"log"

	"github.com/libmbuf/libmbuf/mbuf"
)

func main() {
	defer mbuf.LeakCheck() // MBUF_LEAK_REPORT=1: list what is left, exit status 97
	log.SetFlags(0)
	log.SetPrefix("packets: ")
	eth := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x00}
	ip := []byte{0x45, 0, 0x07, 0xe4, 0, 1, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}
	c := mbuf.Checksum(ip)
	ip[10], ip[11] = byte(c>>8), byte(c)
	frame := append(append(append([]byte(nil), eth...), ip...), bytes.Repeat([]byte("ping"), 500)...)

	// A frame arrives: a copy into a header mbuf and clusters.
	p, err := mbuf.New(frame)
	check(err)
	defer p.Free()
	fmt.Println("received  ", &p)

	// Strip the link header; edit the IPv4 header in place.
	check(p.TrimFront(len(eth)))
	hdr, err := p.Header(20)
	check(err)
	old := uint16(hdr[8])<<8 | uint16(hdr[9])
	hdr[8]--
	sum := mbuf.ChecksumUpdate(uint16(hdr[10])<<8|uint16(hdr[11]), old, uint16(hdr[8])<<8|uint16(hdr[9]))
	hdr[10], hdr[11] = byte(sum>>8), byte(sum)
	ok, err := p.Checksum(0, 20)
	check(err)
	fmt.Printf("ip packet  %d bytes, version %d, ttl %d, header checksum ok %v\n", p.Len(), hdr[0]>>4, hdr[8], ok == 0)

	// Tag it and put a new link header in front (in place: there is room).
	check(p.SetTag(mbuf.TagVLAN, []byte{0, 42}))
	check(p.Prepend(eth))
	fmt.Println("forwarded ", &p, "tags", p.Tags())

	// A tap copy shares the clusters; a write into p copies first.
	tap, err := p.Clone()
	check(err)
	_, err = p.WriteAt([]byte{32}, 14+8)
	check(err)
	a, b := make([]byte, 1), make([]byte, 1)
	_, err = p.ReadAt(a, 22)
	check(err)
	_, err = tap.ReadAt(b, 22)
	check(err)
	fmt.Printf("ttl now    %d, the tap still sees %d\n", a[0], b[0])
	tap.Free()

	// Cut and glue; walk the buffers.
	rest, err := p.Split(1000)
	check(err)
	fmt.Println("split     ", p.Len(), "+", rest.Len(), "bytes")
	check(p.Cat(&rest))
	for i, s := range p.Segments() {
		fmt.Printf("  mbuf %d: %4d bytes  %s\n", i, s.Len, s.Flags)
	}
	n := 0
	for seg := range p.All() {
		n += len(seg)
	}
	fmt.Println("all       ", n, "bytes in place")

	// A Go buffer as storage, no copy; released with the last reference.
	ring := make([]byte, 64)
	z, err := mbuf.Attach(ring, true, func() { fmt.Println("zero copy  buffer released") })
	check(err)
	_, err = z.WriteAt([]byte("written through the mbuf"), 0)
	check(err)
	fmt.Printf("zero copy  %q\n", ring[:24])
	z.Free()

	// Errors wrap sentinels; the packet is left as it was.
	if _, err := p.Header(5000); errors.Is(err, mbuf.ErrRange) {
		fmt.Println("error:    ", err)
	}
	fmt.Printf("stats      %+v\n", mbuf.ReadStats())
	p.Free()
	fmt.Printf("freed      %+v\n", mbuf.ReadStats())
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
