/*
** pagewait.h -- the C interface to pagewait.
**
** pagewait models the Linux kernel's page-lock wait machinery (page
** references, PG_locked and PG_waiters, the hashed page wait queues, the
** EXCLUSIVE / SHARED / DROP wait behaviours) as deterministic atomic steps,
** so waiting strategies can be run, compared, explored and checked. This
** header is the whole of its C interface: a C program links libpagewait and
** includes it; a C plugin includes it and receives a pw_host_api table.
**
** Conventions, for every function below:
**
**   Results.  Functions return int: PW_OK (0) on success, a negative PW_E*
**   code on failure. A failed call leaves a message in the handle it was
**   given; read it with pw_errmsg(handle). A call that was not given a live
**   handle (NULL, destroyed, or of another type) returns PW_EMISUSE and leaves
**   its message in pw_errmsg(NULL), which is per thread; so does a failing
**   call that takes no handle (the *_init functions). Nothing in this
**   interface aborts the process on a caller's mistake.
**
**   Handles.  pw_context, pw_session and pw_builder are opaque. A handle is
**   valid from the call that creates it until the call that frees it; using
**   it afterwards is reported (PW_EMISUSE), not undefined.
**
**   Structs.  Every struct that crosses the interface begins with a size_t
**   `size` field that the caller sets to sizeof the struct as it knows it.
**   Structs only ever grow at their end, so a program built against an older
**   header keeps working with a newer library. Option structs are filled with
**   defaults by their *_init function; result structs are filled by the
**   library up to `size`. A size smaller than the first version of a struct,
**   or larger than this library knows, is PW_ESIZE.
**
**   Ownership.  Strings passed in are copied before the call returns. Strings
**   handed out are either owned by a handle (documented per function: valid
**   until a stated later call) or allocated for the caller, who frees them
**   with pw_free(). Nothing else is ever the caller's to free.
**
**   Out parameters.  A function that hands something out through a pointer
**   argument (a handle, a string, a label, a count, a value) sets it first
**   thing, whenever that pointer is not NULL, to "nothing": NULL for a
**   handle or a string, PW_NO_LABEL for a label, 0 for a number. So after a
**   failure, for whatever reason, it never holds a stale or freed value.
**
**   Numbers.  Every number a caller gives is checked before it sizes an
**   allocation or a loop, against the limits below (PW_MAX_*) and the
**   field's own range; outside them the call fails with PW_ERANGE and
**   pw_errmsg names the function, the field, its value and the range.
**
**   Threads.  Distinct handles are independent: different threads may use
**   different contexts and sessions at the same time. One handle is not for
**   concurrent use; serialise calls on it. Sessions may use worker threads
**   internally (the `jobs` options); callbacks are only ever called on the
**   thread that made the pw_* call that needs them, while that call runs.
**
**   Signals.  The library leaves the host's signal handling alone. It is
**   written in Swift, and the Swift runtime it loads installs a crash
**   handler (a backtracer) on SIGQUIT, SIGABRT, SIGBUS, SIGFPE, SIGILL,
**   SIGSEGV and SIGTRAP wherever they are still SIG_DFL; when the runtime
**   comes into the process with libpagewait, the library puts those
**   handlers back to SIG_DFL as it loads, so a crash in the host's own code
**   is the host's (a core dump, or the host's handler, installed before or
**   after loading). Set SWIFT_BACKTRACE (e.g. SWIFT_BACKTRACE=enable=yes)
**   in the environment before the library is loaded to keep the Swift
**   backtracer instead; a host that is itself a Swift program keeps its
**   runtime's handlers. The runtime may also give the loading thread an
**   alternate signal stack (sigaltstack) if it had none.
*/
#ifndef PAGEWAIT_H
#define PAGEWAIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
** Version
**
** PW_VERSION_NUMBER is MAJOR*1000000 + MINOR*1000 + PATCH of this header;
** pw_version() is that of the library actually linked. They differ when a
** program runs against a newer library than it was built with, which is
** supported within one major version.
*/
#define PW_VERSION        "0.5.0"
#define PW_VERSION_NUMBER 5000

int pw_version(void);
/* The library's version as "MAJOR.MINOR.PATCH". Static; never freed. */
const char *pw_version_string(void);

