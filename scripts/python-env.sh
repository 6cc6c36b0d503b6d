#!/usr/bin/env bash
# Prints the path of a Python interpreter that has the packages of Tests/interop/requirements.txt
# (pinned: gql, websockets, selenium, strawberry-graphql, uvicorn, pytest), creating a virtual
# environment for them under .build/interop-venv on first use and reusing it afterwards. Only
# PyPI is needed, no root: Debian packages (chromium, postgresql) are installed by .ci/run.
#
#     python="$(scripts/python-env.sh)"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv=.build/interop-venv
requirements=Tests/interop/requirements.txt
stamp="$venv/.requirements"
if [[ ! -x "$venv/bin/python" ]] || ! cmp -s "$requirements" "$stamp"; then
    echo "Setting up $venv with $requirements" >&2
    mkdir -p .build
    python3 -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
    cp "$requirements" "$stamp"
fi
echo "$PWD/$venv/bin/python"
