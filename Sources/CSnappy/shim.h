#ifndef CSNAPPY_SHIM_H
#define CSNAPPY_SHIM_H
// Snappy's C API (Debian libsnappy-dev), for Parquet pages written with the SNAPPY codec.
#include <snappy-c.h>
#endif
