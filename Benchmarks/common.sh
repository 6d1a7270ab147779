# Shared helpers for corpus.sh and bench.sh (sourced, not executed).

# ensure_refvenv DIR: a venv holding the Python reference, `imgeda` 0.1.0 from PyPI.
# It pulls Pillow and numpy, which corpus generation also uses.
ensure_refvenv() {
    local venv=$1
    if [ -x "$venv/bin/imgeda" ] && "$venv/bin/python" -c 'import PIL' 2>/dev/null; then
        return 0
    fi
    echo "[bench] creating reference venv in $venv (pip install imgeda==0.1.0)" >&2
    rm -rf "$venv"
    if ! python3 -m venv "$venv" 2>/dev/null; then
        # Debian's python3 needs python3-venv for ensurepip.
        echo "[bench] python3 -m venv failed; installing python3-venv" >&2
        rm -rf "$venv"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
        python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check imgeda==0.1.0 >&2
}

# ensure_djpeg: the decode floor comes from Debian's libjpeg-turbo-progs.
ensure_djpeg() {
    command -v djpeg >/dev/null 2>&1 && return 0
    echo "[bench] installing libjpeg-turbo-progs (djpeg)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjpeg-turbo-progs >&2 || {
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjpeg-turbo-progs >&2
    }
}
