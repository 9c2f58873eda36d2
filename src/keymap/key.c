/* key.c - key names: parsing, canonical formatting; see kernboard/keymap.h. */
#include "kernboard/i18n.h"
#include "kernboard/keymap.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Names in angle brackets.  The first entry for a key is its canonical name;
 * later entries are accepted spellings. */
static const struct kb_key_name {
    const char *name;
    kb_key key;
} kb_key_names[] = {
    {"Enter", KB_KEY_ENTER},
    {"Esc", KB_KEY_ESC},
    {"Tab", KB_KEY_TAB},
    {"Backspace", KB_KEY_BACKSPACE},
    {"Up", KB_KEY_UP},
    {"Down", KB_KEY_DOWN},
    {"Left", KB_KEY_LEFT},
    {"Right", KB_KEY_RIGHT},
    {"Home", KB_KEY_HOME},
    {"End", KB_KEY_END},
    {"PageUp", KB_KEY_PAGEUP},
    {"PageDown", KB_KEY_PAGEDOWN},
    {"Insert", KB_KEY_INSERT},
    {"Delete", KB_KEY_DELETE},
    /* characters that cannot be written bare in a keymap file */
    {"Space", ' '},
    {"Hash", '#'},
    {"Quote", '"'},
    /* accepted spellings */
    {"Return", KB_KEY_ENTER},
    {"CR", KB_KEY_ENTER},
    {"Escape", KB_KEY_ESC},
    {"BS", KB_KEY_BACKSPACE},
    {"PgUp", KB_KEY_PAGEUP},
    {"PgDn", KB_KEY_PAGEDOWN},
    {"Ins", KB_KEY_INSERT},
    {"Del", KB_KEY_DELETE},
    {"Lt", '<'},
    {"Gt", '>'},
};

#define KB_NKEY_NAMES (sizeof kb_key_names / sizeof kb_key_names[0])

static bool kb_cp_printable(uint32_t cp)
{
    if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
        return false;
    if (cp >= 0xd800 && cp <= 0xdfff)
        return false;
    return cp < 0x110000;
}

/* Decode one UTF-8 sequence from s[0..n); strict (no overlong forms, no
 * surrogates).  Returns its length, or 0 if invalid. */
