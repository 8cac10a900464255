#!/bin/sh
# Install the dependencies of emer's core and of the given extras, read from pyproject.toml,
# without emer itself. Images run it before they copy the source, so a code change rebuilds
# only the last layer instead of reinstalling torch.
#   install-deps.sh [EXTRA...]
set -eu
src="${EMER_SRC:-/opt/emer/src}"
pip="${PIP:-pip}"
requirements=$(mktemp)
"${PYTHON:-python}" - "$src/pyproject.toml" "$@" > "$requirements" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as pyproject:
    project = tomllib.load(pyproject)["project"]
extras = project["optional-dependencies"]
requirements = list(project["dependencies"])
for extra in sys.argv[2:]:
    requirements += [r for r in extras[extra] if not r.startswith(project["name"] + "[")]
print("\n".join(dict.fromkeys(requirements)))
PY
echo "install-deps: $(tr '\n' ' ' < "$requirements")"
$pip install -r "$requirements"
rm -f "$requirements"
