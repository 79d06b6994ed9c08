#!/usr/bin/env bash
# Every test: the unit suite, then the browser suite in its own pytest process (Reflex's advice).
# Uses PostgreSQL and Redis on loopback when they answer, and says so.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

answers() { "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$1" 2>/dev/null; }

if [[ -z "${SMNB_TEST_POSTGRES_URL:-}" ]]; then
    if answers 5432; then
        export SMNB_TEST_POSTGRES_URL="postgresql://root@127.0.0.1:5432/test"
        echo "make test: PostgreSQL answers on 127.0.0.1:5432; SMNB_TEST_POSTGRES_URL=$SMNB_TEST_POSTGRES_URL"
    else
        echo "make test: no PostgreSQL on 127.0.0.1:5432; PostgreSQL tests will be skipped (set SMNB_TEST_POSTGRES_URL)"
    fi
fi
if [[ -z "${REFLEX_REDIS_URL:-}" ]]; then
    if answers 6379; then
        export REFLEX_REDIS_URL="redis://127.0.0.1:6379/0"
        echo "make test: Redis answers on 127.0.0.1:6379; REFLEX_REDIS_URL=$REFLEX_REDIS_URL (browser tests keep Reflex state in Redis)"
    else
        echo "make test: no Redis on 127.0.0.1:6379; browser tests keep Reflex state on disk (set REFLEX_REDIS_URL)"
    fi
fi

"$PY" -m pytest tests/unit -q -ra
unit=$?
"$PY" -m pytest tests/e2e -q -ra
e2e=$?
echo "make test: unit suite exit $unit, browser suite exit $e2e"
[[ $unit -eq 0 && $e2e -eq 0 ]]
