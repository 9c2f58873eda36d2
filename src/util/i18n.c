/* i18n.c - gettext set-up; see kernboard/i18n.h. */
#include "kernboard/i18n.h"

#include <locale.h>
#include <stdlib.h>

#ifndef KB_LOCALEDIR
#define KB_LOCALEDIR "/usr/local/share/locale"
#endif

void kb_i18n_init(void)
{
    setlocale(LC_ALL, "");
    const char *dir = getenv("KERNBOARD_LOCALEDIR");
    bindtextdomain(KB_TEXTDOMAIN, dir && *dir ? dir : KB_LOCALEDIR);
    bind_textdomain_codeset(KB_TEXTDOMAIN, "UTF-8");
}
