# Shared by scripts/demo and scripts/test: install the Debian packages the
# build and the tests need, but only those that are missing.  Sourced.
KB_DEB_PACKAGES=(
    build-essential cmake pkg-config gettext dpkg-dev file
    liblmdb-dev lmdb-utils libsodium-dev libncurses-dev libjansson-dev libcsv-dev
    libkeyutils-dev
)
KB_DEB_TEST_PACKAGES=(libcriterion-dev libcbor-dev tmux bindfs fuse3 clang-format valgrind procps python3 python3-lmdb clang libclang-rt-14-dev groff-base locales keyutils)

kb_install_missing() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing missing Debian packages: ${missing[*]}" >&2
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "error: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
