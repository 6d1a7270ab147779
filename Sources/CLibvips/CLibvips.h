#ifndef CLIBVIPS_H
#define CLIBVIPS_H

// The system target that brings libvips' headers and glib's include paths (from pkg-config)
// to the C shim in CVips, which is the only code that includes this.
#include <vips/vips.h>

#endif