/* ------------------------------------------------------------------------
** Result codes
*/
#define PW_OK         0    /* success */
#define PW_DECLINE    1    /* emit callbacks only: no code of mine for this hook, use the base strategy's */
#define PW_ERROR     -1    /* the operation failed; see pw_errmsg */
#define PW_EMISUSE   -2    /* NULL argument, dead or wrong-type handle, call out of place */
#define PW_ESIZE     -3    /* a struct's size field is not one this library accepts */
#define PW_ENOTFOUND -4    /* no plugin, scenario, strategy or parameter of that name */
#define PW_EPARSE    -5    /* malformed scenario text or schedule string */
#define PW_ERANGE    -6    /* a number out of range: register, flag, index, count */
#define PW_EEXIST    -7    /* a plugin of that kind and name is already registered */
#define PW_EPLUGIN   -8    /* a plugin library could not be loaded or its init failed */
#define PW_EVERSION  -9    /* the host API is older than the plugin needs */
#define PW_EBUILD   -10    /* the scenario could not be built under the strategy */
#define PW_ESTALE   -11    /* the schedule does not fit this scenario and strategy */

/* A fixed English description of a result code. Static; never freed. */
const char *pw_errstr(int code);

/*
** The message of the last failed call on `handle` (any pw_context,
** pw_session or pw_builder), or "" if its last call succeeded. With NULL, or
** a handle that is not live: the message of the calling thread's last call
** that failed with PW_EMISUSE or that failed taking no handle. Owned by the
** library: valid until the next call on the same handle (for NULL: the next
** failing call on this thread).
*/
const char *pw_errmsg(const void *handle);

/* Free a string the library allocated for the caller. NULL is a no-op. */
void pw_free(void *p);

/* ------------------------------------------------------------------------
** Model constants
*/

/* Page flags (include/linux/page-flags.h), as a bit set. */
#define PW_PG_LOCKED     0x0001u
#define PW_PG_WAITERS    0x0002u
#define PW_PG_WRITEBACK  0x0004u
#define PW_PG_UPTODATE   0x0008u
#define PW_PG_WORKINGSET 0x0010u
#define PW_PG_SWAPBACKED 0x0020u
#define PW_PG_DIRTY      0x0040u
#define PW_PG_PRIVATE    0x0080u
#define PW_PG_LRU        0x0100u

/* Sleep states of a wait (current->state). */
#define PW_TASK_UNINTERRUPTIBLE 1
#define PW_TASK_KILLABLE        2
#define PW_TASK_INTERRUPTIBLE   3

/* Wait behaviours (mm/filemap.c: enum behavior). */
#define PW_EXCLUSIVE 0   /* lock_page: wake one, take the lock */
#define PW_SHARED    1   /* wait_on_page_locked: wake all, retest */
#define PW_DROP      2   /* put_and_wait_on_page_locked: put the reference after queueing */

/* What a PTE holds (pw_emit_read_pte's kind register). */
#define PW_PTE_NONE      0
#define PW_PTE_PRESENT   1
#define PW_PTE_MIGRATION 2
#define PW_PTE_SWAP      3

/* Branch comparisons: branch when `register CMP value`. */
#define PW_CMP_EQ 0
#define PW_CMP_NE 1
#define PW_CMP_LT 2
#define PW_CMP_GE 3

/* A task has registers 0 .. PW_REGISTERS-1; the kernel helpers
** (pw_emit_lock_page, pw_emit_unlock_page, ...) use PW_SCRATCH_REGISTER for
** their own results, so keep values elsewhere across them. */
#define PW_REGISTERS        8
#define PW_SCRATCH_REGISTER 7

/* ------------------------------------------------------------------------
** Limits
**
** The largest values the library accepts; beyond them (or below the
** smallest, given with each) a call fails with PW_ERANGE, naming the field,
** its value and the allowed range. They are the same limits as the
** pagewait command's.
*/
#define PW_MAX_TASKS        128         /* tasks in one scenario: the actor counts ("faulters", ...) together */
#define PW_MAX_MAPPINGS     32          /* the "mappings" parameter: 0 .. PW_MAX_MAPPINGS processes */
#define PW_MAX_PARAMETER    10000       /* any scenario or actor parameter (pw_session_set_param); each
                                           parameter may have a narrower range of its own, named in the message */