static size_t kb_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0)
        return 0;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if ((u[0] & 0xe0) == 0xc0) {
        len = 2;
        v = u[0] & 0x1fu;
        min = 0x80;
    } else if ((u[0] & 0xf0) == 0xe0) {
        len = 3;
        v = u[0] & 0x0fu;
        min = 0x800;
    } else if ((u[0] & 0xf8) == 0xf0) {
        len = 4;
        v = u[0] & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (u[i] & 0x3fu);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

static size_t kb_utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static bool kb_special_known(kb_key code)
{
    if (code >= KB_KEY_ENTER && code <= KB_KEY_DELETE)
        return true;
    return code >= KB_KEY_F(1) && code <= KB_KEY_F(12);
}

/* Characters Ctrl combines with, after normalisation. */
static bool kb_ctrl_char_ok(uint32_t c)
{
    if (c >= 'a' && c <= 'z')
        return c != 'i' && c != 'm';
    return c == ' ' || c == '\\' || c == ']' || c == '^' || c == '_';
}

bool kb_key_valid(kb_key k)
{
    kb_key code = k & KB_KEY_CODE_MASK;
    kb_key mods = k & KB_KEY_MOD_MASK;
    if (k & ~(KB_KEY_CODE_MASK | KB_KEY_MOD_MASK))
        return false;
    if (code >= KB_KEY_SPECIAL)
        return kb_special_known(code);
    if (!kb_cp_printable(code) || (mods & KB_KEY_SHIFT))
        return false;
    return !(mods & KB_KEY_CTRL) || kb_ctrl_char_ok(code);
}

kb_key kb_key_from_codepoint(uint32_t cp)
{
    switch (cp) {
    case 0x00:
        return KB_KEY_CTRL | ' ';
    case 0x09:
        return KB_KEY_TAB;
    case 0x0d:
        return KB_KEY_ENTER;
    case 0x1b:
        return KB_KEY_ESC;
    case 0x1c:
        return KB_KEY_CTRL | '\\';
    case 0x1d:
        return KB_KEY_CTRL | ']';
    case 0x1e:
        return KB_KEY_CTRL | '^';
    case 0x1f:
        return KB_KEY_CTRL | '_';
    case 0x7f:
        return KB_KEY_BACKSPACE;
    default:
        break;
    }
    if (cp < 0x20)
        return KB_KEY_CTRL | (kb_key)('a' + cp - 1);
    return kb_cp_printable(cp) ? (kb_key)cp : KB_KEY_NONE;
}

static const char *kb_name_of(kb_key code)
{
    for (size_t i = 0; i < KB_NKEY_NAMES; i++)
        if (kb_key_names[i].key == code)
            return kb_key_names[i].name;
    return NULL;
}

char *kb_key_format(kb_key k, char *buf)
{
    if (!kb_key_valid(k)) {
        snprintf(buf, KB_KEY_STRLEN, "<?>");
        return buf;
    }
    kb_key code = k & KB_KEY_CODE_MASK;
    kb_key mods = k & KB_KEY_MOD_MASK;
    size_t n = 0;
    if (!mods && code < KB_KEY_SPECIAL && code != ' ' && code != '#' && code != '"') {
        n = kb_utf8_encode(code, buf);
        buf[n] = '\0';
        return buf;
    }
    buf[n++] = '<';
    if (mods & KB_KEY_CTRL) {
        buf[n++] = 'C';
        buf[n++] = '-';
    }
    if (mods & KB_KEY_META) {
        buf[n++] = 'M';
        buf[n++] = '-';
    }
    if (mods & KB_KEY_SHIFT) {
        buf[n++] = 'S';
        buf[n++] = '-';
    }
    if (code >= KB_KEY_F(1) && code <= KB_KEY_F(12)) {
        n += (size_t)snprintf(buf + n, KB_KEY_STRLEN - n, "F%u", (unsigned)(code - KB_KEY_F(0)));
    } else if (code >= KB_KEY_SPECIAL || code == ' ' || code == '"' || (code == '#' && !mods)) {
        const char *name = kb_name_of(code);
        size_t len = strlen(name);
        memcpy(buf + n, name, len);
        n += len;
    } else {
        n += kb_utf8_encode(code, buf + n);
    }
    buf[n++] = '>';
    buf[n] = '\0';
    return buf;
}

/* Look up a bracketed name (case-insensitive) of length len. */
static bool kb_lookup_name(const char *s, size_t len, kb_key *out)
{
    for (size_t i = 0; i < KB_NKEY_NAMES; i++) {
        if (strlen(kb_key_names[i].name) == len && strncasecmp(s, kb_key_names[i].name, len) == 0) {
            *out = kb_key_names[i].key;
            return true;
        }
    }
    if (len >= 2 && len <= 3 && (s[0] == 'F' || s[0] == 'f')) {
        unsigned v = 0;
        for (size_t i = 1; i < len; i++) {
            if (s[i] < '0' || s[i] > '9')
                return false;
            v = v * 10 + (unsigned)(s[i] - '0');
        }
        if (s[1] != '0' && v >= 1 && v <= 12) {
            *out = KB_KEY_F(v);
            return true;
        }
    }
    return false;
}

int kb_key_parse(const char *name, kb_key *out, kb_err *e)
{
    if (!name || !*name)
        return kb_err_set(e, KB_EDATA, _("empty key name"));
    size_t len = strlen(name);
    uint32_t cp = 0;
    size_t n = kb_utf8_decode(name, len, &cp);
    if (n == len) {
        if (!kb_cp_printable(cp))
            return kb_err_set(e, KB_EDATA, _("bad key name: not a printable character"));
        *out = (kb_key)cp;
        return KB_OK;
    }
    if (name[0] != '<')
        return kb_err_set(e, KB_EDATA,
                          _("bad key name '%.40s': a key is one character or a name in angle "
                            "brackets such as <Enter> or <C-x>"),
                          name);
    if (name[len - 1] != '>' || len < 3)
        return kb_err_set(e, KB_EDATA, _("bad key name '%.40s': missing '>'"), name);

    const char *body = name + 1;
    size_t blen = len - 2;
    kb_key mods = 0;
    while (blen > 2 && body[1] == '-') {
        kb_key bit;
        switch (body[0]) {
        case 'c':
        case 'C':
            bit = KB_KEY_CTRL;
            break;
        case 'm':
        case 'M':
        case 'a':
        case 'A':
            bit = KB_KEY_META;
            break;
        case 's':
        case 'S':
            bit = KB_KEY_SHIFT;
            break;
        default:
            bit = 0;
            break;
        }
        if (!bit)
            break;
        if (mods & bit)
            return kb_err_set(e, KB_EDATA, _("bad key name '%.40s': repeated modifier"), name);
        mods |= bit;
        body += 2;
        blen -= 2;
    }

    kb_key code;
    n = kb_utf8_decode(body, blen, &cp);
    if (n == blen && n > 0) {
        if (!kb_cp_printable(cp))
            return kb_err_set(e, KB_EDATA, _("bad key name '%.40s': not a printable character"),
                              name);
        if (!mods)
            return kb_err_set(e, KB_EDATA,
                              _("bad key name '%.40s': write a plain character without angle "
                                "brackets"),
                              name);
        code = (kb_key)cp;
    } else if (!kb_lookup_name(body, blen, &code)) {
        return kb_err_set(e, KB_EDATA,
                          _("bad key name '%.40s': unknown key (see docs/keys.md for the names)"),
                          name);
    }

    if (code < KB_KEY_SPECIAL) {
        if (mods & KB_KEY_SHIFT)
            return kb_err_set(e, KB_EDATA,
                              _("bad key name '%.40s': Shift combines only with named keys; "
                                "write the shifted character itself"),
                              name);
        if (mods & KB_KEY_CTRL) {
            if (code >= 'A' && code <= 'Z')
                code += 'a' - 'A';
            switch (code) {
            case 'i':
                code = KB_KEY_TAB;
                mods &= ~KB_KEY_CTRL;
                break;
            case 'm':
                code = KB_KEY_ENTER;
                mods &= ~KB_KEY_CTRL;
                break;
            case '[':
                code = KB_KEY_ESC;
                mods &= ~KB_KEY_CTRL;
                break;
            case '?':
                code = KB_KEY_BACKSPACE;
                mods &= ~KB_KEY_CTRL;
                break;
            case '@':
                code = ' ';
                break;
            default:
                if (!kb_ctrl_char_ok(code))
                    return kb_err_set(e, KB_EDATA,
                                      _("bad key name '%.40s': a terminal has Ctrl only with "
                                        "letters, Space and @ [ \\ ] ^ _ ?"),
                                      name);
                break;
            }
        }
    }
    *out = mods | code;
    return KB_OK;
}

int kb_key_seq_parse(const char *text, kb_key_seq *out, kb_err *e)
{
    kb_key_seq seq = {{0}, 0};
    const char *p = text ? text : "";
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        size_t len = (size_t)(p - start);
        if (seq.len == KB_KEY_SEQ_MAX)
            return kb_err_set(e, KB_EDATA, _("a key sequence has at most %d keys"), KB_KEY_SEQ_MAX);
        char tok[64];
        if (len >= sizeof tok)
            return kb_err_set(e, KB_EDATA, _("bad key name '%.40s...': too long"), start);
        memcpy(tok, start, len);
        tok[len] = '\0';
        int rc = kb_key_parse(tok, &seq.keys[seq.len], e);
        if (rc != KB_OK)
            return rc;
        seq.len++;
    }
    if (seq.len == 0)
        return kb_err_set(e, KB_EDATA, _("empty key sequence"));
    *out = seq;
    return KB_OK;
}

char *kb_key_seq_format(const kb_key_seq *seq, char *buf)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < seq->len && i < KB_KEY_SEQ_MAX; i++) {
        char one[KB_KEY_STRLEN];
        kb_key_format(seq->keys[i], one);
        size_t len = strlen(one);
        if (i)
            buf[n++] = ' ';
        memcpy(buf + n, one, len + 1);
        n += len;
    }
    return buf;
}
