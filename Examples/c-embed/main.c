/*
** c-embed: pagewait from a C program.
**
** Explores every schedule of the `reclaim-race` scenario (a migrator, a
** faulter and reclaim on one page) under two strategies and prints each
** verdict: `put-and-wait-unlockless` (the 2018 patch's DROP wait with the
** old wake-less reclaim) loses a wakeup; `put-and-wait` (the patch as
** merged, reclaim back to unlock_page) is safe in every reachable state.
** For a violation it prints the minimal schedule and the command that
** replays it step by step.
**
** Written only against pagewait.h. Build and run, once libpagewait is
** installed (`make install`, see docs/c-abi.md):
**
**     cc main.c $(pkg-config --cflags --libs pagewait) -o c-embed
**     ./c-embed
**
** Exit status: 0 when both explorations ran, 1 when a call failed.
*/
#include <pagewait.h>

#include <stdio.h>
#include <string.h>

/* Report a failed call: its result code and the handle's message. */
static int failed(const char *call, int rc, const void *handle)
{
    fprintf(stderr, "c-embed: %s: %s (%d): %s\n", call, pw_errstr(rc), rc, pw_errmsg(handle));
    return rc;
}

/* Strings the library hands out may be NULL when absent. */
static const char *text(const char *s)
{
    return s ? s : "";
}

/* Explore `scenario` under `strategy` exhaustively and print the verdict. */
static int explore(pw_context *ctx, const char *scenario, const char *strategy)
{
    pw_session *session = NULL;
    pw_explore_options options;
    pw_explore_result result;

    int rc = pw_session_new(ctx, scenario, &session);
    if (rc != PW_OK)
        return failed("pw_session_new", rc, ctx);

    rc = pw_session_set_strategy(session, strategy);
    if (rc != PW_OK) {
        failed("pw_session_set_strategy", rc, session);
        goto out;
    }

    rc = pw_explore_options_init(&options, sizeof options);
    if (rc != PW_OK) {
        failed("pw_explore_options_init", rc, NULL);
        goto out;
    }
    options.method = PW_EXPLORE_EXHAUSTIVE;

    memset(&result, 0, sizeof result);
    result.size = sizeof result;
    rc = pw_session_explore(session, &options, &result);
    if (rc != PW_OK) {
        failed("pw_session_explore", rc, session);
        goto out;
    }

    /* result's strings belong to the session: use them before freeing it. */
    printf("%s under %s: ", scenario, strategy);
    if (result.verdict == PW_VERDICT_VIOLATION) {
        printf("violation %s\n", text(result.kind));
        printf("  %s\n", text(result.detail));
        if (result.first_sign)
            printf("  first sign: %s\n", result.first_sign);
        printf("  %llu states, %.3f s\n", (unsigned long long)result.states, result.seconds);
        printf("  minimal schedule (%u steps, %u as found): %s\n",
               (unsigned)result.schedule_length, (unsigned)result.found_length, text(result.schedule));
        printf("  replay: pagewait replay '%s' --scenario %s --strategy %s\n",
               text(result.schedule), scenario, strategy);
    } else {
        printf("no violation, %s\n", result.complete
               ? "a proof: every reachable state visited, every run ends"
               : "not a proof: a bound cut the search, or whether every run ends was not settled");
        printf("  %llu states, %.3f s\n", (unsigned long long)result.states, result.seconds);
    }

out:
    {
        int frc = pw_session_free(session);
        if (frc != PW_OK && rc == PW_OK)
            rc = failed("pw_session_free", frc, NULL);
    }
    return rc;
}

int main(void)
{
    if (pw_version() / 1000000 != PW_VERSION_NUMBER / 1000000) {
        fprintf(stderr, "c-embed: built for pagewait %s, running with %s\n", PW_VERSION, pw_version_string());
        return 1;
    }
    printf("pagewait %s\n", pw_version_string());

    pw_context *ctx = NULL;
    int rc = pw_context_new(&ctx);
    if (rc != PW_OK) {
        failed("pw_context_new", rc, NULL);
        return 1;
    }

    const char *strategies[] = { "put-and-wait-unlockless", "put-and-wait" };
    int status = 0;
    for (size_t i = 0; i < sizeof strategies / sizeof strategies[0]; i++) {
        if (explore(ctx, "reclaim-race", strategies[i]) != PW_OK)
            status = 1;
    }

    rc = pw_context_free(ctx);
    if (rc != PW_OK) {
        failed("pw_context_free", rc, NULL);
        status = 1;
    }
    return status;
}
