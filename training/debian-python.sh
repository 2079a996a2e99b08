#!/usr/bin/env bash
# Lays out installed Debian python3 library packages for 'training corpus': STAGE/PKG/ holds the
# package's .py files from /usr/lib/python3/dist-packages (same relative paths) and its
# machine-readable copyright file, which the corpus's license detector reads per file.
# Usage: training/debian-python.sh STAGE PKG...   (install the packages with apt-get first)
set -euo pipefail
stage=$1; shift
dist=/usr/lib/python3/dist-packages
for pkg in "$@"; do
  copyright=/usr/share/doc/$pkg/copyright
  [[ -f $copyright ]] || { echo "$pkg: no $copyright (is it installed?)" >&2; exit 1; }
  mkdir -p "$stage/$pkg"
  cp -L "$copyright" "$stage/$pkg/copyright"
  n=0
  while IFS= read -r file; do
    [[ -f $file ]] || continue
    rel=${file#"$dist"/}
    mkdir -p "$stage/$pkg/$(dirname "$rel")"
    cp "$file" "$stage/$pkg/$rel"
    n=$((n + 1))
  done < <(dpkg -L "$pkg" | grep -E "^$dist/.*\.py$" || true)
  echo "$pkg $(dpkg-query -W -f='${Version}' "$pkg") $n files"
done
