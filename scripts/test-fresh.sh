#!/usr/bin/env bash
# npm run test:fresh: the README's two commands (npm install, npm test) on a
# fresh clone of HEAD, as on a machine that has Node, a C/C++ toolchain and a
# shared-libpython CPython but none of Debian's optional framework packages.
# Those packages (pybind11-dev, cython3, librust-pyo3-dev) are hidden by bind
# mounts in a private mount namespace (unshare -m, as root), so the tests
# that need them must skip, naming the package, and everything else pass.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ "$(id -u)" -ne 0 ]; then
  echo "static-py test:fresh: hiding system packages needs root (unshare -m and bind mounts); run it as root, as CI does" >&2
  exit 2
fi

work="$(mktemp -d /tmp/static-py-fresh-XXXXXX)"
trap 'rm -rf "$work"' EXIT
git clone -q "$root" "$work/static-py"
mkdir -p "$work/empty"
echo "static-py test:fresh: a clone of $(git -C "$root" rev-parse --short HEAD) in $work/static-py"

# What each optional package puts where the build looks for it.
hide=(/usr/include/pybind11 /usr/share/cargo/registry /usr/bin/cython3 /usr/bin/cython)
export STATIC_PY_TEST_TOOLCHAINS=  # skipping is what is being checked
export STATIC_PY_TEST_CPYTHON_SUITES=  # as on a new user's machine
export STATIC_PY_TEST_MARKUPSAFE=  # the source is fetched into builds/, which a fresh clone has not
unshare -m --propagation private bash -euo pipefail -c '
  for path in "$@"; do
    if [ -d "$path" ]; then mount --bind "'"$work"'/empty" "$path"
    elif [ -e "$path" ]; then mount --bind /dev/null "$path"
    fi
  done
  if [ -e /usr/include/pybind11/pybind11.h ] || { command -v cython3 >/dev/null && cython3 --version >/dev/null 2>&1; }; then
    echo "static-py test:fresh: the framework packages are still visible" >&2
    exit 1
  fi
  echo "static-py test:fresh: hidden: $*"
  cd "'"$work"'/static-py"
  npm install
  npm test
' hide "${hide[@]}"
