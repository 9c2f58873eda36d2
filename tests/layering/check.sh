#!/usr/bin/env bash
# Layering rules (docs/architecture.md):
#   - only src/store includes lmdb.h or sodium.h and references mdb_*/crypto_*/sodium_*;
#   - only src/tui includes curses and references curses symbols;
#   - src/model, src/util and src/keymap use none of LMDB, libsodium, curses, CBOR, JSON;
#   - only src/codec uses CBOR; only src/cmd (the command language) uses JSON;
#   - src/cli (the front end) uses none of them: it only calls src/cmd.
# Checked two ways: #include lines in the sources, and undefined symbols in each
# layer's static archive (so an indirect use through a macro is caught too).
set -euo pipefail
src=$1 build=$2
fail=0
bad() { echo "layering: $*" >&2; fail=1; }

check_includes() { # dir pattern what
    local dir=$1 pat=$2 what=$3
    [ -d "$src/src/$dir" ] || return 0
    if grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($pat)[>\"]" -r "$src/src/$dir"; then
        bad "src/$dir must not include $what"
    fi
}
check_syms() { # lib regex what
    local lib=$build/lib$1.a re=$2 what=$3
    [ -f "$lib" ] || return 0   # layer has no sources yet
    local hits
    hits=$(nm -u "$lib" 2>/dev/null | awk '{print $NF}' | grep -E "$re" | sort -u || true)
    [ -z "$hits" ] || bad "$1 references $what symbols: $(echo $hits | head -c 300)"
}

curses='curses\.h|ncurses\.h|ncursesw/[a-z]+\.h|term\.h|panel\.h'
check_includes util "lmdb\.h|sodium\.h|sodium/.*|$curses|cbor\.h|jansson\.h" "LMDB, libsodium, curses, CBOR or JSON headers"
check_includes model "lmdb\.h|sodium\.h|sodium/.*|$curses|cbor\.h|jansson\.h" "LMDB, libsodium, curses, CBOR or JSON headers"
check_includes keymap "lmdb\.h|sodium\.h|sodium/.*|$curses|cbor\.h|jansson\.h" "LMDB, libsodium, curses, CBOR or JSON headers"
check_includes codec "lmdb\.h|sodium\.h|sodium/.*|$curses|jansson\.h" "LMDB, libsodium, curses or JSON headers"
check_includes store "$curses|cbor\.h|jansson\.h" "curses, CBOR or JSON headers"
check_includes core "lmdb\.h|sodium\.h|sodium/.*|$curses|jansson\.h" "LMDB, libsodium, curses or JSON headers"
check_includes cmd "lmdb\.h|sodium\.h|sodium/.*|$curses|cbor\.h" "LMDB, libsodium, curses or CBOR headers"
check_includes cli "lmdb\.h|sodium\.h|sodium/.*|$curses|cbor\.h|jansson\.h" "LMDB, libsodium, curses, CBOR or JSON headers"
check_includes tui "lmdb\.h|sodium\.h|sodium/.*|cbor\.h|jansson\.h" "LMDB, libsodium, CBOR or JSON headers"

store_re='^(mdb_|crypto_|sodium_|randombytes_)'
curses_re='^(initscr|newwin|wrefresh|endwin|getch|wgetch|doupdate|mvwaddnstr|waddnstr|wattr_on|start_color|init_pair|keypad|set_escdelay|stdscr)$'
cbor_re='^cbor_'
json_re='^json_'
for l in kb_util kb_model kb_keymap; do
    check_syms $l "$store_re|$curses_re|$cbor_re|$json_re" "LMDB/libsodium/curses/CBOR/JSON"
done
check_syms kb_codec "$store_re|$curses_re|$json_re" "LMDB/libsodium/curses/JSON"
check_syms kb_store "$curses_re|$cbor_re|$json_re" "curses/CBOR/JSON"
check_syms kb_core "$store_re|$curses_re|$json_re" "LMDB/libsodium/curses/JSON"
check_syms kb_cmd "$store_re|$curses_re|$cbor_re" "LMDB/libsodium/curses/CBOR"
check_syms kb_cli "$store_re|$curses_re|$cbor_re|$json_re" "LMDB/libsodium/curses/CBOR/JSON"
if [ -f "$build/libkb_tui.a" ]; then
    check_syms kb_tui "$store_re|$cbor_re|$json_re" "LMDB/libsodium/CBOR/JSON"
fi
[ $fail -eq 0 ] && echo "layering: ok"
exit $fail
