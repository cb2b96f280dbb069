// Command packets builds, transforms and inspects mbuf chains with the Go
// API (package mbuf), without C: go run ./examples/go/packets
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/libmbuf/libmbuf/mbuf"
)

func main() {
	eth := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x00}
	ip := []byte{0x45, 0, 0, 0x54, 0, 1, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}
	frame := append(append(append([]byte(nil), eth...), ip...), bytes.Repeat([]byte("ping"), 500)...)

	p, err := mbuf.New(frame)
	check(err)
	defer p.Free()
	fmt.Println("received  ", p)

	check(p.Adj(len(eth)))
	check(p.Pullup(20))
	hdr, err := p.Pulldown(0, 20)
	check(err)
	fmt.Printf("ip packet  %d bytes, version %d, ttl %d\n", p.Len(), hdr[0]>>4, hdr[8])

	check(p.SetTag(mbuf.PACKET_TAG_VLAN, []byte{0, 42}))
	check(p.Prepend(eth))
	fmt.Println("forwarded ", p, "tags", p.Tags())

	tap, err := p.Copy(0, -1)
	check(err)
	check(p.Copyback(14+8, []byte{63}))
	a, _ := p.Read(22, 1)
	b, _ := tap.Read(22, 1)
	fmt.Printf("ttl now    %d, the tap still sees %d\n", a[0], b[0])
	tap.Free()

	rest, err := p.Split(1000)
	check(err)
	fmt.Println("split     ", p.Len(), "+", rest.Len(), "bytes")
	check(p.Cat(rest))
	for i, s := range p.Segments() {
		fmt.Printf("  mbuf %d: %4d bytes  %s\n", i, s.Len, mbuf.FlagNames(s.Flags))
	}

	ring := make([]byte, 64)
	z, err := mbuf.Attach(ring, true, func() { fmt.Println("zero copy  buffer released") })
	check(err)
	check(z.Copyback(0, []byte("written through the mbuf")))
	fmt.Printf("zero copy  %q\n", ring[:24])
	z.Free()

	if _, err := p.Read(5000, 10); err != nil {
		fmt.Println("error:    ", err)
	}
	fmt.Printf("stats      %+v\n", mbuf.ReadStats())
	p.Free()
	fmt.Printf("freed      %+v\n", mbuf.ReadStats())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "packets:", err)
		os.Exit(1)
	}
}
