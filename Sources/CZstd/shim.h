#ifndef CZSTD_SHIM_H
#define CZSTD_SHIM_H
// Zstandard (Debian libzstd-dev), for Parquet pages written with the ZSTD codec.
#include <zstd.h>
#endif
