// Command cinterop runs NetBSD kernel code, compiled into this Go program
// with cgo and libmbuf's porting kit, on packets built in Go: one
// runtime, one pool, packets handed across without a copy.
//
//	go run ./examples/go/cinterop
package main

import (
	"encoding/binary"
	"fmt"
	"log"
	"strings"

	"github.com/libmbuf/libmbuf/examples/go/cinterop/udp4"
	"github.com/libmbuf/libmbuf/mbuf"
)

func main() {
	defer mbuf.LeakCheck() // MBUF_LEAK_REPORT=1: list what is left, exit status 97
	log.SetFlags(0)
	log.SetPrefix("cinterop: ")
	for i, payload := range []string{"hello from Go", "", strings.Repeat("a longer datagram, spread over clusters. ", 100)} {
		p := build(payload)
		// the C code wants the IP and UDP headers in the first mbuf
		if _, err := p.Header(14 + 28); err != nil {
			log.Fatal(err)
		}
		if err := udp4.FillChecksums(&p, 14); err != nil { // C writes, in place
			log.Fatal(err)
		}
		if i == 1 {
			if _, err := p.WriteAt([]byte{0xbe}, 14+12); err != nil { // damage the source address
				log.Fatal(err)
			}
		}
		shape := fmt.Sprintf("%d bytes in %d mbufs", p.Len(), len(p.Segments()))
		verdict, err := udp4.Check(&p, 14) // the chain goes to C and, if valid, comes back
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-22s -> %s", shape, udp4.Reason(verdict))
		if verdict == udp4.OK {
			fmt.Printf(", back in Go (%d bytes)", p.Len())
			p.Free() // freed in Go
		} else {
			fmt.Printf(", freed by C (Go's handle is empty: %v)", !p.Valid())
		}
		fmt.Println()
	}
	q, err := udp4.BuildInC([]byte("made by m_gethdr and m_copyback in C"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("built in C, read in Go: %q\n", q.Bytes())
	q.Free()
	udp4.Clear()
	fmt.Printf("left allocated: %+v\n", mbuf.ReadStats())
}

// build makes an Ethernet + IPv4 + UDP frame in a chain of two packets
// glued together (the payload in its own mbuf).
func build(payload string) mbuf.Packet {
	hdr := make([]byte, 14+28)
	copy(hdr, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x00})
	ip := hdr[14:]
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], uint16(28+len(payload)))
	copy(ip[12:], []byte{10, 0, 0, 1, 10, 0, 0, 2})
	binary.BigEndian.PutUint16(ip[20:], 40000)
	binary.BigEndian.PutUint16(ip[22:], 7000)
	binary.BigEndian.PutUint16(ip[24:], uint16(8+len(payload)))
	p, err := mbuf.New(hdr)
	if err != nil {
		log.Fatal(err)
	}
	body, err := mbuf.New([]byte(payload))
	if err != nil {
		log.Fatal(err)
	}
	if err := p.Cat(&body); err != nil {
		log.Fatal(err)
	}
	return p.Take()
}
