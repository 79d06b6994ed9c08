#!/usr/bin/env bash
# The unit tests read the installed Clerk SDK: unless the pinned @clerk/react is already in the
# app's web directory (.web, or REFLEX_WEB_WORKDIR), install reflex.lock's frontend packages there.
# `reflex compile` installs them exactly as `reflex run` does, and writes any lock change back to
# reflex.lock/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

if "$PY" - <<'PYTHON'
import json
import sys

from reflex.utils.prerequisites import get_web_dir

from smnb_app.config.clerk import CLERK_REACT_PACKAGE

name, _, version = CLERK_REACT_PACKAGE.rpartition("@")
manifest = get_web_dir() / "node_modules" / name / "package.json"
sys.exit(0 if manifest.is_file() and json.loads(manifest.read_text())["version"] == version else 1)
PYTHON
then
    exit 0
fi
echo "make: installing reflex.lock's frontend packages (reflex compile)"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Compiling imports the app: the default provider, with a throwaway database, key and states.
SMNB_AUTH_PROVIDER=dev DATABASE_URL="sqlite:///$scratch/compile.db" SMNB_DEV_KEY_PATH="$scratch/keys/dev_issuer_key.pem" \
    REFLEX_STATES_WORKDIR="$scratch/states" .venv/bin/reflex compile --loglevel warning
