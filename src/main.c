/* main.c - program entry: hands the command line to the CLI front end. */
#include "kernboard/cli.h"
#include "kernboard/i18n.h"

int main(int argc, char **argv)
{
    kb_i18n_init();
    return kb_cli_main(argc, argv);
}
