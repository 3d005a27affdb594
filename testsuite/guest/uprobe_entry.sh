#!/bin/sh
# Two iterations in the main thread, then one with add_ints in a thread.
../uprog/uprog 2 >/dev/null && ../uprog/uprog --thread 1 >/dev/null
