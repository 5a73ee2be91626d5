#!/usr/bin/env python3
"""Write seeds for the 'proc' fuzz target (fuzz/fuzz_proc.c).

Usage: fuzz/gen-proc-seeds.py OUTDIR   (the build writes BUILD/fuzz/proc)

Each seed is stat, limits, net/netstat, net/tcp, net/tcp6, maps and the fd
links ("N TARGET" lines) joined with "\\n--\\n": one from this very process's
/proc/self (whatever the build machine shows), and synthetic ones with
listeners, CLOSE_WAIT sockets, IPv6, overflows and odd lines. Deterministic
apart from the /proc/self one.
"""
import os
import sys

SEP = "\n--\n"
TCP_HDR = ("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
           "timeout inode\n")


def tcp_line(i, local, remote, st, rxq, ino):
    return ("%4d: %s %s %02X 00000000:%08X 00:00000000 00000000  1000        0 %d 1 "
            "0000000000000000 100 0 0 10 0\n" % (i, local, remote, st, rxq, ino))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen-proc-seeds.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    stat = ("4242 (serv) er)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 7 0 100 1000000 250 "
            "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n")
    limits = ("Limit                     Soft Limit           Hard Limit           Units     \n"
              "Max open files            1024                 524288               files     \n")
    netstat = ("TcpExt: SyncookiesSent ListenOverflows ListenDrops\n"
               "TcpExt: 0 17 17\n"
               "IpExt: InNoRoutes\nIpExt: 0\n")
    tcp = TCP_HDR + tcp_line(0, "0100007F:1F90", "00000000:0000", 0x0A, 129, 1001)
    tcp += tcp_line(1, "0100007F:1F90", "0100007F:C350", 0x08, 0, 1002)
    tcp += tcp_line(2, "0100007F:1F90", "0100007F:C351", 0x01, 0, 1003)
    tcp6 = TCP_HDR + tcp_line(0, "00000000000000000000000001000000:1F91",
                              "00000000000000000000000000000000:0000", 0x0A, 0, 1004)
    maps = ("00400000-00452000 r-xp 00000000 08:02 1234 /usr/bin/x\n"
            "00651000-00652000 rw-p 00051000 08:02 1234 /usr/bin/x\n"
            "7f0000000000-7f0000001000 r--p 00000000 00:00 0 /bin/app (deleted)\n")
    fds = "0 /dev/null\n1 socket:[1001]\n2 socket:[1002]\n3 socket:[1003]\n4 socket:[1004]\n5 pipe:[9]\n"
    seeds = {
        "synthetic.bin": SEP.join([stat, limits, netstat, tcp, tcp6, maps, fds]),
        "odd.bin": SEP.join(["1 (a) Z 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 x", "Max open files unlimited unlimited files\n",
                             "TcpExt: ListenOverflows\nTcpExt: 99999999999999999999999\n",
                             "junk\n  0: zz:zz\n", "", "ffffffffffffffff-0 r-xp 0 0:0 0 \n",
                             "7 socket:[18446744073709551615]\n8 socket:[\n"]),
    }
    parts = []
    for name in ["stat", "limits", "net/netstat", "net/tcp", "net/tcp6", "maps"]:
        try:
            with open("/proc/self/" + name) as f:
                parts.append(f.read()[:65536])
        except OSError:
            parts.append("")
    links = []
    for fd in sorted(os.listdir("/proc/self/fd"), key=int)[:32]:
        try:
            links.append("%s %s" % (fd, os.readlink("/proc/self/fd/" + fd)))
        except OSError:
            pass
    parts.append("\n".join(links) + "\n")
    seeds["self.bin"] = SEP.join(parts)
    for name, data in seeds.items():
        with open(os.path.join(out, name), "w") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(seeds), out))


if __name__ == "__main__":
    main()
