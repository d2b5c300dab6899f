#!/bin/sh
# Runs inside the VM for `make demo`: what a user would type.
cd "$(dirname "$0")"
step() { printf '\n$ %s\n' "$*"; "$@"; }

step uname -r
step lsmod
step modinfo zcopy
step ls -l /dev/zcopy
step ./zcopy info
step ./zcopy -j info
step ls /sys/kernel/debug/zcopy
echo
echo "TAP version 13"
echo "1..0 # demo"