#define PW_MAX_INSTRUCTIONS 100000      /* instructions in one builder's program, and labels it may make */
#define PW_MAX_SEEDS        1000000     /* pw_run_options.seeds: 1 .. PW_MAX_SEEDS, and first_seed + seeds <= UINT64_MAX */
#define PW_MAX_JOBS         256         /* pw_run_options.jobs, pw_explore_options.jobs: 1 .. PW_MAX_JOBS */
#define PW_MAX_STEPS        1000000000  /* pw_run_options.max_steps: 1 .. PW_MAX_STEPS */
#define PW_MAX_TIMING       1000000     /* wake_latency, preempt_length: 0 .. PW_MAX_TIMING steps */
#define PW_MAX_BUDGET       1000000000  /* pw_explore_options.budget: 0 (the default) .. PW_MAX_BUDGET */
#define PW_MAX_DEPTH        100000      /* pw_explore_options.max_depth: 1 .. PW_MAX_DEPTH */
#define PW_MAX_PREEMPTIONS  10000       /* pw_explore_options.preemptions: -1 (no bound) .. PW_MAX_PREEMPTIONS */
#define PW_MAX_PCT_DEPTH    65536       /* pw_explore_options.pct_depth: 1 .. PW_MAX_PCT_DEPTH */
#define PW_MAX_PCT_LENGTH   1000000000  /* pw_explore_options.pct_length: 1 .. PW_MAX_PCT_LENGTH */

/* Plugin kinds, for pw_list_count and pw_list_entry. A bug is a zoo entry
** (docs/zoo.md): a known bug as a scenario, a buggy and fixed configurations. */
#define PW_KIND_ACTOR     "actor"
#define PW_KIND_BUG       "bug"       /* a known bug of the zoo (known-bugs.md) */
#define PW_KIND_CHECKER   "checker"
#define PW_KIND_REPORTER  "reporter"
#define PW_KIND_SCENARIO  "scenario"
#define PW_KIND_SCHEDULER "scheduler"
#define PW_KIND_STRATEGY  "strategy"

/* ------------------------------------------------------------------------
** Contexts and the registry
**
** A context holds a registry: the built-in strategies, scenarios, actors,
** schedulers, checkers, reporters and zoo entries (bugs), plus what the
** caller registers or loads into it. Sessions made from a context keep what
** they need of it, so contexts and their sessions may be freed in any order.
*/
typedef struct pw_context pw_context;

/* Create a context holding the built-in plugins. On success *out is a new
** handle, to be freed with pw_context_free; on failure *out is NULL. */
int pw_context_new(pw_context **out);
int pw_context_free(pw_context *ctx);

/* One registry entry. Strings are owned by the context: valid until the
** context's registry next changes (pw_register_*, pw_load_plugin) or the
** context is freed. */
typedef struct pw_plugin_info {
    size_t size;
    const char *kind;       /* one of PW_KIND_* */
    const char *name;
    const char *summary;    /* one line */
    const char *reference;  /* kernel function and commit it models; may be "" */
} pw_plugin_info;

/* The number of entries of `kind` (one of PW_KIND_*, or NULL for every
** kind), and entry `index` of them, ordered by kind then name. */
int pw_list_count(pw_context *ctx, const char *kind, size_t *count);
int pw_list_entry(pw_context *ctx, const char *kind, size_t index, pw_plugin_info *info);

/* Register a scenario given as scenario-file text (docs/scenarios.md) under
** the name the text gives. `origin` names the text in error messages
** ("busy-page.toml:3: ..."); NULL means "<text>". */
int pw_register_scenario(pw_context *ctx, const char *text, const char *origin);

/* ------------------------------------------------------------------------
** Strategies written in C
**
** A C strategy starts from a registered strategy, `base` (its wait core,
** kernel knobs and behaviours), and may replace the code it puts at any hook
** with code emitted by its `emit` callback through the pw_emit_* functions.
** The callback runs whenever a session builds a scenario under the strategy;
** it returns PW_OK having emitted the hook's code, PW_DECLINE to keep the
** base strategy's code for that hook, or a negative code (with a message set
** by pw_builder_fail) to refuse: the session's call then fails with
** PW_EBUILD, naming the strategy and the hook.
*/
typedef struct pw_builder pw_builder;
typedef int32_t pw_label;
#define PW_NO_LABEL (-1)

/* Hooks: the places in kernel paths where strategies differ. */
#define PW_HOOK_OTHER                0  /* a hook this header does not name; see hook_name */
#define PW_HOOK_MIGRATION_ENTRY_WAIT 1  /* a fault found a migration entry (__migration_entry_wait) */
#define PW_HOOK_RECLAIM_FROZEN       2  /* reclaim froze the page (__remove_mapping); may branch to `bail` */
#define PW_HOOK_RECLAIM_CLEAR_LOCKED 3  /* reclaim clears PG_locked of the frozen page (shrink_page_list) */

