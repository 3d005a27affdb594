#!/bin/sh
# Run by tapset_indent.stp (-c): one open of a file that doesn't exist.
exec cat /tmp/indent-missing 2>/dev/null
