#ifndef CFASTPNG_H
#define CFASTPNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>  // free(), which releases the pixels this hands out

/// Result of `cfastpng_decode_rgb`.
enum {
    CFASTPNG_OK = 0,
    /// A layout this fast path does not handle (16-bit, sub-byte, interlaced): use libvips.
    CFASTPNG_UNSUPPORTED = 1,
    /// The file is damaged; `message` says how.
    CFASTPNG_DAMAGED = 2,
    CFASTPNG_NO_MEMORY = 3,
};

/// Decodes a non-interlaced 8-bit PNG (grey, grey+alpha, RGB, RGBA or palette) straight to
/// 8-bit RGB, dropping alpha as Pillow's `convert("RGB")` does. libvips decodes PNG through
/// libpng and zlib with a per-image pipeline set-up; libdeflate inflates 2–3× faster and
/// the unfiltering here is a tight loop, which matters on datasets of small PNGs.
///
/// On `CFASTPNG_OK`, `*rgb` is a `malloc`ed buffer of `*width * *height * 3` bytes that the
/// caller frees, and `*exif_offset`/`*exif_length` locate an `eXIf` chunk's data (0 if none).
int cfastpng_decode_rgb(const uint8_t *data, size_t length, size_t max_pixels,
                        uint8_t **rgb, uint32_t *width, uint32_t *height,
                        size_t *exif_offset, size_t *exif_length,
                        char *message, size_t message_capacity);

#endif
