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
echo "# the textbook's 'sendfile + SG-DMA' row on a NIC that does DMA: QEMU's"
echo "# e1000e pair (Debian's e1000e driver), the second one in a namespace of its own"
set -- $(for n in /sys/class/net/*; do
	[ "$(basename "$(readlink "$n/device/driver" 2>/dev/null)")" = e1000e ] && basename "$n"
done)
if [ $# -ge 2 ]; then
	nic=$1 peer=$2
	ip netns add dmapeer
	ip link set "$peer" netns dmapeer
	ip addr add 203.0.113.1/24 dev "$nic" && ip link set "$nic" up
	ip netns exec dmapeer sh -c "ip link set lo up; ip addr add 203.0.113.2/24 dev $peer; ip link set $peer up"
	# e1000e reports its link a few seconds after it was set up
	for i in $(seq 100); do
		ip netns exec dmapeer ip link show "$peer" | grep -q LOWER_UP &&
			grep -q 1 "/sys/class/net/$nic/carrier" && break
		sleep 0.1
	done
	step ./zcopy nic "$nic"
	dd if=/dev/urandom of=/mnt/data/demo-nic.dat bs=1M count=8 2>/dev/null
	ip netns exec dmapeer ./zcopy recv 203.0.113.2:7001 >/tmp/recv-nic.log 2>&1 &
	nicsink=$!
	sleep 1
	echo "# SG over e1000e: cpu_copy_bytes 0, dma_out_bytes = the file (gather DMA)"
	step ./zcopy send -m sg 203.0.113.2:7001 /mnt/data/demo-nic.dat
	echo "# the same NIC with scatter-gather off: the stack copies every byte"
	step ethtool -K "$nic" sg off
	step ./zcopy send -m sg 203.0.113.2:7001 /mnt/data/demo-nic.dat
	ethtool -K "$nic" sg on
	sleep 1
	kill $nicsink
	cat /tmp/recv-nic.log
else
	echo "# (no e1000e pair in this VM)"
fi

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
