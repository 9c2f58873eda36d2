/* main.c - program entry: the command line decides between a CLI command
 * and the terminal UI. */
#include "kernboard/cli.h"
#include "kernboard/i18n.h"
#include "kernboard/tui.h"

int main(int argc, char **argv)
{
    kb_i18n_init();
    kb_launch tui = {0};
    int rc = kb_cli_main(argc, argv, &tui);
    if (rc == KB_LAUNCH_TUI)
        rc = kb_tui_main(&tui);
    return rc;
}
