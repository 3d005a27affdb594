#!/bin/sh
# Run by tapset_conv_user.stp (-c): opens a file (that doesn't exist) with
# a tab, an e-acute in UTF-8 and a \001 in its name; the script reads the
# name back in the kernel, from cat's memory and from the kernel's copy.
exec cat "$(printf 'tapset-conv\tcaf\303\251\001-probe')" 2>/dev/null
