#!/bin/sh
# A stat (for from_kuid_munged), then select() with a timeout of 1.234 s.
exec perl -e 'my @s = stat("/"); select(undef, undef, undef, 1.234)'
