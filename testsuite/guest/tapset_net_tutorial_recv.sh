#!/bin/sh
# Run by tapset_net_tutorial_recv.stp (-c): three pings over loopback,
# 56 data bytes each: six 84-byte IPv4 packets received on lo.
ip link set lo up
busybox ping -c 3 -s 56 127.0.0.1 >/dev/null
