#!/bin/sh
# Run by trace_stack_args.stp: work that allocates kernel memory.
for i in 1 2 3 4 5; do
	ls -l /proc/self/ >/dev/null
done
