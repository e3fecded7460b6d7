"""A client of dnspython's stub resolver (Debian's python3-dnspython), run by
test_client_matrix.py with /usr/bin/python3.

Usage: python3 dnspython_client.py OP NAME
  host            Resolver().resolve(NAME, "A", search=True): resolv.conf's search list applies
  a | aaaa | srv  Resolver().resolve(NAME, TYPE)
  wire-srv        the raw reply bytes of an SRV query for NAME over UDP (no EDNS), UDP (EDNS, 1232
                  bytes) and TCP; one line per transport:
                  "TRANSPORT bytes=N tc=0|1 srv=N compressed=N" (compressed: SRV records whose
                  target name holds a compression pointer, RFC 2782 forbids them)
  wire-udp-size   TYPE NAME over UDP offering a 4096-byte EDNS buffer: "bytes=N tc=0|1 answers=N"

Prints one status line, then one item per line (an address; for SRV "PORT TARGET", lower case,
no final dot): OK | NXDOMAIN | NODATA | TEMPFAIL | TIMEOUT | ERROR text.
"""
import socket
import struct
import sys

import dns.exception
import dns.message
import dns.rdatatype
import dns.resolver

SERVER = "127.0.0.1"


def resolve(op, name):
    resolver = dns.resolver.Resolver()  # /etc/resolv.conf
    resolver.lifetime = 20
    rtype = {"host": "A", "a": "A", "aaaa": "AAAA", "srv": "SRV"}[op]
    try:
        answer = resolver.resolve(name, rtype, search=(op == "host"))
    except dns.resolver.NXDOMAIN:
        return ["NXDOMAIN"]
    except dns.resolver.NoAnswer:
        return ["NODATA"]
    except dns.resolver.NoNameservers as e:  # every server answered SERVFAIL (or worse)
        sys.stderr.write("NoNameservers: %s\n" % e)
        return ["TEMPFAIL"]
    except dns.resolver.LifetimeTimeout:
        return ["TIMEOUT"]
    except dns.exception.DNSException as e:
        return ["ERROR %s: %s" % (type(e).__name__, e)]
    items = []
    for rr in answer:
        if rtype == "SRV":
            items.append("%d %s" % (rr.port, rr.target.to_text(omit_final_dot=True).lower()))
        else:
            items.append(rr.address)
    return ["OK"] + items


def skip_name(msg, pos):
    while True:
        n = msg[pos]
        if n & 0xC0 == 0xC0:
            return pos + 2
        if n == 0:
            return pos + 1
        pos += 1 + n


def srv_records(msg):
    """(SRV records, of which with a compressed target) in every section of a raw reply."""
    qdcount, ancount, nscount, arcount = struct.unpack(">HHHH", msg[4:12])
    pos = 12
    for _ in range(qdcount):
        pos = skip_name(msg, pos) + 4
    srv = compressed = 0
    for _ in range(ancount + nscount + arcount):
        pos = skip_name(msg, pos)
        rtype, _, _, rdlength = struct.unpack(">HHIH", msg[pos:pos + 10])
        pos += 10
        if rtype == 33:
            srv += 1
            p, end = pos + 6, pos + rdlength
            while p < end:
                n = msg[p]
                if n & 0xC0:  # a pointer (0xC0) or a reserved label type: not a plain name
                    compressed += 1
                    break
                if n == 0:
                    break
                p += 1 + n
        pos += rdlength
    return srv, compressed


def udp_exchange(query, size=65535):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(query, (SERVER, 53))
        return s.recv(size)


def tcp_exchange(query):
    with socket.create_connection((SERVER, 53), timeout=5) as s:
        s.sendall(struct.pack(">H", len(query)) + query)
        data = b""
        while len(data) < 2 or len(data) < 2 + struct.unpack(">H", data[:2])[0]:
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError("TCP connection closed after %d bytes" % len(data))
            data += chunk
        return data[2:2 + struct.unpack(">H", data[:2])[0]]


def wire_srv(name):
    lines = ["OK"]
    for transport, use_edns in (("udp", False), ("udp-edns", 0), ("tcp", False)):
        query = dns.message.make_query(name, "SRV", use_edns=use_edns, payload=1232)
        wire = query.to_wire()
        raw = tcp_exchange(wire) if transport == "tcp" else udp_exchange(wire)
        dns.message.from_wire(raw, ignore_trailing=False, one_rr_per_rrset=True)  # parses as a whole
        srv, compressed = srv_records(raw)
        lines.append("%s bytes=%d tc=%d srv=%d compressed=%d" % (transport, len(raw), bool(raw[2] & 0x02), srv,
                                                                  compressed))
    return lines


def wire_udp_size(rtype, name):
    query = dns.message.make_query(name, rtype, use_edns=0, payload=4096)
    raw = udp_exchange(query.to_wire())
    reply = dns.message.from_wire(raw, one_rr_per_rrset=True)
    answers = sum(len(rrset) for rrset in reply.answer)
    return ["OK", "bytes=%d tc=%d answers=%d" % (len(raw), bool(raw[2] & 0x02), answers)]


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    op = sys.argv[1]
    try:
        if op == "wire-srv":
            lines = wire_srv(sys.argv[2])
        elif op == "wire-udp-size":
            lines = wire_udp_size(sys.argv[2], sys.argv[3])
        else:
            lines = resolve(op, sys.argv[2])
    except Exception as e:  # noqa: BLE001 - every failure is a reported result
        lines = ["ERROR %s: %s" % (type(e).__name__, e)]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
