# Makes the toolkit importable: the repository's .venv when python cannot import it yet.
toolkit_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if ! python -c "import toolkit" >/dev/null 2>&1 && [ -f "${toolkit_repo}/.venv/bin/activate" ]; then
    # shellcheck disable=SC1091
    . "${toolkit_repo}/.venv/bin/activate"
fi
if ! python -c "import toolkit" >/dev/null 2>&1; then
    echo "error: python cannot import the toolkit; run 'make install' in ${toolkit_repo} (or activate its venv)" >&2
    exit 1
fi
export PYTHONUNBUFFERED=1
