#!/bin/sh
# Run by tapset_vfs_open.stp (-c): opens and closes of known files on
# the tmpfs /run, one of them in a subdirectory, one that is a directory.
d=/run/stap_vfs_dir
rm -rf $d
mkdir $d
echo data >$d/file
cat $d/file >/dev/null
exec 3<$d
exec 3<&-
rm -rf $d
