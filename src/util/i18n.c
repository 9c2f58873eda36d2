/* i18n.c - gettext set-up; see kernboard/i18n.h. */
#include "kernboard/i18n.h"

#include <limits.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KB_LOCALEDIR
#define KB_LOCALEDIR "/usr/local/share/locale"
#endif

/* The "locale" directory next to the running binary, as a build tree has it
 * (build/DIR/kernboard and build/DIR/locale/LANG/LC_MESSAGES/kernboard.mo);
 * false when there is none (an installed binary). */
static bool kb_i18n_build_dir(char *out, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return false;
    *slash = '\0';
    int w = snprintf(out, size, "%s/locale", exe);
    struct stat st;
    return w > 0 && (size_t)w < size && stat(out, &st) == 0 && S_ISDIR(st.st_mode);
}

void kb_i18n_init(void)
{
    setlocale(LC_ALL, "");
    const char *dir = getenv("KERNBOARD_LOCALEDIR");
    char here[PATH_MAX + 8];
    if (!dir || !*dir)
        dir = kb_i18n_build_dir(here, sizeof here) ? here : KB_LOCALEDIR;
    bindtextdomain(KB_TEXTDOMAIN, dir);
    bind_textdomain_codeset(KB_TEXTDOMAIN, "UTF-8");
}
