/*
 * i18n.h - gettext helpers.  All user-facing text goes through _() (or N_()
 * for tables translated at use).  The text domain is "kernboard".
 */
#ifndef KERNBOARD_I18N_H
#define KERNBOARD_I18N_H

#include <libintl.h>

#define KB_TEXTDOMAIN "kernboard"
#define _(s) dgettext(KB_TEXTDOMAIN, s)
#define N_(s) (s)

/* Plurals: dngettext(KB_TEXTDOMAIN, one, many, n).  The bare gettext() and
 * ngettext() look in the default text domain ("messages"), which holds no
 * kernboard message, so their text would stay English: they are poisoned,
 * and using one is a compile error. */
#undef gettext
#undef ngettext
#pragma GCC poison gettext ngettext

/* setlocale(LC_ALL, "") and bind the text domain: to $KERNBOARD_LOCALEDIR if
 * set, else to the "locale" directory next to the binary if there is one (a
 * build tree), else to the install directory (KB_LOCALEDIR). */
void kb_i18n_init(void);

#endif