/* What the code at a hook may use. Owned by the library; valid during the
** callback only. */
typedef struct pw_hook_context {
    size_t size;
    int hook;               /* PW_HOOK_* */
    const char *hook_name;  /* e.g. "reclaim_clear_locked" */
    int page;               /* register holding the page (MIGRATION_ENTRY_WAIT: receives it) */
    int ntemps;             /* registers free for the hook's use: temps[0 .. ntemps-1] */
    int temps[4];
    int slot;               /* MIGRATION_ENTRY_WAIT: the PTE slot; else -1 */
    int mm;                 /* MIGRATION_ENTRY_WAIT: the process, whose ptl guards the slot */
    pw_label bail;          /* RECLAIM_FROZEN: branch here to keep the page (unfreeze, stay locked); else PW_NO_LABEL */
} pw_hook_context;

typedef int (*pw_emit_fn)(void *user, pw_builder *b, const pw_hook_context *hook);

typedef struct pw_strategy_def {
    size_t size;
    const char *name;       /* required; copied */
    const char *summary;    /* one line; copied; may be NULL */
    const char *reference;  /* the kernel function and commit it models; copied; may be NULL */
    const char *base;       /* a registered strategy to start from; default "put-and-wait" */
    pw_emit_fn emit;        /* may be NULL: the strategy is then its base under a new name */
    void *user;             /* passed to emit and destroy */
    void (*destroy)(void *user);  /* may be NULL; called once when no session or context needs `user` */
} pw_strategy_def;

/* Fill *def with defaults (base "put-and-wait", no callbacks) for a struct
** of `size` bytes; then set at least `name`. */
int pw_strategy_def_init(pw_strategy_def *def, size_t size);

/* Register a C strategy in the context's registry. On failure `destroy`
** is not called: `user` stays the caller's. */
int pw_register_strategy(pw_context *ctx, const pw_strategy_def *def);

/* ------------------------------------------------------------------------
** Building code: the pw_emit_* functions
**
** A builder is either the one an emit callback receives (valid during the
** callback only) or one made by pw_builder_new, to try code out and list
** it. Every pw_emit_* appends one kernel operation (or a kernel helper
** expanded into its atomic steps, for the ones named after kernel helpers)
** and returns PW_OK, or PW_ERANGE for a register, flag or label out of range
** or when the program would grow past PW_MAX_INSTRUCTIONS; a call that
** fails appends nothing. Page operands are registers holding a page.
*/
int pw_builder_new(pw_context *ctx, const char *name, pw_builder **out);
int pw_builder_free(pw_builder *b);

/* The code so far, one instruction per line: its index, the kernel function
** it belongs to and the operation in the kernel's words, tab-separated
** ("4\tunlock_page\tr7 = clear_bit_unlock_is_negative_byte(PG_locked, r0)").
** Registers are r0 .. r7. *out is allocated for the caller: free it with
** pw_free. */
int pw_builder_listing(pw_builder *b, char **out);

/* Make a callback's failure explain itself: sets the builder's message,
** returned to the session's caller inside its PW_EBUILD message. Returns
** PW_ERROR, so a callback can `return pw_builder_fail(b, "...")`. */
int pw_builder_fail(pw_builder *b, const char *message);

/* Read a scenario or actor parameter (e.g. "preemptInWindow") visible at
** this hook. PW_ENOTFOUND (and *value 0) if it is not set. */
int pw_builder_param(pw_builder *b, const char *name, int64_t *value);

/* Attribute the following instructions to kernel function `name` in
** traces; NULL goes back to the hook's own function. */
int pw_builder_function(pw_builder *b, const char *name);

/* Labels for branches and loops: make one, bind it to the next instruction,
** and jump or branch to it from anywhere in the same hook's code. A builder
** makes at most PW_MAX_INSTRUCTIONS labels (then PW_ERANGE). */
int pw_label_new(pw_builder *b, pw_label *out);
int pw_label_bind(pw_builder *b, pw_label label);
int pw_emit_jump(pw_builder *b, pw_label label);
int pw_emit_branch(pw_builder *b, int reg, int cmp, int64_t value, pw_label label);
int pw_emit_set(pw_builder *b, int reg, int64_t value);

/* References (include/linux/mm.h). result: 1 taken, 0 refused. */
int pw_emit_get_page_unless_zero(pw_builder *b, int page, int result);
int pw_emit_put_page(pw_builder *b, int page);

/* Flags. `flag` is one PW_PG_* bit; test_flag: result = 1 if it is set. */
int pw_emit_test_flag(pw_builder *b, int page, unsigned flag, int result);
int pw_emit_set_flag(pw_builder *b, int page, unsigned flag);
int pw_emit_clear_flag(pw_builder *b, int page, unsigned flag);

