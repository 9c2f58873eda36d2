#!/usr/bin/env bash
# test_i18n.sh - translations (SPEC: "i18n: gettext; English and Dutch; the
# language follows the locale"):
#   (c) po/nl.po translates every message of the current sources: no
#       untranslated, no fuzzy entry (checked first: needs no locale);
#   (a) in a Dutch locale, --help and error messages come out in Dutch;
#   (b) with LANG=C (or LC_MESSAGES=C) they come out in English.
#
# The Dutch locale: the system's nl_NL.UTF-8 when `locale -a` has it; otherwise
# it is compiled with localedef (Debian package `locales`) into this test's
# temp dir and used through LOCPATH, which needs no root and changes nothing
# on the system.  Without either, the locale checks are SKIPPED (exit 77).
# See docs/translation.md.
. "$(dirname "$0")/lib.sh"
kb_setup

: "${KERNBOARD_LOCALEDIR:=${KB_BUILD:-$(dirname "$KB_BIN")}/locale}"
export KERNBOARD_LOCALEDIR
MO=$KERNBOARD_LOCALEDIR/nl/LC_MESSAGES/kernboard.mo
PO=$KB_SRC/po/nl.po

for tool in xgettext msgmerge msgattrib msgfmt; do
    command -v "$tool" >/dev/null || die "$tool not found (Debian package gettext)"
done

# ------------------------------------------------ (c) catalogue completeness
FIX="to fix: run scripts/update-po, translate the entries listed (po/nl.po; see docs/translation.md), run scripts/update-po again and rebuild"

# msgids FILTER FILE - msgids selected by msgattrib FILTER, one per line, C-escaped.
msgids() {
    msgattrib "$1" --no-obsolete "$2" 2>/dev/null | awk '
        /^msgid "/ { s = substr($0, 8, length($0) - 8); on = 1; next }
        on && /^"/ { s = s substr($0, 2, length($0) - 2); next }
        on { if (s != "") print "    " s; on = 0 }'
}

check "po/nl.po exists" [ -f "$PO" ]
[ -f "$PO" ] || finish
expect_rc 0 "extract the messages of the current sources (scripts/update-po --pot)" \
    bash "$KB_SRC/scripts/update-po" --pot "$T/current.pot"
[ "$RC" = 0 ] || finish
NMSG=$(grep -c '^msgid ' "$T/current.pot")
check "the sources have translatable messages ($((NMSG - 1)))" [ "$NMSG" -gt 100 ]

# The catalogue as it would be for the current sources (exact matches only).
expect_rc 0 "merge po/nl.po with the current messages" \
    msgmerge --quiet --no-fuzzy-matching "$PO" "$T/current.pot" -o "$T/nl-current.po"
UNTRANSLATED=$(msgids --untranslated "$T/nl-current.po")
FUZZY=$(msgids --only-fuzzy "$T/nl-current.po")
if [ -z "$UNTRANSLATED" ]; then
    kb_pass "every message of the current sources has a Dutch translation"
else
    kb_fail "messages without a Dutch translation ($(printf '%s\n' "$UNTRANSLATED" | wc -l)):"
    printf '%s\n' "$UNTRANSLATED"
    echo "  $FIX"
fi
if [ -z "$FUZZY" ]; then
    kb_pass "no fuzzy Dutch translation"
else
    kb_fail "fuzzy Dutch translations (check them, then remove the fuzzy flag):"
    printf '%s\n' "$FUZZY"
    echo "  $FIX"
fi
expect_rc 0 "po/nl.po passes msgfmt --check (format strings, header)" \
    msgfmt --check --statistics -o /dev/null "$PO"
[ "$RC" = 0 ] || printf '  %s\n' "$ERR"
check "po/nl.po header: Language: nl" grep -q '^"Language: nl\\n"$' "$PO"
check "po/nl.po header: charset UTF-8" grep -q '^"Content-Type: text/plain; charset=UTF-8\\n"$' "$PO"
check "po/nl.po header: Dutch plural forms" grep -qF '"Plural-Forms: nplurals=2; plural=(n != 1);\n"' "$PO"

# Every message goes to the "kernboard" text domain: a bare gettext() or
# ngettext() looks in the default domain, where no kernboard message is, so
# its text stays English in every locale (i18n.h also poisons them).
BARE=$(grep -rnE '(^|[^A-Za-z0-9_])n?gettext[[:space:]]*\(' "$KB_SRC/src" "$KB_SRC/include" \
    --include='*.c' --include='*.h' | grep -v '/include/kernboard/i18n\.h:' |
    grep -vE ':[0-9]+:[[:space:]]*(/?\*|//)' || true)
