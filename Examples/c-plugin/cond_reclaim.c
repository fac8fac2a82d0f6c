/*
** cond_reclaim: waiting strategies written in C, loaded as a plugin.
**
** Two strategies on top of `put-and-wait` (the 2018 patch's DROP wait in the
** fault path), differing only in how reclaim clears PG_locked on the page it
** froze and is about to free (the PW_HOOK_RECLAIM_CLEAR_LOCKED hook):
**
**   c-cond-reclaim  __ClearPageLocked (non-atomic, no wake) when PG_waiters
**                   is clear, unlock_page otherwise. Safe: a DROP waiter sets
**                   PG_waiters before it puts its reference, and reclaim's
**                   freeze could only succeed after that put.
**   c-unlockless    __ClearPageLocked always, as before the patch: a DROP
**                   waiter that queued while reclaim held the lock is never
**                   woken (a lost wakeup).
**
** A plugin uses only the pw_host_api table it is given, never libpagewait's
** symbols, so the same .so loads into the `pagewait` command and into any
** program linked with libpagewait. Build (pagewait.h is all it needs):
**
**     cc -shared -fPIC cond_reclaim.c $(pkg-config --cflags pagewait) -o cond_reclaim.so
**
** and run:
**
**     pagewait explore reclaim-race --strategy c-cond-reclaim --plugin ./cond_reclaim.so
**     pagewait explore reclaim-race --strategy c-unlockless --plugin ./cond_reclaim.so
*/
#include <pagewait.h>

#include <stdio.h>

/* The host's functions; valid for the life of the process. */
static const pw_host_api *host;

/* Each emit function below runs once per hook whenever a scenario is built
** under its strategy; it returns PW_DECLINE for the hooks it leaves to the
** base strategy. A failing pw_emit_* result is passed on: the host then
** reports the build as failed, naming the strategy and the hook. */
#define TRY(call)                       \
    do {                                \
        int rc_ = (call);               \
        if (rc_ != PW_OK)               \
            return rc_;                 \
    } while (0)

/* shrink_page_list, with the non-atomic clear kept for pages nobody waits on:
**
**     if (PageWaiters(page))
**         unlock_page(page);
**     else
**         __ClearPageLocked(page);
*/
static int emit_cond_reclaim(void *user, pw_builder *b, const pw_hook_context *hook)
{
    (void)user;
    if (hook->hook != PW_HOOK_RECLAIM_CLEAR_LOCKED)
        return PW_DECLINE;
    if (hook->ntemps < 1)
        return host->builder_fail(b, "c-cond-reclaim needs a temporary register");

    int waiters = hook->temps[0];
    pw_label waking, done;
    TRY(host->builder_function(b, "shrink_page_list"));
    TRY(host->label_new(b, &waking));
    TRY(host->label_new(b, &done));
    TRY(host->emit_test_flag(b, hook->page, PW_PG_WAITERS, waiters));
    TRY(host->emit_branch(b, waiters, PW_CMP_NE, 0, waking));
    TRY(host->emit_non_atomic_clear_locked(b, hook->page));
    TRY(host->emit_jump(b, done));
    TRY(host->label_bind(b, waking));
    TRY(host->emit_unlock_page(b, hook->page));
    TRY(host->label_bind(b, done));
    return host->builder_function(b, NULL);
}

/* shrink_page_list before the patch: __ClearPageLocked(page), whoever waits. */
static int emit_unlockless(void *user, pw_builder *b, const pw_hook_context *hook)
{
    (void)user;
    if (hook->hook != PW_HOOK_RECLAIM_CLEAR_LOCKED)
        return PW_DECLINE;
    return host->emit_non_atomic_clear_locked(b, hook->page);
}

/* A message for pw_plugin_init's *error: it must outlive the call. */
static char message[512];

static int add_strategy(pw_context *ctx, const char *name, const char *summary, pw_emit_fn emit)
{
    pw_strategy_def def;
    int rc = host->strategy_def_init(&def, sizeof def);
    if (rc == PW_OK) {
        def.name = name;
        def.summary = summary;
        def.reference = "shrink_page_list after 9a1ea439b16b (a C plugin)";
        def.base = "put-and-wait";
        def.emit = emit;
        rc = host->register_strategy(ctx, &def);
    }
    if (rc != PW_OK)
        snprintf(message, sizeof message, "cond_reclaim: cannot register %s: %s", name, host->errmsg(ctx));
    return rc;
}

int pw_plugin_init(const pw_host_api *api, pw_context *ctx, const char **error)
{
    /* Built against PW_VERSION: the host must be of its major version, no
    ** older, and have every member this file uses (emit_non_atomic_clear_locked
    ** is the last of them in the table). */
    if (api->version / 1000000 != PW_VERSION_NUMBER / 1000000 || api->version < PW_VERSION_NUMBER
        || !PW_HOST_API_HAS(api, emit_non_atomic_clear_locked)) {
        *error = "cond_reclaim needs a pagewait host of version " PW_VERSION
                 " or a later one of the same major version";
        return PW_EVERSION;
    }
    host = api;

    int rc = add_strategy(ctx, "c-cond-reclaim",
                          "put-and-wait; reclaim clears PG_locked non-atomically only when PG_waiters is clear (C plugin)",
                          emit_cond_reclaim);
    if (rc == PW_OK)
        rc = add_strategy(ctx, "c-unlockless",
                          "put-and-wait with the old unlockless reclaim: loses a wakeup (C plugin)",
                          emit_unlockless);
    if (rc != PW_OK)
        *error = message;
    return rc;
}
