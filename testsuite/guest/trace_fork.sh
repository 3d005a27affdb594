#!/bin/sh
# Run by trace_process_wildcard.stp: forks a child, waits for it, exits.
/bin/true