if [ -z "$BARE" ]; then
    kb_pass "no bare gettext()/ngettext() in src/ and include/ (use _() or dngettext(KB_TEXTDOMAIN, ...))"
else
    kb_fail "bare gettext()/ngettext() (default text domain: never translated); use _() or dngettext(KB_TEXTDOMAIN, ...):"
    printf '  %s\n' "$BARE"
fi

# Building only the binary builds its catalogues too (the build-tree binary
# speaks Dutch without `--target translations`): in a scratch configuration,
# `make -n kernboard` runs msgfmt.
if command -v make >/dev/null && command -v cmake >/dev/null; then
    run cmake -S "$KB_SRC" -B "$T/cfg" -G "Unix Makefiles" -DKB_TESTS=OFF
    if [ "$RC" = 0 ]; then
        run make -C "$T/cfg" -n kernboard
        check "the kernboard target builds the catalogues (msgfmt in make -n kernboard)" \
            contains "$OUT" "msgfmt"
    else
        kb_log "note: scratch configuration failed, target dependency not checked: $ERR"
    fi
fi

# ------------------------------------------------ the Dutch locale
check "the build has the Dutch catalogue ($MO)" [ -f "$MO" ]
[ -f "$MO" ] || finish
if [ "$PO" -nt "$MO" ]; then
    kb_log "note: po/nl.po is newer than $MO: rebuild (cmake --build) before trusting the checks below"
fi

# No locale variable from the caller (lib.sh sets LC_ALL=C.UTF-8).
CLEAN=(env -u LC_ALL -u LC_MESSAGES -u LC_CTYPE -u LC_COLLATE -u LC_TIME -u LC_NUMERIC
    -u LC_MONETARY -u LANGUAGE -u LANG -u LOCPATH)

# works ENV... - the locale named by ENV is available (no setlocale warning).
works() { [ -z "$("$@" locale 2>&1 >/dev/null)" ]; }

if locale -a 2>/dev/null | grep -qix 'nl_NL\.utf-\{0,1\}8' && works "${CLEAN[@]}" LANG=nl_NL.UTF-8; then
    NL=("${CLEAN[@]}" LANG=nl_NL.UTF-8)
    HOW="the system locale nl_NL.UTF-8"
elif command -v localedef >/dev/null && [ -f /usr/share/i18n/locales/nl_NL ]; then
    mkdir -p "$T/locale"
    localedef -i nl_NL -f UTF-8 "$T/locale/nl_NL.UTF-8" >"$T/localedef.log" 2>&1
    NL=("${CLEAN[@]}" LOCPATH="$T/locale" LANG=nl_NL.UTF-8)
    HOW="nl_NL.UTF-8 compiled by localedef into the temp dir (LOCPATH)"
else
    NL=()
    HOW=
