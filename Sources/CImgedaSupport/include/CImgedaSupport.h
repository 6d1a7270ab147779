#ifndef CIMGEDASUPPORT_H
#define CIMGEDASUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// Installs SIGINT and SIGTERM handlers for a long-running command. The first signal sets a
/// flag and writes one byte to a self-pipe (so a `poll` loop wakes at once); the second
/// exits the process immediately with status 130. Returns the read end of the self-pipe,
/// or -1 on failure. Swift cannot write async-signal-safe handlers with captured state.
int cimgeda_install_stop_handlers(void);

/// Registers a temporary file that must not outlive the process (an output being written
/// under a temporary name). SIGINT, SIGTERM and SIGHUP — unless the program handles them
/// itself — remove every registered file before the process ends by that signal; the stop
/// handlers' immediate exit removes them too. Returns a slot for `cimgeda_temp_unregister`,
/// or -1 when the path is too long or all slots are taken (the file is then only cleaned up
/// by the next run). Thread-safe. Swift cannot write async-signal-safe handlers.
int cimgeda_temp_register(const char *path);

/// Forgets a registered temporary file (it was renamed into place or removed).
void cimgeda_temp_unregister(int slot);

/// The signal that asked us to stop (SIGINT or SIGTERM), or 0 if none has arrived.
int cimgeda_stop_signal(void);

/// Makes the calling process receive SIGKILL when its parent dies, so worker processes
/// never outlive a supervisor killed with `kill -9`. Swift cannot call the variadic `prctl`.
/// Returns 0 on success.
int cimgeda_die_with_parent(void);

/// Ignores SIGINT and SIGPIPE in the calling process (workers leave Ctrl-C to the supervisor,
/// and a closed pipe is seen as an error code, not a signal).
void cimgeda_ignore_interrupts(void);

/// Ignores SIGPIPE only.
void cimgeda_ignore_sigpipe(void);

/// Starts `path` with `argv` (NULL-terminated) and the current environment plus `extra_env`
/// (NULL-terminated "KEY=VALUE" strings), with its stdin and stdout connected to new pipes.
/// On success returns the child's pid and stores the parent's ends (write end of the
/// child's stdin, read end of its stdout, both close-on-exec) in `to_child` and `from_child`.
/// Returns -1 and sets errno on failure. The child's stderr is inherited.
pid_t cimgeda_spawn_piped(const char *path, char *const argv[], char *const extra_env[],
                          int *to_child, int *from_child);

/// `WIFSIGNALED`/`WTERMSIG`/`WIFEXITED`/`WEXITSTATUS` are macros, which Swift cannot import.
int cimgeda_wait_signal(int status);
int cimgeda_wait_exit_code(int status);

/// Opens a file for reading without blocking on FIFOs and devices and without following a
/// final symlink loop forever (`O_NONBLOCK | O_CLOEXEC`). Swift cannot call the variadic `open`.
int cimgeda_open_readonly(const char *path);

/// Opens (creating if needed) a file for appending. Swift cannot call the variadic `open`.
int cimgeda_open_append(const char *path);

/// Creates a new file exclusively with mode 0644. Swift cannot call the variadic `open`.
int cimgeda_open_create_exclusive(const char *path);

/// Caps the calling process's address space (`RLIMIT_AS`) at `bytes`, so a decoder that
/// would need more gets an allocation failure instead of taking the machine's memory.
/// Returns 0 on success. Swift cannot name glibc's `__rlimit_resource` portably.
int cimgeda_limit_memory(unsigned long long bytes);

/// The calling process's address-space limit in bytes, or 0 when there is none.
unsigned long long cimgeda_memory_limit(void);

/// Points the calling process's stderr at /dev/null: worker processes report problems in
/// records, and libraries (libvips, GLib, codecs) must not write noise on the terminal.
void cimgeda_silence_stderr(void);

/// Deliberately crashes (SIGSEGV) or hangs the calling process; used only by the tests'
/// fault-injection switch to prove the supervisor survives misbehaving decoders.
void cimgeda_crash_now(void);
void cimgeda_hang_forever(void);

/// Flushes every file system buffer of the file system holding `fd` to disk (`syncfs`), so
/// a batch of new files needs one flush instead of one `fsync` each. Returns 0 on success,
/// -1 with errno set. Glibc declares `syncfs` only with `_GNU_SOURCE`, which Swift's Glibc
/// module does not define.
int cimgeda_syncfs(int fd);

/// Copies up to `length` bytes from `in_fd` to `out_fd` at their current offsets inside the
/// kernel (`copy_file_range`), advancing both. Returns the bytes copied (0 at the end of
/// `in_fd`), or -1 with errno set (EXDEV, ENOSYS, EINVAL… where the kernel cannot: copy by
/// reading and writing then). Glibc declares it only with `_GNU_SOURCE`.
ssize_t cimgeda_copy_file_range(int in_fd, int out_fd, size_t length);

/// Starts writing the dirty pages of `fd` to disk and returns without waiting
/// (`sync_file_range` with `SYNC_FILE_RANGE_WRITE`): the disk works while more files are
/// copied, so the flush that follows (which alone makes them durable) has little left to
/// wait for. Returns 0, or -1 with errno set. Glibc declares it only with `_GNU_SOURCE`.
int cimgeda_start_writeback(int fd);

/// Hamming distances of perceptual hashes (hamming.c). Each kernel uses the CPU's
/// population-count instruction when it has one (checked once, at the first call) unless
/// `portable` is nonzero, which forces the plain C path (for tests of both paths).
/// Whether the fast path is available on this CPU.
int cimgeda_hamming_fast(void);

/// Bits that differ between two 256-bit hashes of four words each.
int cimgeda_hamming256(const uint64_t *a, const uint64_t *b, int portable);

/// Compares a block of query hashes with a block of items (a bucket against a bucket), each
/// hash `words` consecutive 64-bit words (1 or 4: 64- or 256-bit hashes): for every pair
/// with at most `radius` bits differing, writes (query index, item index) to `hits` (two
/// words a pair). With `triangle` nonzero (a bucket against itself: `queries` and `items`
/// the same block), query i is compared with items after i only. Starts at query `*next`
/// and goes row by row, beginning a row only while `capacity` pairs minus those found leave
/// room for a whole row; stores the row it stopped at in `*next` (`query_count` when done)
/// and returns the pairs written. Call again while `*next < query_count`; a `capacity` of at
/// least `item_count` guarantees progress.
size_t cimgeda_hamming_block(const uint64_t *queries, size_t query_count, const uint64_t *items,
                             size_t item_count, int words, int triangle, int radius, uint32_t *hits,
                             size_t capacity, size_t *next, int portable);

#endif