/* The page lock. trylock_page: result 1 acquired, 0 busy. lock_page: trylock,
** else an EXCLUSIVE wait. unlock_page: clear PG_locked and read PG_waiters in
** one atomic step, then wake the queue only if PG_waiters was set.
** non_atomic_clear_locked: __ClearPageLocked, a two-step read-modify-write
** of the flags word with no wake (the pre-v5.0 "unlockless" reclaim). */
int pw_emit_trylock_page(pw_builder *b, int page, int result);
int pw_emit_lock_page(pw_builder *b, int page);
int pw_emit_unlock_page(pw_builder *b, int page);
int pw_emit_non_atomic_clear_locked(pw_builder *b, int page);

/* Waiting and waking (mm/filemap.c). wait_on_page_locked: a lockless test,
** then a SHARED wait. put_and_wait_on_page_locked: a DROP wait; the page
** must not be touched afterwards. wait_on_page_bit: the general form;
** `state` is PW_TASK_*, `behavior` PW_EXCLUSIVE, PW_SHARED, PW_DROP or a
** behaviour index the base strategy adds; result gets 0 or -EINTR (-4). */
int pw_emit_wait_on_page_locked(pw_builder *b, int page);
int pw_emit_put_and_wait_on_page_locked(pw_builder *b, int page);
int pw_emit_wait_on_page_bit(pw_builder *b, int page, unsigned flag, int state, int behavior, int result);
int pw_emit_wake_up_page_bit(pw_builder *b, int page, unsigned flag);

/* Page tables: the page-table lock of process `mm`, and reading PTE `slot`
** (under that lock): kind gets PW_PTE_*, page the page it maps. */
int pw_emit_ptl_lock(pw_builder *b, int mm);
int pw_emit_ptl_unlock(pw_builder *b, int mm);
int pw_emit_read_pte(pw_builder *b, int slot, int kind, int page);

/* Scheduling: a point where the task may be preempted, with a chance of
** `permille` / 1000 under the random scheduler. */
int pw_emit_preemption_point(pw_builder *b, int permille);

/* ------------------------------------------------------------------------
** Sessions: one scenario, one strategy, run, explored or replayed
*/
typedef struct pw_session pw_session;

/* A session on a registered scenario (e.g. "reclaim-race"), or on scenario
** file text. Its strategy starts as "put-and-wait". On success *out is a new
** handle, to be freed with pw_session_free; on failure *out is NULL and the
** message is in pw_errmsg(ctx). */
int pw_session_new(pw_context *ctx, const char *scenario, pw_session **out);
int pw_session_new_from_text(pw_context *ctx, const char *text, const char *origin, pw_session **out);
int pw_session_free(pw_session *s);

/* Choose the strategy (any registered name; "unfair-N" for any N), and set
** a scenario parameter ("faulters", "mappings", ...; `pagewait list
** --parameters` shows them). The scenario is built, and unknown names or
** build failures reported, here and by every call that runs it: an unknown
** name is PW_ENOTFOUND; a value outside the parameter's range (beyond
** PW_MAX_PARAMETER, a "mappings" beyond PW_MAX_MAPPINGS, counts adding up to
** more than PW_MAX_TASKS tasks, or a value the parameter gives no meaning,
** such as a negative count) is PW_ERANGE and leaves the session as it was;
** any other failure to build is PW_EBUILD. */
int pw_session_set_strategy(pw_session *s, const char *strategy);
int pw_session_set_param(pw_session *s, const char *name, int64_t value);

/* Seeded runs under the random scheduler, as `pagewait run`. */
typedef struct pw_run_options {
    size_t size;
    uint64_t first_seed;    /* default 1 */
    uint32_t seeds;         /* default 1000 */
    uint32_t jobs;          /* worker threads; default 1 */
    int64_t max_steps;      /* step budget per run; default 200000 */
    int32_t wake_latency;   /* mean steps a woken task waits for a CPU; default 100 */
    int32_t preempt_length; /* mean steps off the CPU after a preemption; default 100 */
} pw_run_options;

int pw_run_options_init(pw_run_options *o, size_t size);

