/* Placeholder: this format backend has not landed yet. */
#include "io.h"

const aion_io_backend aion_io_cif = {AION_FMT_CIF, "cif", NULL, NULL, NULL, NULL, NULL, NULL};
