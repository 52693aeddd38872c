# shellcheck shell=bash
# Source it (`. infra/workstation/env.sh`): puts the tools setup-debian.sh installs first on PATH.
#   - the Swift toolchain at /opt/swift/usr/bin, when it is there (CI's machines);
#   - the Python checkers' virtual environment, when setup-debian.sh had to make one (a Debian or Ubuntu python3
#     that refuses pip installs, PEP 668): $EVENTSTORE_VENV, by default /opt/eventstore-venv for root and
#     ${XDG_DATA_HOME:-~/.local/share}/eventstore/venv otherwise.

if [ -z "${EVENTSTORE_VENV:-}" ]; then
    if [ "$(id -u)" = 0 ]; then
        EVENTSTORE_VENV=/opt/eventstore-venv
    else
        EVENTSTORE_VENV="${XDG_DATA_HOME:-$HOME/.local/share}/eventstore/venv"
    fi
fi
export EVENTSTORE_VENV

if [ -d "$EVENTSTORE_VENV/bin" ]; then
    case ":$PATH:" in
        *":$EVENTSTORE_VENV/bin:"*) ;;
        *) PATH="$EVENTSTORE_VENV/bin:$PATH" ;;
    esac
fi
if [ -d /opt/swift/usr/bin ]; then
    case ":$PATH:" in
        *":/opt/swift/usr/bin:"*) ;;
        *) PATH="/opt/swift/usr/bin:$PATH" ;;
    esac
fi
export PATH
