#!/usr/bin/env bash
# Install the Debian packages the project needs, only those missing.
#   scripts/system_deps.sh            everything `make test` needs
#   scripts/system_deps.sh weasyprint only WeasyPrint's libraries and fonts (`make demo`)
# Fast and silent when all is present. As root, missing packages are installed with apt-get;
# otherwise the script says what to install and fails.
set -euo pipefail

scope="${1:-all}"
missing=()

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
need_pkg() { have_pkg "$1" || missing+=("$1"); }
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }

have_initdb() {
    command -v initdb >/dev/null 2>&1 && return 0
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

# WeasyPrint renders the briefing PDFs: Pango, HarfBuzz and real fonts.
for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core fonts-liberation2; do
    if command -v dpkg-query >/dev/null; then need_pkg "$pkg"; fi
done

if [[ "$scope" == all ]]; then
    need_cmd chromium chromium
    need_cmd redis-server redis-server
    need_cmd pdftoppm poppler-utils
    have_initdb || missing+=(postgresql)
    need_cmd node nodejs
    need_cmd npm npm
fi

((${#missing[@]} == 0)) && exit 0

if [[ "$(id -u)" != 0 ]]; then
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "Missing system packages: ${missing[*]} (and no apt-get to install them with)" >&2
    exit 1
fi

echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run to finish rather than fail on its lock.
apt_opts=(-qq -o DPkg::Lock::Timeout=900 -o Dpkg::Use-Pty=0)
apt-get "${apt_opts[@]}" update >/dev/null
apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
