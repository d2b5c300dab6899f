#!/bin/sh
# test-cache.sh: scripts/cache.sh's promises, on a cache of its own:
# an entry is built once however many runs ask at the same time, a failed
# build leaves nothing behind, an entry in place is used without its
# builder, a slot keeps the entries of its two most recently used keys (a
# revert reuses the previous one; a third key removes the older).  TAP.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
ZCOPY_CACHE=$(mktemp -d)
export ZCOPY_CACHE
trap 'rm -rf "$ZCOPY_CACHE"' EXIT
. "$here/cache.sh"
n=0 bad=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; bad=$((bad + 1)); fi
}

builds=$ZCOPY_CACHE/builds
slow=$ZCOPY_CACHE/slow failing=$ZCOPY_CACHE/failing
cat >"$slow" <<EOF2
#!/bin/sh
set -eu
echo x >>"$builds"
sleep 1
echo "\$1" >"\$ZCOPY_CACHE_TMP/content"
EOF2
cat >"$failing" <<EOF2
#!/bin/sh
set -eu
echo failing >>"$builds"
echo half >"\$ZCOPY_CACHE_TMP/content"
false
echo "not reached: set -e holds in the builder" >"\$ZCOPY_CACHE_TMP/content"
EOF2
chmod +x "$slow" "$failing"

echo "TAP version 13"
echo "1..9"
for i in 1 2 3 4; do
	cache_entry slot k1 "$slow" one >"$ZCOPY_CACHE/out$i" &
done
wait
ok "$([ "$(wc -l <"$builds")" -eq 1 ] && echo 0 || echo 1)" "four concurrent runs, one build"
e=$(cat "$ZCOPY_CACHE/out1")
same=0
for i in 2 3 4; do [ "$(cat "$ZCOPY_CACHE/out$i")" = "$e" ] || same=1; done
ok "$same" "all four get the same entry"
ok "$([ "$(cat "$e/content")" = one ] && echo 0 || echo 1)" "the entry holds what its builder made"

again=$(cache_entry slot k1 "$failing") && r=0 || r=1
ok "$([ "$r" = 0 ] && [ "$again" = "$e" ] && [ "$(wc -l <"$builds")" -eq 1 ] && echo 0 || echo 1)" \
	"an entry in place is used without its builder"

out=$(cache_entry slot k2 "$failing") && r=1 || r=0
ok "$r" "a failing build fails"
ok "$([ -z "$out" ] && [ ! -e "$ZCOPY_CACHE/slot/k2" ] && [ -z "$(ls -A "$ZCOPY_CACHE/slot" | grep -v '^k1$')" ] && echo 0 || echo 1)" \
	"and leaves nothing behind"

slot_is() { [ "$(ls -A "$ZCOPY_CACHE/slot" | tr '\n' ' ')" = "$1" ] && echo 0 || echo 1; }
cache_entry slot k3 "$slow" three >/dev/null
ok "$(slot_is "k1 k3 ")" "a new key is added beside the one used before"
back=$(cache_entry slot k1 "$failing") && r=0 || r=1
ok "$([ "$r" = 0 ] && [ "$back" = "$e" ] && echo 0 || echo 1)" \
	"reverting to the previous key reuses its entry"
cache_entry slot k4 "$slow" four >/dev/null
ok "$(slot_is "k1 k4 ")" "a third key removes the least recently used entry"
echo "# $((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
