#!/usr/bin/env python3
"""Capture files from Python: scapy frames written as pcapng from mbuf
chains, read back without copying, rewritten, and checked by scapy.

Frames made by scapy become Packets (a header mbuf with the Ethernet and
IP headers in front of the payload's chain, as a driver would build
them) and are written to a pcapng file with nanosecond times, each record
gathered from its mbufs.  The file is read back zero copy: every packet's
storage is its record in the mapped file, read-only.  Each packet's TTL is
then lowered through copy-on-write (the mapped file does not change), the
IP checksum fixed, and the result written to a second capture that scapy
reads and checks.  Every check is an assert.  Run from the repository root
after `make`:
    python3 examples/pcap_scapy.py [out-directory]
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

from scapy.all import DNS, DNSQR, Ether, IP, UDP, Raw, rdpcap  # noqa: E402

import mbuf  # noqa: E402
from mbuf import Packet, pcap  # noqa: E402


def checksum(hdr):
    s = sum(int.from_bytes(hdr[i:i + 2], "big") for i in range(0, len(hdr), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="pcap_scapy.")
    os.makedirs(out, exist_ok=True)
    first, second = os.path.join(out, "first.pcapng"), os.path.join(out, "ttl-lowered.pcapng")
    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    frames = [eth / IP(src="10.0.0.1", dst="10.0.0.53", ttl=64) / UDP(sport=5353, dport=53)
              / DNS(rd=1, qd=DNSQR(qname="example%d.org" % i)) for i in range(3)]
    frames += [eth / IP(src="10.0.0.1", dst="10.0.0.2", ttl=9) / UDP(sport=9, dport=9)
               / Raw(bytes(range(256)) * 8)]                 # 2 KiB of payload

    # 1. write: headers in one mbuf, the payload in its own chain
    t0 = 1700000000_000000000
    with pcap.Writer(first, ng=True, nanosecond=True) as w:
        for i, f in enumerate(frames):
            raw = bytes(f)
            p = Packet(raw[14 + 28:])                      # payload (clusters if big)
            p.prepend(raw[:14 + 28])                       # Ethernet + IP + UDP
            assert len(p.mbufs()) >= 2 and bytes(p) == raw
            w.write(p, time_ns=t0 + i * 1_000_123)
            p.free()
    print("wrote %d frames to %s (%d bytes)" % (len(frames), first, os.path.getsize(first)))

    # 2. read back zero copy: the packets are the mapped file's bytes
    with pcap.Reader(first, zerocopy=True) as r:
        assert (r.linktype, r.ng, r.nanosecond) == (pcap.LINKTYPE_ETHERNET, True, True)
        recs = list(r)
    assert [bytes(x.packet) for x in recs] == [bytes(f) for f in frames]
    assert [x.time_ns for x in recs] == [t0 + i * 1_000_123 for i in range(len(frames))]
    assert all(x.packet.mbufs()[0].readonly for x in recs)
    print("read them back without copying: %d records, %d mbufs, all read-only"
          % (len(recs), sum(len(x.packet.mbufs()) for x in recs)))

    # 3. lower each TTL (copy-on-write) and write a second capture
    with pcap.Writer(second, ng=True, nanosecond=True) as w:
        for x in recs:
            p = x.packet
            ip = bytearray(p[14:34])
            ip[8] -= 1
            ip[10:12] = b"\0\0"
            ip[10:12] = checksum(bytes(ip)).to_bytes(2, "big")
            p.copyback(14, bytes(ip))                     # copies the part it writes
            w.write(x)                                    # the Record keeps its time
    for x in recs:
        x.packet.free()
    again = [bytes(x.packet) for x in pcap.read(first)]
    assert again == [bytes(f) for f in frames], "the first capture changed"

    # 4. scapy reads the second capture: TTLs lowered, checksums right
    got = rdpcap(second)
    assert len(got) == len(frames)
    for g, f in zip(got, frames):
        assert g[IP].ttl == f[IP].ttl - 1
        assert checksum(bytes(g[IP])[:20]) == 0                  # a valid header sums to 0
        assert bytes(g[UDP]) == bytes(f[UDP])
    for g in got:
        print("  " + g.summary())
    print("scapy read %s: %d frames, TTLs lowered, checksums correct" % (second, len(got)))
    mbuf.stats()
    if len(sys.argv) < 2:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
