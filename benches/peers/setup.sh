#!/usr/bin/env bash
# Creates benches/peers/.venv and installs the peers that peers.py compares arr with.
# Optional: peers.py runs with whatever subset is installed (even none: it then reports every
# peer as skipped), so this is only needed for a full comparison. Needs Python 3.11 (or set
# PYTHON) and a few GB of disk (PyPI's torch wheel comes with CUDA libraries).
#
#   bash benches/peers/setup.sh
#   benches/peers/.venv/bin/python benches/peers/peers.py [--arr target/release/arr]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${VENV:-$here/.venv}"
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"

"$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check)
"${pip[@]}" install -q --upgrade pip

# torch: the CPU-only build when its index answers, else the PyPI wheel (CUDA build).
torch_req="$(grep -E '^torch==' "$here/requirements.txt")"
cpu_index=https://download.pytorch.org/whl/cpu
if "$venv/bin/python" - "$cpu_index" <<'PY' 2>/dev/null; then
import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/", timeout=5)
PY
    echo "installing $torch_req from $cpu_index"
    "${pip[@]}" install -q --index-url "$cpu_index" "$torch_req" ||
        "${pip[@]}" install -q "$torch_req"
else
    echo "$cpu_index not reachable: installing $torch_req from PyPI"
fi

# Everything (torch again, which is then already satisfied unless the CPU index failed).
"${pip[@]}" install -q -r "$here/requirements.txt"
"$venv/bin/python" -c 'import numpy, numexpr, jax, numba, torch; print("peers installed:", "numpy", numpy.__version__, "numexpr", numexpr.__version__, "jax", jax.__version__, "numba", numba.__version__, "torch", torch.__version__)'
