/* aion label: not implemented yet. */
#include "cli.h"

int cmd_label(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'label' is not implemented yet");
}
