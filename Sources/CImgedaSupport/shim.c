#define _GNU_SOURCE
#include "CImgedaSupport.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t stop_signal = 0;
static int stop_pipe[2] = {-1, -1};

// Temporary files that must not outlive the process. A slot is 0 (free), 1 (being filled)
// or 2 (holds a path); only slots in state 2 are read by the signal handler.
#define CIMGEDA_TEMP_SLOTS 64
static char temp_paths[CIMGEDA_TEMP_SLOTS][PATH_MAX];
static atomic_int temp_states[CIMGEDA_TEMP_SLOTS];
static pthread_once_t cleanup_once = PTHREAD_ONCE_INIT;

/// Async-signal-safe: reads only slots that are complete, calls only `unlink`.
static void remove_temporary_files(void) {
    for (int i = 0; i < CIMGEDA_TEMP_SLOTS; i++) {
        if (atomic_load(&temp_states[i]) == 2) unlink(temp_paths[i]);
    }
}

static void on_fatal_signal(int signo) {
    remove_temporary_files();
    signal(signo, SIG_DFL);
    raise(signo);  // delivered when the handler returns: the process ends by this signal
}

static void install_cleanup_handlers(void) {
    int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction current;
        // A command with its own handler (scan's stop handlers) keeps it; that handler
        // removes the files itself when it exits.
        if (sigaction(signals[i], NULL, &current) != 0 || current.sa_handler != SIG_DFL) continue;
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_fatal_signal;
        sigemptyset(&action.sa_mask);
        sigaction(signals[i], &action, NULL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, signals[i]);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    }
}

int cimgeda_temp_register(const char *path) {
    pthread_once(&cleanup_once, install_cleanup_handlers);
    if (strlen(path) >= PATH_MAX) return -1;
    for (int i = 0; i < CIMGEDA_TEMP_SLOTS; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&temp_states[i], &expected, 1)) {
            strcpy(temp_paths[i], path);
            atomic_store(&temp_states[i], 2);
            return i;
        }
    }
    return -1;
}

void cimgeda_temp_unregister(int slot) {
    if (slot >= 0 && slot < CIMGEDA_TEMP_SLOTS) atomic_store(&temp_states[slot], 0);
}

static void on_stop(int signo) {
    if (stop_signal != 0) {
        remove_temporary_files();
        _exit(130);
    }
    stop_signal = signo;
    if (stop_pipe[1] >= 0) {
        int saved = errno;
        char byte = 1;
        ssize_t ignored = write(stop_pipe[1], &byte, 1);
        (void)ignored;
        errno = saved;
    }
}

int cimgeda_install_stop_handlers(void) {
    if (stop_pipe[0] < 0) {
        if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(SIGINT, &action, NULL) != 0) return -1;
    if (sigaction(SIGTERM, &action, NULL) != 0) return -1;
    // A parent may have started us with these signals blocked (threads of test runners and
    // of libdispatch block them, and the mask is inherited); Ctrl-C must work regardless.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &stop_signals, NULL);
    return stop_pipe[0];
}

int cimgeda_stop_signal(void) { return stop_signal; }

int cimgeda_die_with_parent(void) { return prctl(PR_SET_PDEATHSIG, SIGKILL); }

void cimgeda_ignore_interrupts(void) {
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
}

void cimgeda_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

pid_t cimgeda_spawn_piped(const char *path, char *const argv[], char *const extra_env[],
                          int *to_child, int *from_child) {
    int in_pipe[2], out_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0) return -1;
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
        close(in_pipe[0]);
        close(in_pipe[1]);
        return -1;
    }

    size_t base = 0, extra = 0;
    while (environ != NULL && environ[base] != NULL) base++;
    while (extra_env != NULL && extra_env[extra] != NULL) extra++;
    char **env = calloc(base + extra + 1, sizeof(char *));
    if (env == NULL) {
        close(in_pipe[0]); close(in_pipe[1]); close(out_pipe[0]); close(out_pipe[1]);
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < base; i++) env[i] = environ[i];
    for (size_t i = 0; i < extra; i++) env[base + i] = extra_env[i];

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);

    // The child starts with default signal dispositions; it sets its own.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    pid_t pid = -1;
    int rc = posix_spawn(&pid, path, &actions, &attributes, argv, env);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    free(env);
    close(in_pipe[0]);
    close(out_pipe[1]);
    if (rc != 0) {
        close(in_pipe[1]);
        close(out_pipe[0]);
        errno = rc;
        return -1;
    }
    *to_child = in_pipe[1];
    *from_child = out_pipe[0];
    return pid;
}

int cimgeda_wait_signal(int status) { return WIFSIGNALED(status) ? WTERMSIG(status) : 0; }

int cimgeda_wait_exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

int cimgeda_open_readonly(const char *path) { return open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC); }

int cimgeda_open_append(const char *path) {
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

int cimgeda_open_create_exclusive(const char *path) {
    return open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
}

void cimgeda_crash_now(void) {
    raise(SIGSEGV);
    abort();
}

void cimgeda_hang_forever(void) {
    for (;;) pause();
}

int cimgeda_syncfs(int fd) {
    return syncfs(fd);
}

ssize_t cimgeda_copy_file_range(int in_fd, int out_fd, size_t length) {
    return copy_file_range(in_fd, NULL, out_fd, NULL, length, 0);
}

int cimgeda_start_writeback(int fd) {
    return sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

int cimgeda_limit_memory(unsigned long long bytes) {
    struct rlimit limit;
    limit.rlim_cur = (rlim_t)bytes;
    limit.rlim_max = (rlim_t)bytes;
    return setrlimit(RLIMIT_AS, &limit);
}

unsigned long long cimgeda_memory_limit(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
    return (unsigned long long)limit.rlim_cur;
}

void cimgeda_silence_stderr(void) {
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    dup2(fd, 2);
    close(fd);
}
