#!/bin/sh
# Run by tapset_target_set.stp (-c): a child, and a child with children.
/bin/true
/bin/sh -c '/bin/true; /bin/true; :'
