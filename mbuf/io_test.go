package mbuf

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"testing/iotest"
)

// The io interfaces hold their contracts on chains of every shape.
func TestReaderAtContract(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 30; i++ {
		p, ref := randomPacket(t, rng)
		if err := iotest.TestReader(io.NewSectionReader(&p, 0, int64(len(ref))), ref); err != nil {
			t.Fatalf("packet %s: %v", &p, err)
		}
		var buf bytes.Buffer
		if n, err := p.WriteTo(&buf); err != nil || n != int64(len(ref)) || !bytes.Equal(buf.Bytes(), ref) {
			t.Fatalf("WriteTo: %d, %v", n, err)
		}
		p.Free()
	}
}

func TestReadFrom(t *testing.T) {
	data := pattern(10000)
	for name, r := range map[string]func() io.Reader{
		"plain":    func() io.Reader { return bytes.NewReader(data) },
		"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
		"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
		"data+EOF": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
	} {
		var p Packet
		n, err := p.ReadFrom(r())
		if err != nil || n != int64(len(data)) || !bytes.Equal(p.Bytes(), data) {
			t.Errorf("%s: %d, %v", name, n, err)
		}
		// appending to a packet that exists, whose last buffer is shared
		c, _ := p.Clone()
		n, err = p.ReadFrom(strings.NewReader("tail"))
		if err != nil || n != 4 || !bytes.HasSuffix(p.Bytes(), []byte("tail")) || c.Len() != len(data) {
			t.Errorf("%s: appending: %d, %v", name, n, err)
		}
		c.Free()
		p.Free()
	}
	var p Packet
	boom := errors.New("boom")
	n, err := p.ReadFrom(io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)))
	if n != 3 || err != boom || string(p.Bytes()) != "abc" {
		t.Errorf("error from the reader: %d, %v, %q", n, err, p.Bytes())
	}
	p.Free()
}

func TestWriteAtContract(t *testing.T) {
	p, _ := New([]byte("0123456789"))
	defer p.Free()
	if _, err := p.WriteAt([]byte("x"), -1); !errors.Is(err, ErrRange) {
		t.Errorf("negative offset: %v", err)
	}
	if n, err := p.WriteAt([]byte("ab"), 12); n != 2 || err != nil {
		t.Errorf("past the end: %d, %v", n, err)
	}
	if got := p.Bytes(); string(got) != "0123456789\x00\x00ab" {
		t.Errorf("gap not zero-filled: %q", got)
	}
}

// udpLoopback returns a UDP socket on 127.0.0.1 and one connected to it,
// both closed when the test ends; nil where there is no loopback.
func udpLoopback(t *testing.T) (srv, cli *net.UDPConn) {
	srv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, nil
	}
	t.Cleanup(func() { srv.Close() })
	cli, err = net.DialUDP("udp4", nil, srv.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return srv, cli
}

// A socket pair moves whole packets: one datagram per packet whatever
// its shape, nothing copied, a too-long datagram cut with ErrTooBig.
func TestConnUDP(t *testing.T) {
	srv, cli := udpLoopback(t)
	if srv == nil {
		t.Skip("no UDP loopback")
	}
	tx, rx := NewConn(cli), NewConn(srv)
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 20; i++ {
		p, ref := randomPacket(t, rng)
		if len(ref) > 9000 {
			p.Free()
			continue
		}
		n, err := tx.WritePacket(&p)
		if err != nil || n != len(ref) {
			t.Fatalf("WritePacket of %s: %d, %v", &p, n, err)
		}
		q, err := rx.ReadPacket(65536)
		if err != nil || !bytes.Equal(q.Bytes(), ref) {
			t.Fatalf("ReadPacket: %v (%d bytes, sent %d)", err, q.Len(), len(ref))
		}
		q.Free()
		p.Free()
	}
	// WriteTo a socket is one datagram too
	p, _ := New(pattern(3000))
	if err := p.Prepend([]byte("head")); err != nil {
		t.Fatal(err)
	}
	if n, err := p.WriteTo(cli); err != nil || n != 3004 {
		t.Fatalf("WriteTo: %d, %v", n, err)
	}
	q, err := rx.ReadPacket(100)
	if !errors.Is(err, ErrTooBig) || q.Len() != 100 || !bytes.Equal(q.Bytes(), p.Bytes()[:100]) {
		t.Fatalf("cut datagram: %v, %d bytes", err, q.Len())
	}
	q.Free()
	p.Free()
	if _, err := rx.ReadPacket(0); !errors.Is(err, ErrRange) {
		t.Errorf("ReadPacket(0): %v", err)
	}
}

func TestConnStreamAndFallback(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Skip("no TCP loopback:", err)
	}
	defer ln.Close()
	done := make(chan net.Conn, 1)
	go func() { c, _ := ln.Accept(); done <- c }()
	cli, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	srv := <-done
	defer srv.Close()
	a, b := net.Pipe() // no file descriptor: the copying fallback
	defer a.Close()
	defer b.Close()
	for name, pair := range map[string][2]net.Conn{"tcp": {cli, srv}, "pipe": {a, b}} {
		tx, rx := NewConn(pair[0]), NewConn(pair[1])
		p, _ := New(pattern(5000))
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			if _, err := tx.WritePacket(&p); err != nil {
				t.Error(err)
			}
		}()
		var got []byte
		for len(got) < 5000 {
			q, err := rx.ReadPacket(4096)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got = append(got, q.Bytes()...)
			q.Free()
		}
		if !bytes.Equal(got, pattern(5000)) {
			t.Errorf("%s: stream differs", name)
		}
		<-wrote
		p.Free()
	}
	cli.Close()
	if _, err := NewConn(srv).ReadPacket(100); err != io.EOF {
		t.Errorf("end of stream: %v", err)
	}
}
