#!/bin/sh
# One round of calls into stp_testmod, then what its last stp_test_guru()
# call returned, as the module kept it.
echo > /proc/stp_testmod
sed -n 's/.* \(guru=[-0-9]*\) .*/module saw \1/p' /proc/stp_testmod
