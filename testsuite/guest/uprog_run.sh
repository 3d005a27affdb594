#!/bin/sh
# Runs a test program of ../uprog without its own output, as the process
# the script's target() names.  Called through a link named PROGRAM-N.sh
# (.opts can't quote "-c 'PROGRAM N'"): ../uprog/PROGRAM N.
name=$(basename "$0" .sh)
exec "../uprog/${name%-*}" "${name##*-}" >/dev/null
