/* Placeholder: this format backend has not landed yet. */
#include "io.h"

const aion_io_backend aion_io_poscar = {AION_FMT_POSCAR, "poscar", NULL, NULL, NULL, NULL, NULL, NULL};
const aion_io_backend aion_io_xdatcar = {AION_FMT_XDATCAR, "xdatcar", NULL, NULL, NULL, NULL, NULL, NULL};
const aion_io_backend aion_io_outcar = {AION_FMT_OUTCAR, "outcar", NULL, NULL, NULL, NULL, NULL, NULL};
