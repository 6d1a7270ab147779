# Shared helpers for the benchmark scripts (sourced, not executed).

# require_binary NAME ARG: the absolute path of the imgeda binary given as the script's first
# argument, or a usage line and exit 2.
require_binary() {
    local name=$1 bin=${2:-}
    if [ -z "$bin" ]; then
        echo "usage: $name PATH/TO/imgeda" >&2
        exit 2
    fi
    case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
    if [ ! -x "$bin" ]; then
        echo "$name: $bin is not an executable (build it first: swift build -c release)" >&2
        exit 2
    fi
    echo "$bin"
}

# make_venv DIR: a fresh venv; installs Debian's python3-venv first if ensurepip is missing.
make_venv() {
    local venv=$1
    rm -rf "$venv"
    if ! python3 -m venv "$venv" 2>/dev/null; then
        echo "[bench] python3 -m venv failed; installing python3-venv" >&2
        rm -rf "$venv"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2 || {
            apt-get update -qq >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
        }
        python3 -m venv "$venv"
    fi
}

# fetch_packages DATA PACKAGE...: downloads Debian packages (apt-get download, no install)
# into DATA/cache/debs and unpacks each into DATA/cache/extract/PACKAGE, once.
fetch_packages() {
    local data=$1
    shift
    local debs=$data/cache/debs extract=$data/cache/extract updated=0 pkg deb
    mkdir -p "$debs" "$extract"
    for pkg in "$@"; do
        if ! compgen -G "$debs/${pkg}_*.deb" >/dev/null; then
            echo "[bench] apt-get download $pkg" >&2
            # The _apt sandbox user cannot write into root-owned cache dirs; download as root.
            if ! (cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2); then
                if [ $updated -eq 0 ]; then
                    echo "[bench] apt-get update" >&2
                    apt-get update -qq >&2
                    updated=1
                fi
                (cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2)
            fi
        fi
        if [ ! -e "$extract/$pkg/.extracted" ]; then
            rm -rf "${extract:?}/$pkg"
            mkdir -p "$extract/$pkg"
            deb=$(ls "$debs/${pkg}"_*.deb | head -n 1)
            dpkg -x "$deb" "$extract/$pkg"
            basename "$deb" > "$extract/$pkg/.extracted"
        fi
    done
}

# ensure_refvenv DIR: a venv holding the Python reference, `imgeda` 0.1.0 from PyPI.
# It pulls Pillow and numpy, which corpus generation also uses.
ensure_refvenv() {
    local venv=$1
    if [ -x "$venv/bin/imgeda" ] && "$venv/bin/python" -c 'import PIL' 2>/dev/null; then
        return 0
    fi
    echo "[bench] creating reference venv in $venv (pip install imgeda==0.1.0)" >&2
    make_venv "$venv"
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
