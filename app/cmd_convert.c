/* aion convert: not implemented yet. */
#include "cli.h"

int cmd_convert(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'convert' is not implemented yet");
}
