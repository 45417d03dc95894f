#!/usr/bin/env bash
# package: the .deb that `cpack -G DEB` makes passes lintian without errors,
# and has what an admin expects of a Debian package: the man page gzipped, a
# copyright file and a changelog, a real Maintainer, dependencies from the
# binary's libraries, the files in /etc/rollcall marked as conffiles, and an
# example config whose paths are the installed ones (/etc/rollcall/...,
# never ~/.ssh) and that validates once the example inventory, a key and
# known_hosts are in place.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v lintian >/dev/null || t_die "lintian not found: run scripts/deps.sh"
command -v cpack >/dev/null || t_die "cpack not found: run scripts/deps.sh"

out=$T_DIR/deb
cpack --config "$BUILD_DIR/CPackConfig.cmake" -B "$out" >"$T_DIR/cpack.log" 2>&1 ||
    t_die "cpack failed: $(tail -5 "$T_DIR/cpack.log")"
deb=$(ls "$out"/rollcall_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || t_die "cpack made no .deb: $(tail -5 "$T_DIR/cpack.log")"

# ---- lintian: no errors (warnings are listed in the log)
set +e
lint=$(lintian --fail-on error "$deb" 2>&1)
lrc=$?
set -e
printf '%s\n' "$lint" | sed 's/^/  [lintian] /'
assert_eq "lintian exits 0 (no errors)" 0 "$lrc"
assert_eq "lintian reports no E: tag" "" "$(grep '^E:' <<<"$lint" || true)"

# ---- contents
files=$(dpkg-deb -c "$deb" | awk '{print $NF}')
assert_match "man page is gzipped" '\./usr/share/man/man1/rollcall\.1\.gz' "$files"
assert_eq "no uncompressed man page" "" "$(grep -E 'man1/rollcall\.1$' <<<"$files" || true)"
assert_match "copyright file" '\./usr/share/doc/rollcall/copyright' "$files"
assert_match "changelog" '\./usr/share/doc/rollcall/changelog\.gz' "$files"
maint=$(dpkg-deb -f "$deb" Maintainer)
assert_match "Maintainer is a name and an address" '^[^<]+ <[^@>]+@[^@>]+\.[a-z]+>$' "$maint"
assert_eq "Maintainer is not @localhost" "" "$(grep -i '@localhost' <<<"$maint" || true)"
assert_match "Depends on libc (from dpkg-shlibdeps)" 'libc6 \(>=' "$(dpkg-deb -f "$deb" Depends)"
conffiles=$(dpkg-deb -I "$deb" conffiles)
assert_match "example config is a conffile" '/etc/rollcall/rollcall\.yml\.example' "$conffiles"
assert_match "example inventory is a conffile" '/etc/rollcall/inventory\.yml\.example' "$conffiles"

# ---- the example config, as installed
root=$T_DIR/root
dpkg-deb -x "$deb" "$root"
ex=$root/etc/rollcall/rollcall.yml.example
assert_eq "no ~ path in the example config" "" "$(grep -nE '^[^#]*~/' "$ex" || true)"
# line_of REGEX: the example's first line matching (anchored per line)
line_of() { grep -m1 -E "$1" "$ex" || true; }
assert_nonempty "identity in /etc/rollcall" "$(line_of '^ +identity: /etc/rollcall/id_ed25519')"
assert_nonempty "known_hosts in /etc/rollcall" "$(line_of '^ +known_hosts: /etc/rollcall/known_hosts')"
assert_nonempty "inventory in /etc/rollcall" "$(line_of '^ +- /etc/rollcall/inventory\.yml')"
assert_nonempty "database in /var/lib/rollcall" "$(line_of '^database: /var/lib/rollcall/')"
# As the admin would use it (cp both examples), under a private root.
etc=$T_DIR/etc-rollcall
mkdir -p "$etc"
cp "$root/etc/rollcall/inventory.yml.example" "$etc/inventory.yml"
# ... and puts the key and known_hosts it names in place (check-config
# checks that they exist and can be read).
ssh-keygen -q -t ed25519 -N '' -C rollcall -f "$etc/id_ed25519" >/dev/null
: >"$etc/known_hosts"
sed -e "s|/etc/rollcall/|$etc/|g" -e "s|/var/lib/rollcall/|$T_DIR/|" "$ex" >"$etc/rollcall.yml"
set +e
cc=$("$ROLLCALL" check-config -c "$etc/rollcall.yml" 2>&1)
ccrc=$?
set -e
assert_eq "the installed example validates once the inventory, key and known_hosts are in place" "0" "$ccrc"
[ "$ccrc" = 0 ] || printf '  %s\n' "$cc"
assert_match "man page renders" 'rollcall' "$(zcat "$root/usr/share/man/man1/rollcall.1.gz" | head -n 20)"
finish