fi
if [ ${#NL[@]} -eq 0 ] || ! works "${NL[@]}"; then
    [ -n "$HOW" ] && cat "$T/localedef.log" 2>/dev/null
    if [ "$KB_FAILS" -gt 0 ]; then
        kb_log "the Dutch locale is not available, and the catalogue checks failed"
        finish
    fi
    skip "no Dutch locale: nl_NL.UTF-8 is not installed and cannot be compiled (install the Debian package 'locales'); the catalogue checks passed, the output checks did not run"
fi
kb_log "Dutch locale: $HOW"
EN=("${CLEAN[@]}" LANG=C)

B=$T/board.kb
NOB=/nonexistent/x.kb

# nl NAME WANT_RC CMD... / en ... - run kernboard in the Dutch / English locale.
nl() {
    local name=$1 want=$2
    shift 2
    expect_rc "$want" "nl: $name" "${NL[@]}" "$KB_BIN" "$@"
}
en() {
    local name=$1 want=$2
    shift 2
    expect_rc "$want" "en: $name" "${EN[@]}" "$KB_BIN" "$@"
}
# has NAME TEXT NEEDLE... - TEXT contains every NEEDLE (case-sensitive).
has() {
    local name=$1 text=$2 n
    shift 2
    for n in "$@"; do
        if ! printf '%s' "$text" | grep -qF -- "$n"; then
            kb_fail "$name: no \"$n\" in: $(printf '%s' "$text" | head -c 400)"
            return
        fi
    done
    kb_pass "$name"
}
# lacks NAME TEXT NEEDLE... - TEXT contains no NEEDLE.
lacks() {
    local name=$1 text=$2 n
    shift 2
    for n in "$@"; do
        if printf '%s' "$text" | grep -qF -- "$n"; then
            kb_fail "$name: unexpected \"$n\" in: $(printf '%s' "$text" | head -c 400)"
            return
        fi
    done
    kb_pass "$name"
}

# ------------------------------------------------ (a) Dutch
nl "init a scratch board" 0 --user alice --passphrase-file "$PASS" init "$B" --kdf interactive
has "nl: init reports in Dutch" "$OUT" "Bord $B aangemaakt" "alice"

nl "--help" 0 --help
HELP_NL=$OUT
has "nl: --help is Dutch" "$OUT" "Gebruik: kernboard [OPTIES]" "Opdrachten:" "een casus toevoegen" \
    "Algemene opties" "Afsluitcodes:"
# shellcheck disable=SC2016  # a literal $KERNBOARD_DB
has "nl: --help keeps command and option names" "$OUT" "case add --title" "--passphrase-file F" \
    "--db BOARD" '$KERNBOARD_DB' "kernboard(1)"
lacks "nl: --help has no English text" "$OUT" "Usage:" "Commands:" "Global options" "Exit codes"

nl "missing board" 66 --user alice --db "$NOB" case list
has "nl: missing board is Dutch" "$ERR" "geen bord op $NOB" "'kernboard init $NOB'"

nl "unknown command" 64 --user alice --db "$B" frobnicate
has "nl: unknown command is Dutch" "$ERR" "onbekende opdracht 'frobnicate'" "(zie 'kernboard --help')"

nl "wrong passphrase" 77 --user alice --passphrase-file "$BADPASS" --db "$B" case list
has "nl: wrong passphrase is Dutch" "$ERR" "verkeerde wachtwoordzin voor gebruiker alice"

nl "case add without --title" 64 --user alice --passphrase-file "$PASS" --db "$B" case add
has "nl: usage error is Dutch" "$ERR" "een casus heeft --title TEXT nodig"

nl "case add" 0 --user alice --passphrase-file "$PASS" --db "$B" case add --title "Bakkerij zoekt laadplek"
nl "case show" 0 --user alice --passphrase-file "$PASS" --db "$B" case show 1
has "nl: case show labels are Dutch" "$OUT" "Fase:" "Tijdlijn:" "Bakkerij zoekt laadplek"

# Automatic timeline entries are stored language-neutral and shown in the
# reader's language: one board, Dutch for a Dutch reader, English for others.
# Stages are shown by name (data: this board was created in Dutch), never by
# code.
en "case move (written by an English user)" 0 --user alice --passphrase-file "$PASS" --db "$B" case move 1 explore
nl "case show after the move" 0 --user alice --passphrase-file "$PASS" --db "$B" case show 1
has "nl: the English user's change reads Dutch" "$OUT" "fase: Signaal -> Verkennen" "casus aangemaakt"
lacks "nl: no stage codes" "$OUT" "signal" "explore"
en "case show in English" 0 --user alice --passphrase-file "$PASS" --db "$B" case show 1
has "en: the same entries read English" "$OUT" "stage: Signaal -> Verkennen" "case created"

# Dutch words are accepted where a user types a value, next to the English.
nl "case add --confidentiality vertrouwelijk" 0 --user alice --passphrase-file "$PASS" --db "$B" \
    case add --title "Tweede casus" --confidentiality vertrouwelijk
nl "case link --as duplicaat" 0 --user alice --passphrase-file "$PASS" --db "$B" case link 2 1 --as duplicaat
# (two cases have one link: the Dutch kind is read in the English locale,
# and there is no such link to remove)
en "case unlink --as blokkeert (English locale)" 66 --user alice --passphrase-file "$PASS" --db "$B" \
    case unlink 1 2 --as blokkeert
has "en: the Dutch kind was read" "$ERR" "#1 and #2 have no blocks link"
nl "org add --kind ondernemer" 0 --user alice --passphrase-file "$PASS" --db "$B" \
    org add "Bakkerij Zuid" --kind ondernemer
nl "org add --kind 'andere overheid'" 0 --user alice --passphrase-file "$PASS" --db "$B" \
    org add "Provincie" --kind "andere overheid"
en "org list --json" 0 --user alice --passphrase-file "$PASS" --db "$B" org list --json
has "the Dutch kinds are stored as codes" "$OUT" '"entrepreneur"' '"government"'
nl "case show 2 (Dutch values)" 0 --user alice --passphrase-file "$PASS" --db "$B" case show 2
has "nl: confidentiality and link kinds read Dutch" "$OUT" "vertrouwelijk" "duplicaat"
lacks "nl: no English value codes" "$OUT" "confidential" "duplicate" "related" "blocks"

# Counts in plural messages are Dutch too (dngettext in the kernboard
# domain), and triage list names the stages as case list does.
nl "case move into the stage it is in" 0 --user alice --passphrase-file "$PASS" --db "$B" case move 1 Verkennen
has "nl: a move into its own stage says so" "$OUT" "#1 staat al in Verkennen"
nl "case add a signal" 0 --user alice --passphrase-file "$PASS" --db "$B" case add --title "Kapper zoekt stagiair"
nl "triage list" 0 --user alice --passphrase-file "$PASS" --db "$B" triage list
# (#1 without a lead, #3; #2 is a duplicate of #1: not in the inbox)
has "nl: triage list counts in Dutch, stages by name" "$OUT" "2 casussen voor triage" "Verkennen" "Signaal"
lacks "nl: triage list has no English count, no stage codes" "$OUT" "cases to triage" "explore" "signal"
nl "triage next" 0 --user alice --passphrase-file "$PASS" --db "$B" triage next
has "nl: triage next counts in Dutch" "$OUT" "casussen voor triage"
nl "case edit --hook" 0 --user alice --passphrase-file "$PASS" --db "$B" case edit 3 --hook "Meer stageplekken"
nl "goal add --promote" 0 --user alice --passphrase-file "$PASS" --db "$B" \
    goal add ECO stage "Meer stageplekken" --promote "Meer stageplekken"
has "nl: goal add --promote counts in Dutch" "$OUT" "stage: 1 casus noemt nu dit doel"

# The report's yes/no column is Dutch; a long text too wide for the width
# wraps over more lines, nothing cut (CSV keeps the data as it is).
nl "case edit --blocked" 0 --user alice --passphrase-file "$PASS" --db "$B" case edit 1 --blocked "wacht op vergunning"
nl "report stuck" 0 --user alice --passphrase-file "$PASS" --db "$B" report stuck
has "nl: report stuck says nee" "$OUT" "nee"
lacks "nl: report stuck has no English yes/no" "$OUT" " no " " yes "
nl "case edit --hook (long)" 0 --user alice --passphrase-file "$PASS" --db "$B" case edit 2 \
    --hook "Programma Circulaire Economie: 50% minder primaire grondstoffen in 2030"
TERM=xterm COLUMNS=50 nl "report hooks (50 columns)" 0 --user alice --passphrase-file "$PASS" --db "$B" report hooks
check "nl: a long hook wraps over lines in the table, whole, none wider than 50 columns" python3 -c '
import sys
t = sys.argv[1]
table = t.split("\n\n")[1]  # after the report line; the chart follows
assert "\u2026" not in table, t
assert all(len(l) <= 50 for l in t.splitlines()), t
w = table.split()
assert all(x in w for x in "Programma Circulaire Economie: 50% minder primaire grondstoffen in 2030".split()), t
' "$OUT"

# LANGUAGE picks the language too, as long as the locale is not plain C.
if works "${CLEAN[@]}" LC_ALL=C.UTF-8; then
    expect_rc 0 "nl: LANGUAGE=nl with LC_ALL=C.UTF-8" "${CLEAN[@]}" LC_ALL=C.UTF-8 LANGUAGE=nl "$KB_BIN" --help
    has "nl: LANGUAGE=nl gives Dutch" "$OUT" "Gebruik: kernboard"
fi

# ------------------------------------------------ (b) English
en "--help" 0 --help
has "en: --help is English" "$OUT" "Usage: kernboard [OPTIONS]" "Commands:" "add a case" \
    "Global options" "Exit codes:"
lacks "en: --help has no Dutch text" "$OUT" "Gebruik" "Opdrachten" "casus"
check "en and nl --help differ" [ "$OUT" != "$HELP_NL" ]

en "missing board" 66 --user alice --db "$NOB" case list
has "en: missing board is English" "$ERR" "no board at $NOB (create one with 'kernboard init $NOB')"

en "unknown command" 64 --user alice --db "$B" frobnicate
has "en: unknown command is English" "$ERR" "unknown command 'frobnicate' (see 'kernboard --help')"

en "wrong passphrase" 77 --user alice --passphrase-file "$BADPASS" --db "$B" case list
has "en: wrong passphrase is English" "$ERR" "wrong passphrase for user alice"

# LC_MESSAGES decides the language of messages, whatever LANG says.
expect_rc 0 "en: LANG=nl_NL.UTF-8 LC_MESSAGES=C" "${NL[@]}" LC_MESSAGES=C "$KB_BIN" --help
has "en: LC_MESSAGES=C gives English" "$OUT" "Usage: kernboard"

finish
