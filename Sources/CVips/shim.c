// libvips for imgeda: the only code that includes libvips' headers. Swift cannot call C
// variadic functions ("Variadic function is unavailable"), and most of libvips' API takes
// `..., NULL` option lists, so every call we need goes through a plain, non-variadic wrapper
// below; the few plain calls Swift makes are wrapped too, so that `include/CVips.h` declares
// only plain C types and Swift never needs glib's headers. Each wrapper that can fail
// returns 0 on success and -1 on failure with the reason in `vips_error_buffer()`; callers
// clear that buffer first (it is global and sticky).

#include <vips/vips.h>

#include "CVips.h"

/// Starts libvips for single-threaded use inside one worker: no operation cache (every file
/// is seen once, so caching only costs memory) and one thread per pipeline (we parallelise
/// across images, in processes). Unless `allow_untrusted` is set, loaders and savers that
/// libvips marks untrusted are blocked: in this build that includes ImageMagick, which
/// would otherwise read any file whose content no other loader claims (a `.jpg` holding a
/// TGA, say) with parsers never meant for hostile input, and also PDF, SVG, JPEG 2000,
/// FITS, PPM and others no scan needs. JPEG XL stays allowed: it is one of the formats we
/// scan, and libjxl is its reference decoder. `VIPS_INIT` is a macro, which Swift cannot
/// call.
int cvips_start(const char *argv0, int allow_untrusted) {
    if (VIPS_INIT(argv0) != 0) return -1;
    if (!allow_untrusted) {
        vips_block_untrusted_set(TRUE);
        vips_operation_block_set("VipsForeignLoadJxl", FALSE);
        vips_operation_block_set("VipsForeignSaveJxl", FALSE);
    }
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    vips_concurrency_set(1);
    return 0;
}

// Plain calls, wrapped only so that Swift needs no libvips or glib header (the reasons are
// in include/CVips.h).

const char *cvips_error_buffer(void) {
    return vips_error_buffer();
}

void cvips_error_clear(void) {
    vips_error_clear();
}

void cvips_unref(CVipsImage *image) {
    g_object_unref(image);
}

void cvips_free(void *memory) {
    g_free(memory);
}

