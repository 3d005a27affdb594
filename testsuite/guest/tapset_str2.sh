#!/bin/sh
# Run by tapset_str2.stp (-c): opens a file that doesn't exist.
exec cat /tmp/str2-probe-missing 2>/dev/null
