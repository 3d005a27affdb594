#!/bin/sh
# Run by tapset_ctx_user.stp (-c): keeps a CPU busy in user space for a
# while, without a system call.
i=0
while [ $i -lt 200000 ]; do
	i=$((i + 1))
done
