#!/bin/sh
# Run in the guest by perf_sw_events.stp: page faults (starting programs)
# and context switches (waiting for them, sleeping).
ls / >/dev/null
sleep 0.2
