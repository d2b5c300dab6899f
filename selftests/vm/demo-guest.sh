#!/bin/sh
# Runs inside the VM for `make demo`: what a user would type.
cd "$(dirname "$0")"
step() { printf '\n$ %s\n' "$*"; "$@"; }

step uname -r
echo "# init loaded the module with modprobe; reload it through the tool (libkmod)"
step ./zcopy unload
step ./zcopy load "/lib/modules/$(uname -r)/extra/zcopy.ko"
sleep 1
step modinfo zcopy
step ls -l /dev/zcopy
step ./zcopy info
step ./zcopy nic lo
step ./zcopy nic eth0

echo
echo "# a 32 MiB file on the VM's ext4 disk (virtio-blk), cold in the page cache"
dd if=/dev/urandom of=/mnt/data/demo.dat bs=1M count=32 2>/dev/null
sync
echo 3 >/proc/sys/vm/drop_caches

echo "# a sink on loopback TCP; every transfer below ends up there"
./zcopy recv 127.0.0.1:7000 >/tmp/recv.log 2>&1 &
sink=$!
sleep 1

echo "# SG on a cold file: no CPU copies, the disk read it (dma_in_bytes)"
step ./zcopy send -m sg 127.0.0.1:7000 /mnt/data/demo.dat
echo "# SG again, warm: no disk reads either"
step ./zcopy send -m sg 127.0.0.1:7000 /mnt/data/demo.dat
echo "# the same file with sendfile(2), for comparison (the kernel keeps no counters)"
step ./zcopy send -m sendfile 127.0.0.1:7000 /mnt/data/demo.dat
echo "# COPY, the read+write baseline: two CPU copies of every byte"
step ./zcopy send -m copy 127.0.0.1:7000 /mnt/data/demo.dat
echo "# DIRECT: read with direct I/O into the module's pages, the page cache untouched"
step ./zcopy send -m direct -H "HTTP/1.1 200 OK\r\n\r\n" 127.0.0.1:7000 /mnt/data/demo.dat
sleep 1
kill $sink
echo
echo "# what the sink received, per connection"
cat /tmp/recv.log
step ./zcopy stats
echo
echo "# the device against sendfile(2), case by case"
step ./zcopy verify --dir /mnt/data
echo
echo "TAP version 13"
echo "1..0 # demo"
