# tui_lib.sh - helpers for the terminal UI end-to-end tests (test_tui_*.sh):
# the real binary runs in a private tmux server, keys go in with
# send-keys, the screen comes back with capture-pane.  Source it instead
# of lib.sh:   . "$(dirname "$0")/tui_lib.sh"
#
# After tui_setup (which calls kb_setup from lib.sh):
#   $DB          a board owned by alice (fast KDF), $PASS her passphrase file
#   $SOCK        the tmux socket name (tmux -L $SOCK), killed at exit
#   tui_start W H [VAR=VALUE...]   start the TUI (as alice) in a W x H pane;
#                the VAR=VALUE pairs go into its environment (TERM, LANG...);
#                with TUI_PROMPT=1 it asks for the passphrase on the terminal;
#                TUI_USER / TUI_PASS: another user and passphrase file
#   tui_screen   print the pane (plain text); tui_screen_e: with attributes
#   tui_wait SECONDS TEXT      wait until the pane contains TEXT (fixed string)
#   tui_wait_gone SECONDS TEXT wait until it does not
#   tui_keys KEY...            tmux send-keys (key names: Enter, Escape, C-u...)
#   tui_type TEXT              send TEXT literally
#   tui_esc [TEXT]             send Escape on its own (Esc + key = Meta + key)
#                and wait until TEXT shows (or the screen changes)
#   tui_quit                   send Q and wait for the exit status in $TUI_RC
#   tui_resume                 after Ctrl-Z stopped it: `fg` in the pane's shell
#   tui_stop                   end the session (kill the pane)
#   case_field N FIELD         a field of case N from 'case show N --json'

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tui_setup() {
    kb_setup
    command -v tmux >/dev/null || skip "tmux is required for the TUI tests"
    SOCK="kbtui-$$-${RANDOM}"
    at_exit "tmux -L $SOCK kill-server"
    DB=$T/board.kb
    init_board "$DB"
    TUI_N=0
}

tui_start() {
    local w=$1 h=$2
    shift 2
    TUI_N=$((TUI_N + 1))
    TUI_EXIT=$T/tui.$TUI_N.exit
    TUI_ERR=$T/tui.$TUI_N.err
    TUI_STOPPED=$T/tui.$TUI_N.stopped
    TUI_RESUME=$T/tui.$TUI_N.resume
    rm -f "$TUI_EXIT" "$TUI_STOPPED" "$TUI_RESUME"
    {
        printf 'cd %q\n' "$T"
        printf 'export HOME=%q XDG_STATE_HOME=%q XDG_CONFIG_HOME=%q\n' "$HOME" "$XDG_STATE_HOME" \
            "$XDG_CONFIG_HOME"
        printf 'export ASAN_OPTIONS=%q UBSAN_OPTIONS=%q\n' "${ASAN_OPTIONS:-}" "${UBSAN_OPTIONS:-}"
        printf 'export KERNBOARD_LOCALEDIR=%q\n' "${KERNBOARD_LOCALEDIR:-}"
        printf 'export KERNBOARD_UNLOCK_IDLE=%q\n' "${KERNBOARD_UNLOCK_IDLE:-0}"
        printf 'unset NO_COLOR KERNBOARD_DB KERNBOARD_USER KERNBOARD_PASSPHRASE_FILE LANG LC_ALL\n'
        printf 'export LANGUAGE= TERM=xterm-256color LC_ALL=C.UTF-8\n'
        local kv
        for kv in "$@"; do
            printf 'export %q\n' "$kv"
        done
        # job control, as in an interactive shell: Ctrl-Z stops the program
        # (exit 148 here), touching $TUI_RESUME runs `fg`
        printf 'set -m\n'
        if [ -n "${TUI_PROMPT:-}" ]; then
            printf '%q --db %q --user alice 2>%q\n' "$KB_BIN" "$DB" "$TUI_ERR"
        else
            printf '%q --db %q --user %q --passphrase-file %q 2>%q\n' "$KB_BIN" "$DB" \
                "${TUI_USER:-alice}" "${TUI_PASS:-$PASS}" "$TUI_ERR"
        fi
        printf 'rc=$?\n'
        printf 'while [ $rc = 148 ]; do\n'
        printf '  touch %q\n' "$TUI_STOPPED"
        printf '  while [ ! -e %q ]; do sleep 0.05; done\n' "$TUI_RESUME"
        printf '  rm -f %q %q\n' "$TUI_RESUME" "$TUI_STOPPED"
        printf '  fg >/dev/null; rc=$?\n'
        printf 'done\n'
        printf 'echo $rc >%q\n' "$TUI_EXIT"
        printf 'sleep 600\n'
    } >"$T/run.$TUI_N.sh"
    if [ "$TUI_N" = 1 ]; then
        tmux -L "$SOCK" -f /dev/null new-session -d -s tui -x "$w" -y "$h" "bash $T/run.$TUI_N.sh"
        tmux -L "$SOCK" set-option -g status off >/dev/null
        # the next tui_start kills this session before it makes its own:
        # the server must not exit in between ("server exited unexpectedly"
        # when the new session reached the exiting server)
        tmux -L "$SOCK" set-option -g exit-empty off >/dev/null
    else
        tmux -L "$SOCK" kill-session -t tui 2>/dev/null
        tmux -L "$SOCK" -f /dev/null new-session -d -s tui -x "$w" -y "$h" "bash $T/run.$TUI_N.sh"
        tmux -L "$SOCK" set-option -g status off >/dev/null
    fi
}

