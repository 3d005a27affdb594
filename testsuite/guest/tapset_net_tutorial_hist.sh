#!/bin/sh
# Run by tapset_net_tutorial_hist.stp (-c): three pings over loopback,
# 56 data bytes each: six 98-byte frames (ICMP, IPv4 and Ethernet
# headers) transmitted on lo.
ip link set lo up
busybox ping -c 3 -s 56 127.0.0.1 >/dev/null
