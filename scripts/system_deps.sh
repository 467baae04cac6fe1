#!/usr/bin/env bash
# Install the Debian packages the project needs, only those missing.
#   scripts/system_deps.sh build       what `make install` needs to make .venv and run npm:
#                                      python3-venv (Debian's Python has no ensurepip without it), nodejs, npm,
#                                      and make itself (README's production set-up runs `make assets`)
#   scripts/system_deps.sh weasyprint  WeasyPrint's libraries and fonts (the Celery worker renders PDFs with them)
#   scripts/system_deps.sh demo        build + weasyprint (`make demo`)
#   scripts/system_deps.sh backup      the client tools of README's "Backups": pg_dump, pg_restore, createdb
#                                      (postgresql-client) and redis-cli (redis-tools), for a machine that
#                                      runs the portal but not its database or Redis
#   scripts/system_deps.sh [all]       everything `make test` needs: demo + Chromium, Redis, PostgreSQL, poppler
# Fast and silent when all is present. As root, missing packages are installed with apt-get;
# otherwise the script says what to install and fails. PYTHON: the Python .venv is made with.
set -euo pipefail

scope="${1:-all}"
python="${PYTHON:-python3}"
missing=()

case "$scope" in
    build) parts=(build) ;;
    weasyprint) parts=(weasyprint) ;;
    demo) parts=(build weasyprint) ;;
    backup) parts=(backup) ;;
    all) parts=(build weasyprint test) ;;
    *)
        echo "usage: $0 [build|weasyprint|demo|backup|all]" >&2
        exit 2
        ;;
esac
wants() { [[ " ${parts[*]} " == *" $1 "* ]]; }

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
need_pkg() { have_pkg "$1" || missing+=("$1"); }
# Each package once (pg_dump, pg_restore and createdb are all postgresql-client's).
need_cmd() { command -v "$1" >/dev/null 2>&1 || [[ " ${missing[*]} " == *" $2 "* ]] || missing+=("$2"); }

have_initdb() {
    command -v initdb >/dev/null 2>&1 && return 0
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

if wants build; then
    # `python3 -m venv` needs ensurepip, which Debian ships in python3-venv.
    "$python" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
    need_cmd node nodejs
    need_cmd npm npm
    # README's production set-up and upgrade run `make assets` after this script; Debian does not
    # install make by default (priority optional), so a new server had no make to run it with.
    need_cmd make make
fi

# WeasyPrint renders the briefing PDFs: Pango, HarfBuzz and real fonts (Noto Color Emoji: the emoji people
# paste into a briefing, which DejaVu and Liberation do not have and the PDF would show as empty boxes).
if wants weasyprint && command -v dpkg-query >/dev/null; then
    for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core fonts-liberation2 fonts-noto-color-emoji; do
        need_pkg "$pkg"
    done
fi

if wants backup; then
    for tool in pg_dump pg_restore createdb; do
        need_cmd "$tool" postgresql-client
    done
    need_cmd redis-cli redis-tools
fi

if wants test; then
    need_cmd chromium chromium
    need_cmd redis-server redis-server
    need_cmd pdftoppm poppler-utils
    have_initdb || missing+=(postgresql)
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
