/* Placeholder: this format backend has not landed yet. */
#include "io.h"

const aion_io_backend aion_io_lammps_data = {AION_FMT_LAMMPS_DATA, "lammps_data", NULL, NULL, NULL, NULL, NULL, NULL};
const aion_io_backend aion_io_lammps_dump = {AION_FMT_LAMMPS_DUMP, "lammps_dump", NULL, NULL, NULL, NULL, NULL, NULL};
