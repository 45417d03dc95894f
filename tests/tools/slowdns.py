#!/usr/bin/env python3
"""slowdns: a DNS server that answers after a delay, for the connect-budget
and descriptor tests (tests/integration/connect_phases.sh).

    slowdns.py ADDR DELAY_S NAME=IPV4 ...

Listens on ADDR:53/udp. A queries for a listed NAME get its address, other
types for it an empty answer, unknown names NXDOMAIN; every answer is sent
DELAY_S seconds after its query. Runs until killed."""
import socket
import sys
import threading
import time


def answer(sock, query, peer, delay, table):
    """Parse the one question, wait, and reply."""
    time.sleep(delay)
    i, labels = 12, []
    while i < len(query) and query[i] != 0:
        n = query[i]
        labels.append(query[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    qtype = int.from_bytes(query[i + 1:i + 3], "big")
    question = query[12:i + 5]
    ip = table.get(".".join(labels).lower().rstrip("."))
    rr = b""
    rcode = 0 if ip else 3
    if ip and qtype == 1:
        rr = (b"\xc0\x0c\x00\x01\x00\x01" + (60).to_bytes(4, "big") +
              b"\x00\x04" + socket.inet_aton(ip))
    head = (query[:2] + bytes([0x81, 0x80 | rcode]) + b"\x00\x01" +
            (1 if rr else 0).to_bytes(2, "big") + b"\x00\x00\x00\x00")
    sock.sendto(head + question + rr, peer)


def main():
    addr, delay = sys.argv[1], float(sys.argv[2])
    table = dict(a.lower().split("=", 1) for a in sys.argv[3:])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((addr, 53))
    print("ready", flush=True)
    while True:
        query, peer = sock.recvfrom(512)
        if len(query) > 12:
            threading.Thread(target=answer, daemon=True,
                             args=(sock, query, peer, delay, table)).start()


if __name__ == "__main__":
    main()