/// Opens an image header from memory without decoding pixels. Swift cannot call the
/// variadic `vips_image_new_from_buffer`.
CVipsImage *cvips_open_header(const void *buf, size_t len) {
    return vips_image_new_from_buffer(buf, len, "", "access", VIPS_ACCESS_SEQUENTIAL,
                                      "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
}

// Header facts, read here so that libvips' enums and struct layout stay in C.

int cvips_image_width(const CVipsImage *image) {
    return vips_image_get_width(image);
}

int cvips_image_height(const CVipsImage *image) {
    return vips_image_get_height(image);
}

int cvips_image_bands(const CVipsImage *image) {
    return vips_image_get_bands(image);
}

int cvips_image_is_ushort(const CVipsImage *image) {
    return vips_image_get_format(image) == VIPS_FORMAT_USHORT;
}

int cvips_image_is_cmyk(const CVipsImage *image) {
    return vips_image_get_interpretation(image) == VIPS_INTERPRETATION_CMYK;
}

/// Converts any image to 8-bit, 3-band sRGB (colour profiles and CMYK through lcms, grey
/// replicated, alpha dropped as Pillow's `convert("RGB")` does, 16-bit scaled down) and
/// materialises it in memory. Swift cannot call the variadic `vips_colourspace`,
/// `vips_extract_band`, `vips_bandjoin` and `vips_cast`.
int cvips_to_rgb8(CVipsImage *in, CVipsImage **out) {
    VipsImage *t[5] = {NULL, NULL, NULL, NULL, NULL};
    int result = -1;
    *out = NULL;
    VipsImage *current = in;
    if (vips_colourspace_issupported(current)) {
        if (vips_colourspace(current, &t[0], VIPS_INTERPRETATION_sRGB, NULL) != 0) goto done;
        current = t[0];
    }
    int bands = vips_image_get_bands(current);
    if (bands > 3) {
        if (vips_extract_band(current, &t[1], 0, "n", 3, NULL) != 0) goto done;
        current = t[1];
    } else if (bands < 3) {
        VipsImage *grey = current;
        if (bands == 2) {
            if (vips_extract_band(current, &t[1], 0, NULL) != 0) goto done;
            grey = t[1];
        }
        VipsImage *three[3] = {grey, grey, grey};
        if (vips_bandjoin(three, &t[2], 3, NULL) != 0) goto done;
        current = t[2];
    }
    if (vips_image_get_format(current) != VIPS_FORMAT_UCHAR) {
        if (vips_cast(current, &t[3], VIPS_FORMAT_UCHAR, "shift", vips_image_get_format(current) == VIPS_FORMAT_USHORT, NULL) != 0) goto done;
        current = t[3];
    }
    t[4] = vips_image_copy_memory(current);
    if (t[4] == NULL) goto done;
    *out = t[4];
    t[4] = NULL;
    result = 0;
done:
    for (int i = 0; i < 5; i++) {
        if (t[i] != NULL) g_object_unref(t[i]);
    }
    return result;
}

/// Makes an 8-bit, 3-band sRGB preview whose longer side is at most `target`, using the
/// loaders' shrink-on-load where they have one, and materialises it in memory.
/// Orientation tags are not applied (the caller does it, the same way for every decoder).
/// Swift cannot call the variadic `vips_thumbnail_buffer`.
int cvips_rgb_preview(const void *buf, size_t len, int target, CVipsImage **out) {
    VipsImage *thumb = NULL;
    *out = NULL;
    if (vips_thumbnail_buffer((void *)buf, len, &thumb, target,
                              "height", target,
                              "size", VIPS_SIZE_DOWN,
                              "no_rotate", TRUE,
                              "fail_on", VIPS_FAIL_ON_TRUNCATED,
                              NULL) != 0) {
        return -1;
    }
    int result = cvips_to_rgb8(thumb, out);
    g_object_unref(thumb);
    return result;
}

void *cvips_image_write_to_memory(CVipsImage *image, size_t *size) {
    return vips_image_write_to_memory(image, size);
}

/// Reads a blob field (such as "exif-data") of an image. Returns NULL if absent.
const void *cvips_get_blob(CVipsImage *image, const char *name, size_t *length) {
    const void *data = NULL;
    *length = 0;
    if (vips_image_get_typeof(image, name) == 0) return NULL;
    if (vips_image_get_blob(image, name, &data, length) != 0) return NULL;
    return data;
}

/// Reads an integer field, returning `fallback` when it is absent.
int cvips_get_int(CVipsImage *image, const char *name, int fallback) {
    int value = fallback;
    if (vips_image_get_typeof(image, name) == 0) return fallback;
    if (vips_image_get_int(image, name, &value) != 0) return fallback;
    return value;
}

/// Reads a string field, returning NULL when it is absent. The result is owned by the image.
const char *cvips_get_string(CVipsImage *image, const char *name) {
    const char *value = NULL;
    if (vips_image_get_typeof(image, name) == 0) return NULL;
    if (vips_image_get_string(image, name, &value) != 0) return NULL;
    return value;
}

/// Encodes 8-bit interleaved pixels to a file format chosen by `suffix`
/// (".jpg[Q=90]", ".png[palette]" …); `cmyk` tags four bands as CMYK. Used to make fixtures
/// and example datasets.
/// Swift cannot call the variadic `vips_image_write_to_buffer`.
int cvips_encode(const void *pixels, int width, int height, int bands,
                               int sixteen_bit, int cmyk, const char *suffix, void **buf, size_t *len) {
    VipsImage *image = vips_image_new_from_memory(pixels, (size_t)width * height * bands * (sixteen_bit ? 2 : 1),
                                                  width, height, bands,
                                                  sixteen_bit ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR);
    if (image == NULL) return -1;
    if (sixteen_bit) {
        image->Type = bands >= 3 ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_GREY16;
    } else if (cmyk) {
        image->Type = VIPS_INTERPRETATION_CMYK;
    } else {
        image->Type = bands >= 3 ? VIPS_INTERPRETATION_sRGB : VIPS_INTERPRETATION_B_W;
    }
    int result = vips_image_write_to_buffer(image, suffix, buf, len, NULL);
    g_object_unref(image);
    return result;
}

/// Encodes a multi-page (animated) image: `pages` frames stacked vertically, each
/// `page_height` rows high. Swift cannot call the variadic `vips_image_write_to_buffer`.
int cvips_encode_pages(const void *pixels, int width, int page_height, int pages, int bands,
                                     const char *suffix, void **buf, size_t *len) {
    VipsImage *image = vips_image_new_from_memory(pixels, (size_t)width * page_height * pages * bands,
                                                  width, page_height * pages, bands, VIPS_FORMAT_UCHAR);
    if (image == NULL) return -1;
    VipsImage *copy = NULL;
    if (vips_copy(image, &copy, NULL) != 0) {
        g_object_unref(image);
        return -1;
    }
    vips_image_set_int(copy, "page-height", page_height);
    int delays[64];
    int n = pages < 64 ? pages : 64;
    for (int i = 0; i < n; i++) delays[i] = 100;
    vips_image_set_array_int(copy, "delay", delays, n);
    int result = vips_image_write_to_buffer(copy, suffix, buf, len, NULL);
    g_object_unref(copy);
    g_object_unref(image);
    return result;
}

/// Renders an SVG document to PNG at `scale` × its CSS pixel size (librsvg through
/// libvips). Swift cannot call the variadic `vips_svgload_buffer` and `vips_pngsave_buffer`.
/// The SVG loader is among those `cvips_start` blocks; it is allowed again here, for the
/// process that renders our own charts (never one that decodes a user's files: scans and
/// thumbnails run in worker processes).
int cvips_svg_to_png(const void *svg, size_t len, double scale, void **png, size_t *png_len) {
    vips_operation_block_set("VipsForeignLoadSvg", FALSE);
    VipsImage *image = NULL;
    if (vips_svgload_buffer((void *)svg, len, &image, "scale", scale, NULL) != 0) return -1;
    int result = vips_pngsave_buffer(image, png, png_len, "compression", 1, NULL);
    g_object_unref(image);
    return result;
}
