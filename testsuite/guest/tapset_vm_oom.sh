#!/bin/sh
# Run by tapset_vm_oom.stp (-c): in a memory cgroup limited to 16 MiB, a
# python process fills 64 MiB, so the OOM killer picks it (the biggest
# task there: the shell that started it is tiny) and kills it; the rest
# of the guest is untouched.
cg=/sys/fs/cgroup
mounted=
grep -q "^cgroup2 $cg " /proc/mounts || { mount -t cgroup2 none $cg && mounted=yes; }
echo +memory >$cg/cgroup.subtree_control
mkdir -p $cg/stap_oom
echo 16M >$cg/stap_oom/memory.max
echo 0 >$cg/stap_oom/memory.swap.max 2>/dev/null
/bin/sh -c "echo \$\$ >$cg/stap_oom/cgroup.procs && /usr/bin/python3 -S -I -c 'b = b\"x\" * (64 << 20)'; :" 2>/dev/null
rmdir $cg/stap_oom
[ -z "$mounted" ] || umount $cg
