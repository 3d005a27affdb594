#!/bin/sh
# Run by target_pid.stp and target_compound.stp (-c): writes its own pid
# into the script's procfs file.
for f in /proc/systemtap/*/pid; do echo $$ >"$f"; done
