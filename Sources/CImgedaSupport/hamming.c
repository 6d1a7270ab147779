// Hamming distances of perceptual hashes with the CPU's population-count instruction.
//
// swiftc targets generic x86-64, where `nonzeroBitCount` compiles to a dozen-instruction
// bit-twiddling sequence. The kernels below are compiled twice: once for the `popcnt`
// instruction (a per-function target attribute, so no build flag changes the whole
// target), once plain; the first call checks the CPU and every later call takes the
// chosen path. Other architectures have a population count in their baseline.
#include "CImgedaSupport.h"

#include <stdatomic.h>

#if defined(__x86_64__) || defined(__i386__)
#define CIMGEDA_POPCNT_TARGET __attribute__((target("popcnt")))
#define CIMGEDA_HAS_DISPATCH 1
#else
#define CIMGEDA_POPCNT_TARGET
#define CIMGEDA_HAS_DISPATCH 0
#endif

// -1 not yet checked, 0 plain, 1 popcnt. Racing first calls store the same value.
static atomic_int cpu_has_popcnt = -1;

int cimgeda_hamming_fast(void) {
#if CIMGEDA_HAS_DISPATCH
    int known = atomic_load_explicit(&cpu_has_popcnt, memory_order_relaxed);
    if (known >= 0) return known;
    __builtin_cpu_init();
    int has = __builtin_cpu_supports("popcnt") ? 1 : 0;
    atomic_store_explicit(&cpu_has_popcnt, has, memory_order_relaxed);
    return has;
#else
    return 1;
#endif
}

/* Row by row, starting at *next; a row is begun only when all its hits would fit. */
#define CIMGEDA_BLOCK(NAME, ATTR, WORDS, WITHIN)                                                     \
    ATTR static size_t NAME(const uint64_t *queries, size_t query_count, const uint64_t *items,     \
                            size_t item_count, int triangle, int radius, uint32_t *hits,           \
                            size_t capacity, size_t *next) {                                       \
        size_t found = 0, row = *next;                                                             \
        for (; row < query_count; row++) {                                                         \
            size_t from = triangle ? row + 1 : 0;                                                  \
            if (from > item_count) from = item_count;                                              \
            if (capacity - found < item_count - from) break;                                       \
            const uint64_t *q = queries + (WORDS) * row;                                           \
            for (size_t j = from; j < item_count; j++) {                                           \
                if (WITHIN(q, items + (WORDS) * j, radius)) {                                      \
                    hits[2 * found] = (uint32_t)row;                                               \
                    hits[2 * found + 1] = (uint32_t)j;                                             \
                    found++;                                                                       \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        *next = row;                                                                               \
        return found;                                                                              \
    }

// Whether hash `h` is within `radius` bits of query `q`: one word; or four, where most
// hashes a search compares are far apart, so the first words alone usually tell.
#define CIMGEDA_WITHIN_1(q, h, radius) (__builtin_popcountll((q)[0] ^ (h)[0]) <= (radius))

// The same loops, compiled once per path (NAME is suffixed, ATTR is the target attribute).
// One block loop serves both widths; WORDS is a constant in each copy, so each compiles to
// its own straight-line distance test.
#define CIMGEDA_HAMMING_KERNELS(SUFFIX, ATTR)                                                        \
    ATTR static int distance256_##SUFFIX(const uint64_t *a, const uint64_t *b) {                   \
        return __builtin_popcountll(a[0] ^ b[0]) + __builtin_popcountll(a[1] ^ b[1]) +             \
               __builtin_popcountll(a[2] ^ b[2]) + __builtin_popcountll(a[3] ^ b[3]);              \
    }                                                                                              \
    ATTR static inline int within4_##SUFFIX(const uint64_t *q, const uint64_t *h, int radius) {    \
        int d = __builtin_popcountll(q[0] ^ h[0]);                                                 \
        if (d > radius) return 0;                                                                  \
        d += __builtin_popcountll(q[1] ^ h[1]);                                                    \
        if (d > radius) return 0;                                                                  \
        d += __builtin_popcountll(q[2] ^ h[2]) + __builtin_popcountll(q[3] ^ h[3]);                \
        return d <= radius;                                                                        \
    }                                                                                              \
    CIMGEDA_BLOCK(block1_##SUFFIX, ATTR, 1, CIMGEDA_WITHIN_1)                                       \
    CIMGEDA_BLOCK(block4_##SUFFIX, ATTR, 4, within4_##SUFFIX)

CIMGEDA_HAMMING_KERNELS(plain, )
#if CIMGEDA_HAS_DISPATCH
CIMGEDA_HAMMING_KERNELS(popcnt, CIMGEDA_POPCNT_TARGET)
#define CIMGEDA_FAST(portable) (!(portable) && cimgeda_hamming_fast())
#else
#define CIMGEDA_FAST(portable) 0
#endif

int cimgeda_hamming256(const uint64_t *a, const uint64_t *b, int portable) {
#if CIMGEDA_HAS_DISPATCH
    if (CIMGEDA_FAST(portable)) return distance256_popcnt(a, b);
#endif
    return distance256_plain(a, b);
}

size_t cimgeda_hamming_block(const uint64_t *queries, size_t query_count, const uint64_t *items,
                             size_t item_count, int words, int triangle, int radius, uint32_t *hits,
                             size_t capacity, size_t *next, int portable) {
#if CIMGEDA_HAS_DISPATCH
    if (CIMGEDA_FAST(portable))
        return words == 4 ? block4_popcnt(queries, query_count, items, item_count, triangle, radius,
                                          hits, capacity, next)
                          : block1_popcnt(queries, query_count, items, item_count, triangle, radius,
                                          hits, capacity, next);
#endif
    return words == 4 ? block4_plain(queries, query_count, items, item_count, triangle, radius, hits,
                                     capacity, next)
                      : block1_plain(queries, query_count, items, item_count, triangle, radius, hits,
                                     capacity, next);
}
