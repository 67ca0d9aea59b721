#!/usr/bin/env bash
# Refresh constraints.txt: the exact version of every package the tests run with.
#
# The README's install and test commands install through it (`pip install -c
# constraints.txt ...`), so a fresh machine gets what was tested, and a new
# upstream release changes nothing until someone runs this script, runs the
# tests (`bash .ci/run`) and commits the result.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet -e '.[test]'
{
    echo "# The exact versions the tests ran with; made by tools/refresh-constraints.sh."
    echo "# Python $("$work/venv/bin/python" -c 'import platform; print(platform.python_version())'), $(date -u +%Y-%m-%d)."
    "$work/venv/bin/python" -m pip freeze --exclude-editable | grep -v '^normquiz'
} > constraints.txt
echo "constraints.txt: $(grep -vc '^#' constraints.txt) packages pinned"
