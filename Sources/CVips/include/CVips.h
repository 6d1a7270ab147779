#ifndef CVIPS_H
#define CVIPS_H

// libvips for imgeda, behind an opaque header: only plain C types and our `cvips_*`
// functions appear here, never `<vips/vips.h>`, so Swift targets never see glib's or libvips'
// headers and need no include paths (and the package needs no unsafe build flags, which
// would keep it from being used as a dependency). `shim.c` includes libvips and implements
// each function as a thin wrapper.
//
// Functions that can fail return 0 on success and -1 on failure with the reason in libvips'
// error buffer (`cvips_error_buffer`); callers clear that buffer first
// (`cvips_error_clear`), since it is global and sticky.

#include <stddef.h>

/// A libvips image (a `VipsImage`), seen from Swift as an opaque pointer. Release each one
/// this API hands out with `cvips_unref`.
typedef struct _VipsImage CVipsImage;

/// Starts libvips for single-threaded use inside one worker: no operation cache, one thread
/// per pipeline, and unless `allow_untrusted` is set, libvips' untrusted loaders and savers
/// blocked (JPEG XL excepted). `VIPS_INIT` is a macro, which Swift cannot call.
int cvips_start(const char *argv0, int allow_untrusted);

/// The text of libvips' global error buffer (owned by libvips; never NULL in practice).
/// Wraps `vips_error_buffer` so that Swift needs no libvips header.
const char *cvips_error_buffer(void);

/// Empties libvips' global error buffer. Wraps `vips_error_clear`.
void cvips_error_clear(void);

/// Releases an image this API returned. Wraps `g_object_unref`, whose argument type is
/// glib's.
void cvips_unref(CVipsImage *image);

/// Frees memory libvips allocated for us (encoded files, pixel copies). Wraps `g_free`.
void cvips_free(void *memory);

/// Opens an image header from memory without decoding pixels. Swift cannot call the
/// variadic `vips_image_new_from_buffer`. Returns NULL on failure.
CVipsImage *cvips_open_header(const void *buf, size_t len);

/// Width in pixels. Wraps `vips_image_get_width`.
int cvips_image_width(const CVipsImage *image);

/// Height in pixels. Wraps `vips_image_get_height`.
int cvips_image_height(const CVipsImage *image);

/// Number of bands. Wraps `vips_image_get_bands`.
int cvips_image_bands(const CVipsImage *image);

/// 1 when the samples are 16-bit unsigned (`VIPS_FORMAT_USHORT`), else 0: the one band
/// format the decoder distinguishes, asked here so that libvips' enum stays in C.
int cvips_image_is_ushort(const CVipsImage *image);

/// 1 when the image is interpreted as CMYK (`VIPS_INTERPRETATION_CMYK`), else 0.
int cvips_image_is_cmyk(const CVipsImage *image);

/// Converts any image to 8-bit, 3-band sRGB and materialises it in memory. Swift cannot call
/// the variadic `vips_colourspace`, `vips_extract_band`, `vips_bandjoin` and `vips_cast`.
int cvips_to_rgb8(CVipsImage *in, CVipsImage **out);

/// Makes an 8-bit, 3-band sRGB preview whose longer side is at most `target`, with the
/// loaders' shrink-on-load, materialised in memory. Swift cannot call the variadic
/// `vips_thumbnail_buffer`.
int cvips_rgb_preview(const void *buf, size_t len, int target, CVipsImage **out);

/// Copies the image's pixels into a new buffer (free it with `cvips_free`) and sets `size`.
/// Wraps `vips_image_write_to_memory`. Returns NULL on failure.
void *cvips_image_write_to_memory(CVipsImage *image, size_t *size);

/// Reads a blob field (such as "exif-data") of an image. Returns NULL if absent; the data
/// is owned by the image.
const void *cvips_get_blob(CVipsImage *image, const char *name, size_t *length);

/// Reads an integer field, returning `fallback` when it is absent.
int cvips_get_int(CVipsImage *image, const char *name, int fallback);

/// Reads a string field, returning NULL when it is absent. The result is owned by the image.
const char *cvips_get_string(CVipsImage *image, const char *name);

/// Encodes 8-bit (or, with `sixteen_bit`, 16-bit) interleaved pixels to a file format chosen
/// by `suffix` (".jpg[Q=90]", ".png[palette]" …); `cmyk` tags four bands as CMYK. Free
/// `*buf` with `cvips_free`. Swift cannot call the variadic `vips_image_write_to_buffer`.
int cvips_encode(const void *pixels, int width, int height, int bands,
                 int sixteen_bit, int cmyk, const char *suffix, void **buf, size_t *len);

/// Encodes a multi-page (animated) image: `pages` frames stacked vertically, each
/// `page_height` rows high. Swift cannot call the variadic `vips_image_write_to_buffer`.
int cvips_encode_pages(const void *pixels, int width, int page_height, int pages, int bands,
                       const char *suffix, void **buf, size_t *len);

/// Renders an SVG document to PNG at `scale` × its CSS pixel size (librsvg through
/// libvips). Swift cannot call the variadic `vips_svgload_buffer` and `vips_pngsave_buffer`.
int cvips_svg_to_png(const void *svg, size_t len, double scale, void **png, size_t *png_len);

#endif