tui_screen() { tmux -L "$SOCK" capture-pane -p -t tui 2>/dev/null; }
tui_screen_e() { tmux -L "$SOCK" capture-pane -p -e -t tui 2>/dev/null; }

tui_has() { tui_screen | grep -qF -- "$1"; }

tui_wait() {
    local secs=$1 text=$2
    local deadline
    deadline=$(($(date +%s%N) / 1000000 + secs * 1000))
    while [ $(($(date +%s%N) / 1000000)) -lt "$deadline" ]; do
        tui_has "$text" && return 0
        sleep 0.05
    done
    tui_has "$text"
}

tui_wait_gone() {
    local secs=$1 text=$2
    local deadline
    deadline=$(($(date +%s%N) / 1000000 + secs * 1000))
    while [ $(($(date +%s%N) / 1000000)) -lt "$deadline" ]; do
        tui_has "$text" || return 0
        sleep 0.05
    done
    ! tui_has "$text"
}

tui_keys() { tmux -L "$SOCK" send-keys -t tui "$@"; }
tui_type() { tmux -L "$SOCK" send-keys -t tui -l -- "$1"; }
# tui_esc [TEXT] - Escape on its own, then wait for the screen state that
# shows it was read: TEXT on screen when given, else any change of the
# screen (up to 5 s).  A key sent after that cannot be taken for Meta+key:
# the TUI has already consumed the Escape.  No fixed sleeps.
tui_esc() {
    local want=${1:-} before deadline
    before=$(tui_screen)
    tmux -L "$SOCK" send-keys -t tui Escape
    if [ -n "$want" ]; then
        tui_wait 5 "$want"
        return
    fi
    deadline=$(($(date +%s%N) / 1000000 + 5000))
    while [ $(($(date +%s%N) / 1000000)) -lt "$deadline" ]; do
        [ "$(tui_screen)" != "$before" ] && return 0
        sleep 0.05
    done
    return 1
}

# tui_check NAME TEXT [SECONDS] - PASS if TEXT shows up on screen in time.
tui_check() {
    if tui_wait "${3:-3}" "$2"; then
        kb_pass "$1"
    else
        kb_fail "$1: '$2' not on screen"
        tui_screen | sed 's/^/  | /'
    fi
}

tui_quit() {
    tui_keys Q
    TUI_RC=
    if wait_for 10 test -s "$TUI_EXIT"; then
        TUI_RC=$(cat "$TUI_EXIT")
    fi
}

tui_resume() { touch "$TUI_RESUME"; }

tui_stop() { tmux -L "$SOCK" kill-session -t tui 2>/dev/null || true; }

case_field() {
    kba --db "$DB" case show "$1" --json | json_get "$2"
}

# tui_no_garbage NAME - the screen has no replacement characters, no
# escape-sequence debris and (in the C locale) no bytes outside ASCII.
tui_no_garbage() {
    local name=$1 ascii=${2:-}
    local s
    s=$(tui_screen)
    if printf '%s' "$s" | grep -qE $'\x1b|\\[[0-9;?]+[a-zA-Z]|\xef\xbf\xbd|\\?\\?\\?'; then
        kb_fail "$name: garbage on screen"
        printf '%s\n' "$s" | sed 's/^/  | /'
        return
    fi
    if [ -n "$ascii" ] && printf '%s' "$s" | LC_ALL=C grep -q $'[\x80-\xff]'; then
        kb_fail "$name: non-ASCII bytes in the C locale"
        printf '%s\n' "$s" | sed 's/^/  | /'
        return
    fi
    kb_pass "$name"
}
