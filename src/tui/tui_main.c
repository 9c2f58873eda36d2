/* PLACEHOLDER - replaced by the TUI implementation; never committed. */
#include "kernboard/tui.h"
#include "kernboard/err.h"
#include <stdio.h>

int kb_tui_main(const kb_launch *l)
{
    (void)l;
    fputs("kernboard: the terminal UI is not available in this build\n", stderr);
    return KB_ESOFTWARE;
}
