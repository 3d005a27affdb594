#!/bin/sh
# Both programs, one after the other, as the target.
../uprog/uprog_O2 1 >/dev/null && ../uprog/uprog_nopie 1 >/dev/null
