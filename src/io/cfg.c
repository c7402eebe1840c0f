/* Placeholder: this format backend has not landed yet. */
#include "io.h"

const aion_io_backend aion_io_cfg = {AION_FMT_CFG, "cfg", NULL, NULL, NULL, NULL, NULL, NULL};
