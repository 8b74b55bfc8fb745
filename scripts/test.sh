#!/usr/bin/env bash
# The test command of the README: makes sure the virtual environment has daoban with every
# extra the tests exercise, then runs the whole suite (unit, integration on SQLite and
# PostgreSQL, models, privacy, browser). Extra pytest arguments are passed through.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# The local CPU build of torch first, so sentence-transformers does not pull CUDA wheels.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[dense,bench,voice,test]"
if [ "${DAOBAN_LINT:-0}" = 1 ]; then
  # The house kept tidy (issue 12): the project's own ruff and mypy configuration, whole tree.
  .venv/bin/ruff check .
  .venv/bin/mypy .
fi
export DAOBAN_TEST_POSTGRES_URL=${DAOBAN_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
exec .venv/bin/python -m pytest "$@"
