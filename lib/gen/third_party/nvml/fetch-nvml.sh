#!/bin/sh
# Refresh include/nvml.h and LICENSE.txt from PyPI's nvidia-nvml-dev (the
# NVML headers NVIDIA publishes there; the CUDA 13 toolkit does not ship
# nvml.h).  Pinned to the release that matches CUDA 13.0; change VERSION
# (and the README) together.  Needs pip and network access to PyPI.
set -e
VERSION=${NVML_DEV_VERSION:-13.0.87}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pip download --no-deps --only-binary=:all: -d "$tmp" \
    "nvidia-nvml-dev==$VERSION" >/dev/null
python3 - "$tmp" "$here" <<'PY'
import glob, sys, zipfile
tmp, here = sys.argv[1], sys.argv[2]
whl = glob.glob(tmp + "/nvidia_nvml_dev-*.whl")[0]
with zipfile.ZipFile(whl) as z:
    for name in z.namelist():
        if name.endswith("include/nvml.h"):
            open(here + "/include/nvml.h", "wb").write(z.read(name))
        elif name.endswith("licenses/License.txt"):
            open(here + "/LICENSE.txt", "wb").write(z.read(name))
PY
sha256sum "$here/include/nvml.h"
