#!/bin/sh
# Install libpagewait for C programs and C plugins:
#
#     Scripts/install-lib.sh LIBRARY PREFIX
#
# LIBRARY is the built shared library (libPagewaitABI.so in the build
# directory, whose SONAME is libpagewait.so.0); PREFIX is where it goes
# (/usr/local, $HOME/.local, ...). DESTDIR, if set, is prepended to every
# installed path but not to the paths written into pagewait.pc, for staged
# installs. Installs:
#
#     PREFIX/lib/libpagewait.so.0            the library
#     PREFIX/lib/libpagewait.so              -> libpagewait.so.0, for -lpagewait
#     PREFIX/include/pagewait.h              the C interface
#     PREFIX/lib/pkgconfig/pagewait.pc       from pagewait.pc.in
#
# `make install` runs this with the release build; the tests run it with
# the debug build into a temporary prefix.
set -eu

usage() {
    echo "usage: $0 LIBRARY PREFIX   (DESTDIR=... to stage)" >&2
    exit 2
}
[ $# -eq 2 ] || usage
library=$1
prefix=$2
case $prefix in
    /*) ;;
    *) echo "$0: PREFIX must be an absolute path, got '$prefix'" >&2; exit 2 ;;
esac
[ -f "$library" ] || { echo "$0: no library at '$library' (build it with: swift build --product PagewaitABI)" >&2; exit 1; }

root=$(cd "$(dirname "$0")/.." && pwd)
header=$root/include/pagewait.h
template=$root/pagewait.pc.in

version=$(sed -n 's/^#define PW_VERSION[[:space:]]*"\([^"]*\)".*/\1/p' "$header")
[ -n "$version" ] || { echo "$0: no PW_VERSION in $header" >&2; exit 1; }

dest=${DESTDIR:-}$prefix
mkdir -p "$dest/lib/pkgconfig" "$dest/include"

install -m 0755 "$library" "$dest/lib/libpagewait.so.0"
ln -sf libpagewait.so.0 "$dest/lib/libpagewait.so"
install -m 0644 "$header" "$dest/include/pagewait.h"

# '|' delimits: a prefix may contain '/' but not '|'.
case $prefix in *'|'*) echo "$0: PREFIX must not contain '|'" >&2; exit 2 ;; esac
sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" "$template" > "$dest/lib/pkgconfig/pagewait.pc"
chmod 0644 "$dest/lib/pkgconfig/pagewait.pc"

echo "installed libpagewait $version into $dest"
