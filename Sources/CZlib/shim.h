#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
// zlib (Debian zlib1g-dev), for Parquet pages written with the GZIP codec.
#include <zlib.h>

// Swift cannot call the function-like macro `inflateInit2`. Window bits 15 + 32 accept both
// a gzip and a zlib header, as Parquet writers differ.
static inline int czlib_inflate_init(z_streamp stream) {
    return inflateInit2(stream, 15 + 32);
}
#endif