/* Statistics of a pw_session_run. Strings are owned by the session: valid
** until its next pw_session_run or pw_session_free; NULL when absent. */
typedef struct pw_run_stats {
    size_t size;
    uint32_t seeds;
    double success_rate;         /* runs where every migrate_pages call returned 0 */
    double success_low;          /* 95 % Wilson interval */
    double success_high;
    double mean_passes;          /* migrate_pages passes per call */
    int64_t offline_p50;         /* offline_pages outer iterations, median */
    int64_t offline_p99;
    double budget_hit_rate;      /* runs where offlining gave up */
    uint32_t hangs;              /* sleepers never woken: HANG or DEADLOCK */
    uint32_t lost_wakeups;
    uint32_t violations;         /* every checker finding, hangs included */
    uint32_t livelocks;
    uint32_t step_limits;        /* runs that hit max_steps */
    int32_t max_requeues;
    int32_t max_bypasses;
    double mean_steps;
    const char *first_failure;           /* the first failing seed's finding */
    const char *first_failure_schedule;  /* its schedule, for pw_session_replay */
    uint64_t first_failure_seed;
} pw_run_stats;

/* `options` may be NULL for the defaults; `stats` is required. */
int pw_session_run(pw_session *s, const pw_run_options *options, pw_run_stats *stats);

/* Exploration, as `pagewait explore`. */
#define PW_EXPLORE_EXHAUSTIVE 0  /* every reachable state: no violation within no bound is a proof */
#define PW_EXPLORE_PCT        1  /* probabilistic concurrency testing, `budget` runs */
#define PW_EXPLORE_RANDOM     2  /* the random scheduler, `budget` runs */

typedef struct pw_explore_options {
    size_t size;
    int32_t method;         /* PW_EXPLORE_*; default exhaustive */
    int32_t jobs;           /* worker threads; default 1 */
    int64_t budget;         /* states (exhaustive, default 5000000) or runs (10000); 0 = default */
    int32_t max_depth;      /* exhaustive: steps on one path; default 5000 */
    int32_t preemptions;    /* exhaustive: context-switch bound; -1 (default) = none */
    int32_t sleep_sets;     /* exhaustive: prune with sleep sets; default 1 */
    int32_t shrink;         /* shrink a violating schedule; default 1 */
    uint64_t seed;          /* pct, random: the first seed; default 1 */
    int32_t pct_depth;      /* default 3 */
    int32_t pct_length;     /* default 1000 */
    int32_t wake_latency;   /* random: as in pw_run_options */
    int32_t preempt_length;
    /* Added in 0.3 (a struct of 0.2's size, ending above, still works, with the default): */
    int32_t step_merging;   /* exhaustive: take each task's transaction (lock ... unlock) as one
                            ** transition; default 1 (docs/exploration.md, "Step merging") */
    int32_t symmetry;       /* exhaustive: one state for a state and its twins under renaming
                            ** identical tasks; default 1 (docs/exploration.md, "Symmetry") */
    /* Added in 0.4 (a struct of 0.2's or 0.3's size still works, with the defaults): */
    int32_t dead_variables; /* exhaustive: one state for states that differ only in dead
                            ** variables (registers written before they are read again, a wait
                            ** entry left behind); default 1 (docs/exploration.md, "Dead variables") */
} pw_explore_options;

int pw_explore_options_init(pw_explore_options *o, size_t size);

#define PW_VERDICT_NO_VIOLATION 0
#define PW_VERDICT_VIOLATION    1

/* What an exploration found. Strings are owned by the session: valid until
** its next pw_session_explore or pw_session_free; NULL when absent. */
typedef struct pw_explore_result {
    size_t size;
    int32_t verdict;        /* PW_VERDICT_* */
    int32_t complete;       /* 1 only for a proof: exhaustive, no bound cut, every reachable
                            ** state visited and checked, and every fair run ends (no cycle
                            ** keeps a task from finishing); docs/exploration.md */
    uint64_t states;        /* distinct states (exhaustive) or steps (pct, random) */
    uint64_t transitions;
    uint64_t runs;          /* pct, random */
    const char *kind;       /* the violation's kind, e.g. "LOST_WAKEUP" */
    const char *detail;     /* the violation in one line */
    const char *first_sign; /* an earlier finding that predicted it (PG_waiters unsound), if any */
    const char *schedule;   /* the minimal violating schedule, for pw_session_replay */
    uint32_t schedule_length;
    uint32_t found_length;  /* its length before shrinking */
    double seconds;
} pw_explore_result;

/* `options` may be NULL for the defaults; `result` is required. */
int pw_session_explore(pw_session *s, const pw_explore_options *options, pw_explore_result *result);

