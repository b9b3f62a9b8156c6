# Shared helpers for the setup, run and test scripts. Sourced, not executed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP_VENV="$ROOT/.venv-app"
RASA_VENV="$ROOT/.venv-rasa"
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# find_python 3.10 VAR: prints an interpreter of that version (VAR overrides), or nothing.
find_python() {
  local want="$1" override="${2:-}" candidate
  local -a candidates=()
  [ -n "$override" ] && candidates+=("$override")
  candidates+=("python$want")
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/"$want".*/bin/python; do candidates+=("$candidate"); done
  fi
  for candidate in /usr/bin/python"$want" /usr/local/bin/python"$want"; do candidates+=("$candidate"); done
  for candidate in "${candidates[@]}"; do
    if "$candidate" -c "import sys; sys.exit(0 if sys.version_info[:2] == tuple(map(int, '$want'.split('.'))) else 1)" >/dev/null 2>&1; then
      command -v "$candidate" 2>/dev/null || echo "$candidate"
      return 0
    fi
  done
  return 0
}

hash_files() { cat "$@" | sha256sum | cut -d' ' -f1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    die "need root to run: $* (install it yourself, then re-run)"; fi
}

# apt_install PKG...: installs Debian packages that are missing.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand, then re-run"
  say "installing system packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
