"""A DHCPv4 server small enough to read, for the real dhcp plugin test (tests/real/cni_plugins_test.py).

Run inside a network namespace: ``python dhcp_server.py IFACE SERVER_IP OFFER_IP LOG``. It answers every
DISCOVER with an OFFER and every REQUEST with an ACK of OFFER_IP/24 (router SERVER_IP), broadcast on IFACE,
and appends each client message's options to LOG as one JSON line (``{"type": N, "options": {code: hex}}``),
so a test can see what the CNI dhcp daemon sent: the provide options (host-name 12, user-class 77, ...) and the
parameter request list (55). RFC 2131/2132 message layout; no lease bookkeeping.
"""

from __future__ import annotations

import json
import socket
import struct
import sys

MAGIC = b"\x63\x82\x53\x63"
DISCOVER, OFFER, REQUEST, ACK = 1, 2, 3, 5


def parse_options(data: bytes) -> dict[int, bytes]:
    options: dict[int, bytes] = {}
    i = 0
    while i < len(data):
        code = data[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        length = data[i + 1]
        options[code] = options.get(code, b"") + data[i + 2 : i + 2 + length]
        i += 2 + length
    return options


def reply(request: bytes, kind: int, server: bytes, offer: bytes) -> bytes:
    xid, flags, chaddr = request[4:8], request[10:12], request[28:44]
    head = struct.pack("!BBBB", 2, 1, 6, 0) + xid + b"\x00\x00" + flags
    head += b"\x00" * 4 + offer + server + b"\x00" * 4 + chaddr + b"\x00" * 192 + MAGIC
    opts = [
        (53, bytes([kind])),
        (54, server),
        (51, struct.pack("!I", 3600)),
        (1, socket.inet_aton("255.255.255.0")),
        (3, server),
    ]
    return head + b"".join(bytes([c, len(v)]) + v for c, v in opts) + b"\xff"


def main(iface: str, server_ip: str, offer_ip: str, log: str) -> None:
    server, offer = socket.inet_aton(server_ip), socket.inet_aton(offer_ip)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    sock.bind(("0.0.0.0", 67))
    print("ready", flush=True)
    while True:
        data, _ = sock.recvfrom(4096)
        if len(data) < 240 or data[0] != 1 or data[236:240] != MAGIC:
            continue
        options = parse_options(data[240:])
        kind = options.get(53, b"\x00")[0]
        with open(log, "a", encoding="utf-8") as out:
            out.write(json.dumps({"type": kind, "options": {str(c): v.hex() for c, v in options.items()}}) + "\n")
        if kind in (DISCOVER, REQUEST):
            answer = reply(data, OFFER if kind == DISCOVER else ACK, server, offer)
            sock.sendto(answer, ("255.255.255.255", 68))


if __name__ == "__main__":
    main(*sys.argv[1:5])
