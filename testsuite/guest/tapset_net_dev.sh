#!/bin/sh
# Run by tapset_net_dev.stp (-c): a dummy device's life (created, MTU and
# hardware address set, up, promiscuous on and off, statistics and
# ioctls read, down, deleted), then two pings on loopback.
d=stapdummy0
modprobe dummy numdummies=0
ip link add $d type dummy
ip link set $d mtu 1400
ip link set $d address 02:00:00:00:00:07
ip link set $d up
ip link set $d promisc on
ip link set $d promisc off
cat /proc/net/dev >/dev/null
busybox ifconfig $d >/dev/null
ip link set $d down
ip link del $d
ip link set lo up
busybox ping -c 2 -s 100 127.0.0.1 >/dev/null
