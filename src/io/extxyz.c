/* Placeholder: this format backend has not landed yet. */
#include "io.h"

const aion_io_backend aion_io_extxyz = {AION_FMT_EXTXYZ, "extxyz", NULL, NULL, NULL, NULL, NULL, NULL};