/* Replay a schedule string ("pw1:...") step by step, with the checkers of
** `pagewait replay`. PW_TRACE_TEXT gives the kernel-words trace of `pagewait
** replay`, PW_TRACE_JSON its JSON form, PW_TRACE_PERFETTO a Chrome Trace
** Event / Perfetto timeline. *out is allocated for the caller: free it with
** pw_free. A malformed schedule is PW_EPARSE. A schedule that does not fit
** the session is PW_ESTALE: one that names a task that does not exist or
** cannot take that step, or that goes on after the run has ended, for
** instance with steps after the violation it leads to (a run stops at its
** violation, and every schedule the library hands out ends there).
**
** pw_session_replay_v2 also gives the verdict, in *result (required); its
** `out` may be NULL when no trace is wanted. pw_session_replay is
** pw_session_replay_v2 without the verdict, kept for programs written
** against version 0.1. */
#define PW_TRACE_TEXT     0
#define PW_TRACE_JSON     1
#define PW_TRACE_PERFETTO 2

/* How a replayed run ended. */
#define PW_END_FINISHED   0  /* every task ran to its end */
#define PW_END_QUIESCENT  1  /* no task can take a step, and some have not finished */
#define PW_END_STEP_LIMIT 2  /* the step budget ran out with tasks still runnable */
#define PW_END_STOPPED    3  /* the schedule ran out with tasks still runnable */
#define PW_END_VIOLATION  4  /* a checker found a violation: kind and detail say which */

/* What a replay found. Strings are owned by the session: valid until its
** next pw_session_replay_v2 or pw_session_free; NULL when absent. */
typedef struct pw_replay_result {
    size_t size;
    int32_t verdict;        /* PW_VERDICT_*: the same verdict pw_session_explore gives */
    int32_t end;            /* PW_END_* */
    uint32_t steps;         /* steps replayed: on success, the schedule's length */
    const char *kind;       /* the violation's kind, e.g. "LOST_WAKEUP" */
    const char *detail;     /* the violation in one line, with its step */
    const char *first_sign; /* an earlier finding that predicted it (PG_waiters unsound), if any */
} pw_replay_result;

int pw_session_replay(pw_session *s, const char *schedule, int format, char **out);
int pw_session_replay_v2(pw_session *s, const char *schedule, int format, char **out, pw_replay_result *result);

/* ------------------------------------------------------------------------
** Plugins
**
** A plugin is a shared library exporting
**
**     int pw_plugin_init(const pw_host_api *api, pw_context *ctx, const char **error);
**
** It registers what it brings through `api` (never by linking libpagewait:
** the host may be the pagewait command, which has no pw_* symbols of its
** own) and returns PW_OK, or a negative code with *error pointed at a
** static message. `api` stays valid while the process lives; a loaded plugin
** is never unloaded. The host API only grows at its end: check
** api->version and api->size (PW_HOST_API_HAS) before using a member that a
** later version added.
*/
#define PW_PLUGIN_INIT_SYMBOL "pw_plugin_init"

typedef struct pw_host_api {
    size_t size;
    int version;            /* the host's pw_version() */
    const char *(*errmsg)(const void *handle);
    const char *(*errstr)(int code);
    int (*register_scenario)(pw_context *ctx, const char *text, const char *origin);
    int (*strategy_def_init)(pw_strategy_def *def, size_t size);
    int (*register_strategy)(pw_context *ctx, const pw_strategy_def *def);
    int (*builder_fail)(pw_builder *b, const char *message);
    int (*builder_param)(pw_builder *b, const char *name, int64_t *value);
    int (*builder_function)(pw_builder *b, const char *name);
    int (*label_new)(pw_builder *b, pw_label *out);
    int (*label_bind)(pw_builder *b, pw_label label);
    int (*emit_jump)(pw_builder *b, pw_label label);
    int (*emit_branch)(pw_builder *b, int reg, int cmp, int64_t value, pw_label label);
    int (*emit_set)(pw_builder *b, int reg, int64_t value);
    int (*emit_get_page_unless_zero)(pw_builder *b, int page, int result);
    int (*emit_put_page)(pw_builder *b, int page);
    int (*emit_test_flag)(pw_builder *b, int page, unsigned flag, int result);
    int (*emit_set_flag)(pw_builder *b, int page, unsigned flag);
    int (*emit_clear_flag)(pw_builder *b, int page, unsigned flag);
    int (*emit_trylock_page)(pw_builder *b, int page, int result);
    int (*emit_lock_page)(pw_builder *b, int page);
    int (*emit_unlock_page)(pw_builder *b, int page);
    int (*emit_non_atomic_clear_locked)(pw_builder *b, int page);
    int (*emit_wait_on_page_locked)(pw_builder *b, int page);
    int (*emit_put_and_wait_on_page_locked)(pw_builder *b, int page);
    int (*emit_wait_on_page_bit)(pw_builder *b, int page, unsigned flag, int state, int behavior, int result);
    int (*emit_wake_up_page_bit)(pw_builder *b, int page, unsigned flag);
    int (*emit_ptl_lock)(pw_builder *b, int mm);
    int (*emit_ptl_unlock)(pw_builder *b, int mm);
    int (*emit_read_pte)(pw_builder *b, int slot, int kind, int page);
    int (*emit_preemption_point)(pw_builder *b, int permille);
    /* Added in 0.5: sleeping locks (pw_emit_mutex_lock and the rest, below). */
    int (*emit_mutex_lock)(pw_builder *b, int mutex);
    int (*emit_mutex_unlock)(pw_builder *b, int mutex);
    int (*emit_down_read)(pw_builder *b, int rwsem);
    int (*emit_up_read)(pw_builder *b, int rwsem);
    int (*emit_down_write)(pw_builder *b, int rwsem);
    int (*emit_up_write)(pw_builder *b, int rwsem);
    /* Added in 0.5: CPUs (pw_emit_cond_resched and the rest, below). */
    int (*emit_cond_resched)(pw_builder *b);
    int (*emit_queue_work_on)(pw_builder *b, int cpu);
    int (*emit_flush_work)(pw_builder *b, int cpu);
    /* Members added by later versions go here, and only here. */
} pw_host_api;

