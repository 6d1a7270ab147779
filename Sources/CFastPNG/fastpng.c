#include "CFastPNG.h"

#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int fail(char *message, size_t capacity, const char *text, int code) {
    if (message != NULL && capacity > 0) snprintf(message, capacity, "%s", text);
    return code;
}

/// The Paeth predictor, written so compilers emit conditional moves instead of branches
/// (|p − a| = |b − c|, |p − b| = |a − c|, |p − c| = |a + b − 2c|).
static inline uint8_t paeth(int a, int b, int c) {
    int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
    int not_a = (pb < pa) | (pc < pa);
    int pick_c = pc < pb;
    int bc = pick_c ? c : b;
    return (uint8_t)(not_a ? bc : a);
}

int cfastpng_decode_rgb(const uint8_t *data, size_t length, size_t max_pixels,
                        uint8_t **rgb, uint32_t *width, uint32_t *height,
                        size_t *exif_offset, size_t *exif_length,
                        char *message, size_t message_capacity) {
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    *rgb = NULL;
    *exif_offset = 0;
    *exif_length = 0;
    if (length < 33 || memcmp(data, signature, 8) != 0 || memcmp(data + 12, "IHDR", 4) != 0) {
        return CFASTPNG_UNSUPPORTED;
    }
    uint32_t w = be32(data + 16), h = be32(data + 20);
    uint8_t depth = data[24], type = data[25], interlace = data[28];
    if (w == 0 || h == 0) return fail(message, message_capacity, "damaged PNG (zero width or height)", CFASTPNG_DAMAGED);
    if (depth != 8 || interlace != 0) return CFASTPNG_UNSUPPORTED;
    size_t channels;
    switch (type) {
    case 0: channels = 1; break;
    case 2: channels = 3; break;
    case 3: channels = 1; break;
    case 4: channels = 2; break;
    case 6: channels = 4; break;
    default: return fail(message, message_capacity, "damaged PNG (unknown colour type)", CFASTPNG_DAMAGED);
    }
    if ((size_t)w * h > max_pixels) return CFASTPNG_UNSUPPORTED;

    // Gather the zlib stream (IDAT chunks, in order), the palette and an eXIf chunk.
    size_t idat_total = 0;
    const uint8_t *palette = NULL;
    size_t palette_entries = 0;
    size_t offset = 8;
    int seen_end = 0;
    while (offset + 12 <= length) {
        uint32_t chunk = be32(data + offset);
        if ((size_t)chunk > length - offset - 12) break;
        const uint8_t *kind = data + offset + 4;
        if (memcmp(kind, "IDAT", 4) == 0) idat_total += chunk;
        else if (memcmp(kind, "PLTE", 4) == 0) { palette = data + offset + 8; palette_entries = chunk / 3; }
        else if (memcmp(kind, "eXIf", 4) == 0) { *exif_offset = offset + 8; *exif_length = chunk; }
        else if (memcmp(kind, "IEND", 4) == 0) { seen_end = 1; break; }
        offset += 12 + (size_t)chunk;
    }
    if (!seen_end) return fail(message, message_capacity, "truncated PNG (the file ends before its end marker)", CFASTPNG_DAMAGED);
    if (idat_total == 0) return fail(message, message_capacity, "damaged PNG (no image data)", CFASTPNG_DAMAGED);
    if (type == 3 && palette == NULL) return fail(message, message_capacity, "damaged PNG (palette image without a palette)", CFASTPNG_DAMAGED);

    uint8_t *stream = malloc(idat_total);
    size_t stride = (size_t)w * channels;
    size_t raw_size = (stride + 1) * h;
    uint8_t *raw = malloc(raw_size);
    uint8_t *out = malloc((size_t)w * h * 3);
    if (stream == NULL || raw == NULL || out == NULL) {
        free(stream); free(raw); free(out);
        return CFASTPNG_NO_MEMORY;
    }
    size_t filled = 0;
    offset = 8;
    while (offset + 12 <= length) {
        uint32_t chunk = be32(data + offset);
        if ((size_t)chunk > length - offset - 12) break;
        if (memcmp(data + offset + 4, "IDAT", 4) == 0) {
            memcpy(stream + filled, data + offset + 8, chunk);
            filled += chunk;
        } else if (memcmp(data + offset + 4, "IEND", 4) == 0) {
            break;
        }
        offset += 12 + (size_t)chunk;
    }

    struct libdeflate_decompressor *inflater = libdeflate_alloc_decompressor();
    if (inflater == NULL) {
        free(stream); free(raw); free(out);
        return CFASTPNG_NO_MEMORY;
    }
    size_t produced = 0;
    enum libdeflate_result result = libdeflate_zlib_decompress(inflater, stream, filled, raw, raw_size, &produced);
    libdeflate_free_decompressor(inflater);
    free(stream);
    if (result != LIBDEFLATE_SUCCESS || produced != raw_size) {
        free(raw); free(out);
        // Extra data after the image (LIBDEFLATE_INSUFFICIENT_SPACE) is tolerated by libpng;
        // leave such files to libvips rather than calling them damaged.
        if (result == LIBDEFLATE_INSUFFICIENT_SPACE) return CFASTPNG_UNSUPPORTED;
        return fail(message, message_capacity,
                    result == LIBDEFLATE_BAD_DATA ? "damaged PNG (the compressed image data is invalid)"
                                                  : "truncated PNG (the image data ends early)",
                    CFASTPNG_DAMAGED);
    }

    // Unfilter in place, row by row.
    size_t bpp = channels;
    uint8_t *previous = NULL;
    for (uint32_t y = 0; y < h; y++) {
        uint8_t *row = raw + (size_t)y * (stride + 1);
        uint8_t filter = row[0];
        uint8_t *cur = row + 1;
        switch (filter) {
        case 0: break;
        case 1:
            for (size_t i = bpp; i < stride; i++) cur[i] = (uint8_t)(cur[i] + cur[i - bpp]);
            break;
        case 2:
            if (previous) for (size_t i = 0; i < stride; i++) cur[i] = (uint8_t)(cur[i] + previous[i]);
            break;
        case 3:
            if (previous) {
                for (size_t i = 0; i < bpp; i++) cur[i] = (uint8_t)(cur[i] + (previous[i] >> 1));
                for (size_t i = bpp; i < stride; i++) cur[i] = (uint8_t)(cur[i] + ((cur[i - bpp] + previous[i]) >> 1));
            } else {
                for (size_t i = bpp; i < stride; i++) cur[i] = (uint8_t)(cur[i] + (cur[i - bpp] >> 1));
            }
            break;
        case 4:
            if (previous) {
                // First pixel: left and corner are zero, so the predictor is the byte above.
                for (size_t i = 0; i < bpp; i++) cur[i] = (uint8_t)(cur[i] + previous[i]);
                for (size_t i = bpp; i < stride; i++) {
                    cur[i] = (uint8_t)(cur[i] + paeth(cur[i - bpp], previous[i], previous[i - bpp]));
                }
            } else {
                // First row: above and corner are zero, so the predictor is the byte to the left.
                for (size_t i = bpp; i < stride; i++) cur[i] = (uint8_t)(cur[i] + cur[i - bpp]);
            }
            break;
        default:
            free(raw); free(out);
            return fail(message, message_capacity, "damaged PNG (unknown row filter)", CFASTPNG_DAMAGED);
        }
        // Convert the row to RGB.
        uint8_t *dst = out + (size_t)y * w * 3;
        switch (type) {
        case 0: case 4:
            for (uint32_t x = 0; x < w; x++) {
                uint8_t v = cur[x * channels];
                dst[3 * x] = v; dst[3 * x + 1] = v; dst[3 * x + 2] = v;
            }
            break;
        case 2:
            memcpy(dst, cur, (size_t)w * 3);
            break;
        case 6:
            for (uint32_t x = 0; x < w; x++) {
                dst[3 * x] = cur[4 * x]; dst[3 * x + 1] = cur[4 * x + 1]; dst[3 * x + 2] = cur[4 * x + 2];
            }
            break;
        case 3:
            for (uint32_t x = 0; x < w; x++) {
                size_t index = cur[x];
                if (index < palette_entries) {
                    dst[3 * x] = palette[3 * index]; dst[3 * x + 1] = palette[3 * index + 1]; dst[3 * x + 2] = palette[3 * index + 2];
                } else {
                    dst[3 * x] = 0; dst[3 * x + 1] = 0; dst[3 * x + 2] = 0;
                }
            }
            break;
        }
        previous = cur;
    }
    free(raw);
    *rgb = out;
    *width = w;
    *height = h;
    return CFASTPNG_OK;
}
