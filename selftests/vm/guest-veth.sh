# guest-veth.sh: sourced inside the VM by the guest scripts of make bench,
# make profile, bench-nginx and nginx-seq (their host scripts copy it into
# the guest directory).
#
# veth_pair NS IF PEER_IF: a veth pair between this network namespace and
# a new one, NS: IF here with 192.0.2.1/24, PEER_IF in NS with 192.0.2.2/24,
# both up, and NS's loopback.  ip netns keeps its handles in /var/run/netns;
# the tools look for them in /run/netns.
veth_pair() {
	mkdir -p /var && ln -sfn /run /var/run
	ip netns add "$1"
	ip link add "$2" type veth peer name "$3"
	ip link set "$3" netns "$1"
	ip addr add 192.0.2.1/24 dev "$2"
	ip link set "$2" up
	ip -n "$1" addr add 192.0.2.2/24 dev "$3"
	ip -n "$1" link set "$3" up
	ip -n "$1" link set lo up
}