/* True if `api` has `member` (a host at least as new as the member). */
#define PW_HOST_API_HAS(api, member) \
    ((api)->size >= offsetof(pw_host_api, member) + sizeof((api)->member))

typedef int (*pw_plugin_init_fn)(const pw_host_api *api, pw_context *ctx, const char **error);

/* Load a plugin library by path (dlopen) and call its pw_plugin_init with
** this context. A library that cannot be opened, has no pw_plugin_init or
** whose init fails is PW_EPLUGIN, with the reason in pw_errmsg(ctx). */
int pw_load_plugin(pw_context *ctx, const char *path);

/* Added in 0.5: sleeping locks (docs/scenarios.md, "Sleeping locks"). A
** program takes mutex M0..M15 and rwsem S0..S15 by number; a task that
** finds one taken sleeps on its wait list until a release wakes it. A
** plugin's emit callback may call these with the builder it was given.
** A number outside 0..PW_MAX_SLEEPING_LOCKS-1 is PW_ERANGE. A plugin
** reaches them through its host table (emit_mutex_lock, ...; check
** PW_HOST_API_HAS first). */
#define PW_MAX_SLEEPING_LOCKS 16
int pw_emit_mutex_lock(pw_builder *b, int mutex);
int pw_emit_mutex_unlock(pw_builder *b, int mutex);
int pw_emit_down_read(pw_builder *b, int rwsem);
int pw_emit_up_read(pw_builder *b, int rwsem);
int pw_emit_down_write(pw_builder *b, int rwsem);
int pw_emit_up_write(pw_builder *b, int rwsem);

/* Added in 0.5: CPUs (docs/scenarios.md, "CPUs, preemption and work
** items"). pw_emit_cond_resched appends a voluntary preemption point;
** pw_emit_queue_work_on queues CPU `cpu`'s work item (queue_work_on) and
** wakes its kworker; pw_emit_flush_work sleeps until that item has run
** (flush_work). lru_add_drain_all() is queue_work_on for every CPU, then
** flush_work for each. A CPU outside 0..PW_MAX_CPUS-1 is PW_ERANGE; one the
** scenario does not declare is refused when the program runs (BAD_PROGRAM). */
#define PW_MAX_CPUS 64
int pw_emit_cond_resched(pw_builder *b);
int pw_emit_queue_work_on(pw_builder *b, int cpu);
int pw_emit_flush_work(pw_builder *b, int cpu);

/* Added in 0.6: the memory model the session's runs, explorations and
** replays use (docs/memory-model.md): "sc" (the default), "tso" (x86-TSO
** store buffers) or, since 0.7, "arm" (ARMv8-like views). "tso" for a
** scenario of more than 64 tasks and "arm" for one of more than 8 are refused
** (PW_EBUILD, with the range); an unknown name is
** PW_ENOTFOUND, with the accepted names in pw_errmsg. A refused call leaves
** the session as it was. */
int pw_session_set_memory(pw_session *s, const char *model);

#ifdef __cplusplus
}
#endif

#endif /* PAGEWAIT_H */
