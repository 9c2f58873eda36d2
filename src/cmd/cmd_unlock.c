/* cmd_unlock.c - unlock once per login session (issue 16): `unlock`
 * keeps the board's unlocked key in the kernel keyring of this login
 * session, `lock` forgets every kept key.  Every other command also keeps
 * the key after a passphrase unlock (for $KERNBOARD_UNLOCK_IDLE, default 10
 * minutes of idleness) and tries it before asking (kb_cmd_open). */
#include "cmd_internal.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void kb_cmd_print_duration(FILE *f, long s)
{
    if (s % 86400 == 0)
        fprintf(f, dngettext(KB_TEXTDOMAIN, "%ld day", "%ld days", (unsigned long)(s / 86400)),
                s / 86400);
    else if (s % 3600 == 0)
        fprintf(f, dngettext(KB_TEXTDOMAIN, "%ld hour", "%ld hours", (unsigned long)(s / 3600)),
                s / 3600);
    else if (s % 60 == 0)
        fprintf(f, dngettext(KB_TEXTDOMAIN, "%ld minute", "%ld minutes", (unsigned long)(s / 60)),
                s / 60);
    else
        fprintf(f, dngettext(KB_TEXTDOMAIN, "%ld second", "%ld seconds", (unsigned long)s), s);
}

/* Why unlock kept nothing, and what to do (exit 64, like keeping turned off). */
static const char *kb_cmd_unlock_nowhere(void)
{
    return _("nothing can be kept here: this process has no login session keyring of its own "
             "(cron, a container), so every command asks for the passphrase; run 'kernboard "
             "unlock' in a login session, or start one with 'keyctl session'");
}

int kb_cmd_unlock(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"for", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    long idle = 0;
    if (kb_cmd_key_idle(cx, &idle))
        return kb_cmd_report(cx);
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "unlock", argc, argv, longs, &idx, &opt)) == KB_OK &&
           opt != -1) {
        if (kb_cmd_duration(optarg, &idle) != KB_OK || idle == 0)
            return kb_cmd_bad_value(
                cx, "unlock", _("--for needs a duration such as 30m, 2h or 1d, not '%s'"), optarg);
    }
    if (rc)
        return rc;
    if (optind < argc)
        return kb_cmd_usage(cx, "unlock", _("unexpected argument '%s'"), argv[optind]);
    if (idle == 0)
        return kb_cmd_fail(cx, KB_EUSAGE,
                           _("keeping keys is off (KERNBOARD_UNLOCK_IDLE=%s); give --for "
                             "DURATION to keep this one"),
                           getenv("KERNBOARD_UNLOCK_IDLE"));
    if ((rc = kb_cmd_need_db(cx, "unlock")))
        return rc;
    /* no session keyring of its own (cron, a container): nothing can be
     * kept, so do not ask for a passphrase that would be forgotten */
    if (!kb_board_key_cache_ready())
        return kb_cmd_fail(cx, KB_EUSAGE, "%s", kb_cmd_unlock_nowhere());
    /* always ask (or read the passphrase file): unlock is how a user puts
     * a key there, possibly with another duration */
    kb_board *b = NULL;
    kb_board_opts o = {.kdf = cx->kdf, .key_cache_s = idle};
    if ((rc = kb_cmd_open_pass(cx, &o, &b)))
        return rc;
    kb_board_close(&b);
    /* say it is kept only when it is: open once more from the keyring alone
     * (no Argon2id; the kernel may have refused the key, e.g. its quota) */
    kb_board_opts co = {.key_cache_s = idle, .cache_only = true};
    kb_err ce;
    if (kb_board_open(cx->db, cx->user, NULL, &co, &b, &ce) != KB_OK)
        return kb_cmd_fail(cx, KB_EUSAGE,
                           _("the passphrase is right, but the session keyring did not keep the "
                             "key (is its quota full? see 'keyctl show @s'); nothing is kept and "
                             "the next command asks again"));
    kb_board_close(&b);
    fprintf(cx->out, _("Unlocked %s for %s in this login session; the key is forgotten after "),
            cx->db, cx->user);
    kb_cmd_print_duration(cx->out, idle);
    fprintf(cx->out, _(" without use, or by 'kernboard lock'.\n"));
    return KB_OK;
}

int kb_cmd_lock(kb_cmd_ctx *cx, int argc, char **argv)
{
    if (argc > 1)
        return kb_cmd_usage(cx, "lock", _("unexpected argument '%s'"), argv[1]);
    size_t n = kb_board_forget_all_keys();
    fprintf(cx->out,
            dngettext(KB_TEXTDOMAIN,
                      "Forgot %zu kept key; the next command asks for the passphrase.\n",
                      "Forgot %zu kept keys; the next command asks for the passphrase.\n", n),
            n);
    return KB_OK;
}

long kb_cmd_unlock_idle(void)
{
    long idle = KB_KEY_IDLE_DEFAULT_S;
    const char *v = getenv("KERNBOARD_UNLOCK_IDLE");
    if (v && v[0] && kb_cmd_duration(v, &idle) != KB_OK)
        idle = 0;
    return idle;
}
