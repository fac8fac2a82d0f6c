/*
 * A library must not take over its host's signals.
 *
 * libpagewait is written in Swift, so loading it loads the Swift runtime
 * (libswiftCore), whose static constructor installs a crash handler for
 * SIGQUIT, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV and SIGTRAP on every one
 * of them still at SIG_DFL (Backtrace.cpp, CrashHandlerLinux.cpp:
 * _swift_installCrashHandler). In a C host that means a crash in the host's
 * own code prints a Swift backtrace instead of dumping core, and abort()
 * runs Swift's backtracer.
 *
 * The runtime reads its setting (SWIFT_BACKTRACE) in that constructor, which
 * runs before any of this library's code, so the setting cannot be changed
 * in time from here. Instead this constructor, which the dynamic loader runs
 * right after the runtime's (libpagewait depends on libswiftCore), puts each
 * of those signals whose handler is the runtime's back to SIG_DFL, which is
 * what it was: the runtime only takes a signal that is at SIG_DFL.
 *
 * It does so only when the runtime came into the process with this library
 * (a C host), never when the host already had it (a Swift program, whose
 * runtime's handlers are its own business), and never when SWIFT_BACKTRACE
 * is set: that is the host or the user asking for the Swift backtracer.
 */
#define _GNU_SOURCE
#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The signals _swift_installCrashHandler takes. */
static const int runtime_signals[] = { SIGQUIT, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP };

struct loaded {
    uintptr_t self;        /* an address inside this library */
    int index;             /* objects seen so far */
    int self_index;        /* this library's place in load order, or -1 */
    int runtime_index;     /* libswiftCore's, or -1 */
    int main_needs_runtime;
    const struct dl_phdr_info *runtime;
    struct dl_phdr_info runtime_copy;
};

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int contains(const struct dl_phdr_info *info, uintptr_t address)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *p = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + p->p_vaddr;
        if (p->p_type == PT_LOAD && address >= start && address - start < p->p_memsz)
            return 1;
    }
    return 0;
}

/* Whether the main program itself lists libswiftCore.so as DT_NEEDED. */
static int needs_runtime(const struct dl_phdr_info *info)
{
    const ElfW(Dyn) *dynamic = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
            dynamic = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
    }
    if (dynamic == NULL)
        return 0;
    uintptr_t strtab = 0;
    for (const ElfW(Dyn) *d = dynamic; d->d_tag != DT_NULL; d++) {
        if (d->d_tag == DT_STRTAB)
            strtab = d->d_un.d_ptr;
    }
    if (strtab == 0)
        return 0;
    /* glibc relocates the main program's dynamic entries in place; a loader
     * that does not leaves them relative to the load address. */
    if (strtab < info->dlpi_addr)
        strtab += info->dlpi_addr;
    for (const ElfW(Dyn) *d = dynamic; d->d_tag != DT_NULL; d++) {
        if (d->d_tag == DT_NEEDED && strncmp((const char *)strtab + d->d_un.d_val, "libswiftCore.so", 15) == 0)
            return 1;
    }
    return 0;
}

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct loaded *l = data;
    if (l->index == 0)
        l->main_needs_runtime = needs_runtime(info);
    if (l->self_index < 0 && contains(info, l->self))
        l->self_index = l->index;
    if (l->runtime_index < 0 && info->dlpi_name && ends_with(info->dlpi_name, "/libswiftCore.so")) {
        l->runtime_index = l->index;
        l->runtime_copy = *info;
        l->runtime = &l->runtime_copy;
    }
    l->index++;
    return 0;
}

__attribute__((constructor))
static void pw_give_back_host_signals(void)
{
    if (getenv("SWIFT_BACKTRACE") != NULL)
        return;
    struct loaded l = { (uintptr_t)&pw_give_back_host_signals, 0, -1, -1, 0, NULL, { 0 } };
    dl_iterate_phdr(visit, &l);
    /* Loaded before this library, or by the program itself: not ours. */
    if (l.self_index < 0 || l.runtime == NULL || l.runtime_index < l.self_index || l.main_needs_runtime)
        return;
    for (size_t i = 0; i < sizeof runtime_signals / sizeof runtime_signals[0]; i++) {
        struct sigaction current;
        if (sigaction(runtime_signals[i], NULL, &current) != 0)
            continue;
        uintptr_t handler = (current.sa_flags & SA_SIGINFO) ? (uintptr_t)current.sa_sigaction : (uintptr_t)current.sa_handler;
        if (handler == (uintptr_t)SIG_DFL || handler == (uintptr_t)SIG_IGN || !contains(l.runtime, handler))
            continue;
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        sigaction(runtime_signals[i], &dfl, NULL);
    }
}
