/*
 * test_pool.c - the thread pool and concurrent counting, written to be run
 * under ThreadSanitizer (make test-tsan), AddressSanitizer (make test-asan)
 * and valgrind (make test-valgrind) as well as plainly (make test-c).
 *
 *  - wc_pool_run directly: every task runs exactly once, for task counts
 *    from 0 to many and thread counts from 1 to 9, from several callers at
 *    once, so that jobs share the workers;
 *  - many threads calling wc_count_parallel at once with changing thread
 *    counts and kernels, every count checked against a literal reference;
 *  - a caller's thread that ends inside its job (pthread_exit in its wait
 *    or its own task): no worker is in the job's tasks once it is gone;
 *  - wc_pool_shutdown and restart, repeated;
 *  - fork() while another thread is inside a parallel count: the child
 *    counts in parallel and exits in time (skipped under TSan, whose runtime
 *    does not support starting threads in the child of a multi-threaded
 *    process: its option die_after_fork).
 *
 * Closes with "N passed, N failed" (what CI reads).
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "pool.h"

#if defined(__SANITIZE_THREAD__)
#define WC_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WC_UNDER_TSAN 1
#endif
#endif


static void fill(uint8_t *t, size_t n, unsigned seed)
{
    static const char alpha[] = "ab  \n\r";
    for (size_t k = 0; k < n; k++) {
        seed = seed * 1103515245u + 12345u;
        t[k] = (uint8_t)alpha[(seed >> 16) % (sizeof alpha - 1)];
    }
}

/* ---- wc_pool_run: every task exactly once ------------------------------- */

struct tally {
    size_t ntasks;
    atomic_int *hits;
};

static void tally_task(void *ctx, size_t task)
{
    struct tally *t = ctx;
    if (task < t->ntasks)
        atomic_fetch_add_explicit(&t->hits[task], 1, memory_order_relaxed);
}

static void run_tally(int threads, size_t ntasks, int who)
{
    struct tally t = {ntasks, xmalloc((ntasks + 1) * sizeof(atomic_int))};
    for (size_t k = 0; k <= ntasks; k++)
        atomic_init(&t.hits[k], 0);
    wc_pool_run(threads, tally_task, &t, ntasks);
    size_t bad = 0;
    for (size_t k = 0; k < ntasks; k++)
        bad += atomic_load(&t.hits[k]) != 1;
    CHECK(bad == 0, "caller %d: %zu of %zu tasks not run exactly once "
          "(threads %d)", who, bad, ntasks, threads);
    free(t.hits);
}

static void *tally_main(void *p)
{
    int who = (int)(intptr_t)p;
    static const size_t sizes[] = {0, 1, 2, 3, 7, 64, 1000};
    for (int rep = 0; rep < 30; rep++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            run_tally(1 + (rep + who) % 9, sizes[s], who);
    return NULL;
}

static void test_pool_run(void)
{
    enum { NCALLERS = 6 };
    pthread_t th[NCALLERS];
    for (int k = 0; k < NCALLERS; k++)
        CHECK(pthread_create(&th[k], NULL, tally_main, (void *)(intptr_t)k) == 0,
              "create");
    for (int k = 0; k < NCALLERS; k++)
        pthread_join(th[k], NULL);
}

/* ---- wc_pool_run_wait: the caller's wait calls back ---------------------- */

/* A task on a worker runs until the caller's wait callback releases it (a
 * long task, as a worker reading a word of gigabytes): the callback must be
 * called while the caller waits, on the caller, or the worker gives up
 * after 10 s and the test fails. */
struct held {
    pthread_t caller;
    atomic_int on_worker, released, waits, wrong_thread, gave_up;
};

static void held_task(void *ctx, size_t task)
{
    struct held *h = ctx;
    (void)task;
    if (pthread_equal(pthread_self(), h->caller)) {
        /* A worker inside the other task first, or the caller may run both
         * before one wakes and nothing is left to wait for. */
        for (int ms = 0; ms < 10000 && !atomic_load(&h->on_worker); ms++)
            nanosleep(&(struct timespec){0, 1000000}, NULL);
        return;
    }
    atomic_store(&h->on_worker, 1);
    for (int ms = 0; !atomic_load(&h->released); ms++) {
        if (ms == 10000) {
            atomic_store(&h->gave_up, 1);
            return;
        }
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
}

static void held_wait(void *ctx)
{
    struct held *h = ctx;
    if (!pthread_equal(pthread_self(), h->caller))
        atomic_store(&h->wrong_thread, 1);
    if (atomic_fetch_add(&h->waits, 1) + 1 == 3)
        atomic_store(&h->released, 1);
}

static void test_pool_run_wait(void)
{
    struct held h = {.caller = pthread_self()};
    CHECK_EQ(wc_pool_run_wait(2, held_task, &h, 2, held_wait, &h), WC_OK,
             "run_wait");
    CHECK(atomic_load(&h.on_worker), "no worker took a task in 10 s");
    CHECK(!atomic_load(&h.gave_up) && atomic_load(&h.waits) >= 3,
          "the caller's wait called back %d times (the worker gave up: %d)",
          atomic_load(&h.waits), atomic_load(&h.gave_up));
    CHECK(!atomic_load(&h.wrong_thread), "wait called on a worker");
}

/* ---- the caller's thread ends inside its job ---------------------------- */

/* CPython ends a thread that takes the GIL back while the interpreter is
 * finalizing (pthread_exit, from the progress callback in the middle of a
 * job).  The job lives on that thread's stack: when the thread is gone (its
 * join returns), no worker may be inside the job's tasks nor take another.
 * The thread ends in the caller's wait for a worker's long task, or in a
 * task of its own with tasks left. */
struct ending {
    pthread_t caller;
    int in_own_task; /* pthread_exit in the caller's task, not its wait */
    atomic_int on_worker, in_task, started, after;
};

static void ending_task(void *ctx, size_t task)
{
    struct ending *e = ctx;
    (void)task;
    if (pthread_equal(pthread_self(), e->caller)) {
        /* A worker inside a task first (or the caller would run them all
         * before one wakes). */
        for (int ms = 0; ms < 10000 && !atomic_load(&e->on_worker); ms++)
            nanosleep(&(struct timespec){0, 1000000}, NULL);
        if (e->in_own_task)
            pthread_exit(NULL);
        return;
    }
    atomic_fetch_add(&e->started, 1);
    atomic_fetch_add(&e->in_task, 1);
    atomic_store(&e->on_worker, 1);
    nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL);
    atomic_fetch_sub(&e->in_task, 1);
}

static void ending_wait(void *ctx)
{
    (void)ctx;
    pthread_exit(NULL);
}

static void *ending_main(void *arg)
{
    struct ending *e = arg;
    e->caller = pthread_self();
    (void)wc_pool_run_wait(2, ending_task, e, 32, ending_wait, e);
    atomic_store(&e->after, 1); /* not reached: the thread ended */
    return NULL;
}

static void test_caller_ends_inside_its_job(void)
{
    for (int own = 0; own <= 1; own++) {
        int tried = 0;
        for (; tried < 20; tried++) {
            struct ending *e = calloc(1, sizeof *e);
            CHECK(e != NULL, "calloc");
            if (e == NULL)
                return;
            e->in_own_task = own;
            pthread_t th;
            CHECK(pthread_create(&th, NULL, ending_main, e) == 0, "create");
            pthread_join(th, NULL);
            int in_task = atomic_load(&e->in_task);
            int started = atomic_load(&e->started);
            nanosleep(&(struct timespec){0, 300 * 1000000L}, NULL);
            int on_worker = atomic_load(&e->on_worker);
            if (!on_worker) { /* no worker joined: the caller ran them all */
                free(e);
                continue;
            }
            CHECK(!atomic_load(&e->after), "the caller returned from its job");
            CHECK(in_task == 0,
                  "%s: a worker still in the job's task when its caller was gone",
                  own ? "own task" : "wait");
            CHECK(atomic_load(&e->started) == started,
                  "%s: a worker took a task after the job's caller was gone",
                  own ? "own task" : "wait");
            CHECK(started <= 2, "%s: the worker ran %d of the tasks left",
                  own ? "own task" : "wait", started);
            free(e);
            break;
        }
        if (tried == 20)
            printf("caller ends: no task ran on a worker in 20 tries (not checked)\n");
    }
}

/* ---- many callers of wc_count_parallel --------------------------------- */

static const char *const kernels[] = {"scalar", "sse2", "avx2", "avx512", "auto"};

struct caller {
    const uint8_t *t;
    size_t n;
    const char *needle;
    uint64_t want;
    int seed;
};

static void *caller_main(void *p)
{
    struct caller *c = p;
    size_t m = strlen(c->needle);
    for (int rep = 0; rep < 12; rep++) {
        /* Other callers count while the kernel changes under them: the
         * choice is one atomic pointer, any kernel gives the same count. */
        if ((rep + c->seed) % 4 == 0)
            (void)wc_force_kernel(kernels[(rep + c->seed) % 5]);
        int threads = (rep * 7 + c->seed) % 9; /* 0: the default */
        uint64_t got = 0;
        int rc = wc_count_parallel(c->t, c->n, c->needle, m, 1, threads, &got);
        CHECK(rc == WC_OK && got == c->want,
              "caller %d rep %d threads %d: rc %d got %llu want %llu", c->seed,
              rep, threads, rc, (unsigned long long)got,
              (unsigned long long)c->want);
    }
    return NULL;
}

static void test_many_callers(void)
{
    enum { NCALLERS = 8 };
    size_t n = 4 * wc_parallel_threshold() + 4321;
    uint8_t *t = xmalloc(n);
    fill(t, n, 7);
    static const char *const needles[] = {"ab", "", "a", "b\r"};
    struct caller c[NCALLERS];
    pthread_t th[NCALLERS];
    for (int k = 0; k < NCALLERS; k++) {
        const char *nd = needles[k % 4];
        c[k] = (struct caller){t, n, nd, 0, k};
        c[k].want = ref_count(t, n, (const uint8_t *)nd, strlen(nd));
        CHECK(pthread_create(&th[k], NULL, caller_main, &c[k]) == 0, "create");
    }
    for (int k = 0; k < NCALLERS; k++)
        pthread_join(th[k], NULL);
    (void)wc_force_kernel("auto");
    free(t);
}

/* ---- shutdown and restart ---------------------------------------------- */

static void test_shutdown_restart(void)
{
    size_t n = 2 * wc_parallel_threshold() + 1;
    uint8_t *t = xmalloc(n);
    fill(t, n, 11);
    uint64_t want = ref_count(t, n, (const uint8_t *)"ab", 2);
    for (int rep = 0; rep < 5; rep++) {
        uint64_t got = 0;
        CHECK(wc_count_parallel(t, n, "ab", 2, 1, 3, &got) == WC_OK && got == want,
              "rep %d got %llu want %llu", rep, (unsigned long long)got,
              (unsigned long long)want);
        CHECK(wc_pool_started_workers() >= 1, "workers started");
        wc_pool_shutdown();
        CHECK(wc_pool_started_workers() == 0, "workers joined");
    }
    free(t);
}

/* ---- fork while another thread counts ---------------------------------- */

struct busy {
    const uint8_t *t;
    size_t n;
    uint64_t want;
    atomic_int stop;
    atomic_int rounds;
    int bad;
};

static void *busy_main(void *p)
{
    struct busy *b = p;
    while (!atomic_load(&b->stop)) {
        uint64_t got = 0;
        if (wc_count_parallel(b->t, b->n, "ab", 2, 1, 4, &got) != WC_OK ||
            got != b->want)
            b->bad++;
        atomic_fetch_add(&b->rounds, 1);
    }
    return NULL;
}

static void test_fork_during_count(void)
{
#ifdef WC_UNDER_TSAN
    printf("fork test skipped under ThreadSanitizer (die_after_fork)\n");
    if (1)
        return;
#endif
    size_t n = 8 * wc_parallel_threshold();
    uint8_t *t = xmalloc(n);
    fill(t, n, 23);
    struct busy b = {.t = t, .n = n, .want = ref_count(t, n, (const uint8_t *)"ab", 2)};
    atomic_init(&b.stop, 0);
    atomic_init(&b.rounds, 0);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, busy_main, &b) == 0, "create");
    for (int rep = 0; rep < 10; rep++) {
        while (atomic_load(&b.rounds) < rep) /* fork inside a count */
            sched_yield();
        pid_t pid = fork();
        if (pid == 0) {
            alarm(20); /* a hang in the child is a failure, not a stuck run */
            uint64_t got = 0;
            int ok = wc_count_parallel(t, n, "ab", 2, 1, 4, &got) == WC_OK &&
                     got == b.want && wc_pool_started_workers() >= 1;
            _exit(ok ? 0 : 3);
        }
        CHECK(pid > 0, "fork");
        if (pid < 0)
            break;
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child %d: status %#x (signal %d)", rep, status,
              WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    atomic_store(&b.stop, 1);
    pthread_join(th, NULL);
    CHECK(b.bad == 0, "parent's counts during forks: %d wrong", b.bad);
    free(t);
}

/* ---- idle workers exit; shutdown while others count -------------------- */

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Threads of this process (the entries of /proc/self/task), -1 if unknown. */
static int task_count(void)
{
    DIR *d = opendir("/proc/self/task");
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

struct looper {
    const uint8_t *t;
    size_t n;
    uint64_t want;
    int threads, rounds, pause_us;
    atomic_int *stop;
    int bad;
};

static void *looper_main(void *p)
{
    struct looper *c = p;
    for (int r = 0; c->rounds ? r < c->rounds : !atomic_load(c->stop); r++) {
        uint64_t got = 0;
        if (wc_count_parallel(c->t, c->n, "ab", 2, 1, c->threads, &got) != WC_OK ||
            got != c->want)
            c->bad++;
        if (c->pause_us)
            sleep_us((long)c->pause_us * (r % 4));
    }
    return NULL;
}

/* Workers that exit while jobs come and go (an idle time of 2 ms, callers
 * pausing 0 to 9 ms): every count right; then, left idle, the pool has no
 * thread left and the process is single-threaded again. */
static void test_idle_exit(void)
{
    size_t n = 2 * wc_parallel_threshold() + 7;
    uint8_t *t = xmalloc(n);
    fill(t, n, 31);
    uint64_t want = ref_count(t, n, (const uint8_t *)"ab", 2);
    wc_pool_set_idle(2);
    struct looper cs[3];
    pthread_t th[3];
    for (int k = 0; k < 3; k++) {
        cs[k] = (struct looper){.t = t, .n = n, .want = want, .threads = 2 + k,
                                .rounds = 60, .pause_us = 3000};
        CHECK(pthread_create(&th[k], NULL, looper_main, &cs[k]) == 0, "create");
    }
    for (int k = 0; k < 3; k++) {
        pthread_join(th[k], NULL);
        CHECK(cs[k].bad == 0, "caller %d: %d wrong counts", k, cs[k].bad);
    }
    /* Poll, no time assert: 2 ms idle, 60 s bound. */
    for (int k = 0; k < 6000 && wc_pool_started_workers() > 0; k++)
        sleep_us(10000);
    CHECK(wc_pool_started_workers() == 0, "idle workers left: %d",
          wc_pool_started_workers());
#ifdef WC_UNDER_TSAN
    int alone = 2; /* ThreadSanitizer's runtime has a thread of its own */
#else
    int alone = 1;
#endif
    alone += emulated(); /* qemu-user's RCU thread */
    int tasks = 0;
    for (int k = 0; k < 6000 && (tasks = task_count()) > alone; k++)
        sleep_us(10000);
    CHECK(tasks <= alone, "threads after idle exit: %d", tasks);
    /* Workers that never go idle now: with 2 ms, those this count starts
     * could leave before they are counted below (seen under TSan). */
    wc_pool_set_idle(-1);
    uint64_t got = 0;
    CHECK(wc_count_parallel(t, n, "ab", 2, 1, 3, &got) == WC_OK && got == want,
          "count after idle exit");
    CHECK(wc_pool_started_workers() >= 1, "restarted");
    free(t);
}

/* Idle workers take a new idle time from wc_pool_set_idle at once: from
 * 10 minutes, and from never (-1), to 20 ms, the workers of a count exit
 * (polled up to 60 s, far below the 10 minutes they waited for before;
 * with never, their deadline was never set). */
static void test_idle_change(void)
{
    size_t n = 2 * wc_parallel_threshold() + 7;
    uint8_t *t = xmalloc(n);
    fill(t, n, 41);
    uint64_t want = ref_count(t, n, (const uint8_t *)"ab", 2);
    const long before[2] = {600000, -1};
    for (int k = 0; k < 2; k++) {
        wc_pool_set_idle(before[k]);
        uint64_t got = 0;
        CHECK(wc_count_parallel(t, n, "ab", 2, 1, 3, &got) == WC_OK &&
                  got == want, "count, idle %ld", before[k]);
        CHECK(wc_pool_started_workers() >= 1, "workers, idle %ld", before[k]);
        sleep_us(20000); /* the workers wait, with the old time */
        wc_pool_set_idle(20);
        for (int i = 0; i < 6000 && wc_pool_started_workers() > 0; i++)
            sleep_us(10000);
        CHECK(wc_pool_started_workers() == 0,
              "idle %ld -> 20 ms: %d workers left after 60 s", before[k],
              wc_pool_started_workers());
    }
    wc_pool_set_idle(-1);
    free(t);
}

static void test_shutdown_while_counting(void)
{
    size_t n = 4 * wc_parallel_threshold() + 3;
    uint8_t *t = xmalloc(n);
    fill(t, n, 37);
    uint64_t want = ref_count(t, n, (const uint8_t *)"ab", 2);
    atomic_int stop;
    atomic_init(&stop, 0);
    struct looper cs[3];
    pthread_t th[3];
    for (int k = 0; k < 3; k++) {
        cs[k] = (struct looper){.t = t, .n = n, .want = want, .threads = 2 + k,
                                .stop = &stop};
        CHECK(pthread_create(&th[k], NULL, looper_main, &cs[k]) == 0, "create");
    }
    for (int k = 0; k < 100; k++)
        wc_pool_shutdown();
    atomic_store(&stop, 1);
    for (int k = 0; k < 3; k++) {
        pthread_join(th[k], NULL);
        CHECK(cs[k].bad == 0, "caller %d: %d wrong counts", k, cs[k].bad);
    }
    wc_pool_shutdown();
    CHECK(wc_pool_started_workers() == 0, "workers after shutdown");
    free(t);
}

/* ---- fork() from the progress callback of a parallel file count --------- */

static int fork_pid = -2;

static int forking_progress(void *arg, uint64_t done, uint64_t total)
{
    (void)arg;
    if (fork_pid == -2 && done > 0 && done < total)
        fork_pid = fork();
    return 0;
}

static void test_fork_in_callback(void)
{
#ifdef WC_UNDER_TSAN
    printf("fork-in-callback test skipped under ThreadSanitizer (die_after_fork)\n");
    if (1)
        return;
#endif
    char path[] = "/tmp/wc_test_pool_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "mkstemp");
    if (fd < 0)
        return;
    size_t n = (size_t)4 << 20;
    uint8_t *t = xmalloc(n);
    fill(t, n, 41);
    CHECK(write(fd, t, n) == (ssize_t)n, "write");
    close(fd);
    uint64_t want = ref_count(t, n, (const uint8_t *)"ab", 2);
    /* Freed before the forks: a child that _exits holding it is a leak to
     * valgrind when no register or stack slot keeps the pointer (the
     * compiler's choice: it failed test-valgrind once the code around
     * moved). */
    free(t);
    const void *needles[] = {"ab"};
    size_t lens[] = {2};
    for (int rep = 0; rep < 3; rep++) {
        fork_pid = -2;
        wc_io_options o = {.threads = 3, .block_size = 64,
                           .progress = forking_progress, .interval_ms = 1};
        uint64_t got = 0;
        int rc = wc_count_file(path, needles, lens, 1, &o, &got);
        if (fork_pid == 0) /* the child: its count stopped, in time */
            _exit(rc == WC_EFORKED ? 0 : 3);
        CHECK(rc == WC_OK && got == want, "parent: rc %d got %llu want %llu", rc,
              (unsigned long long)got, (unsigned long long)want);
        if (fork_pid < 0)
            continue; /* the count ended before a progress call */
        int status = 0;
        for (int k = 0; k < 6000; k++) { /* 60 s, then it hung */
            if (waitpid(fork_pid, &status, WNOHANG) == fork_pid)
                break;
            if (k == 5999) {
                kill(fork_pid, SIGKILL);
                waitpid(fork_pid, &status, 0);
            }
            sleep_us(10000);
        }
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child of a fork in the callback: status %#x", status);
    }
    unlink(path);
}

/* ---- fork() while another thread shuts the pool down ---------------------
 *
 * Thread A is inside wc_pool_shutdown(), waiting for a worker that holds a
 * task, when the main thread forks.  The child must have a pool that works:
 * the "leave now" flag of A's shutdown was left set there, and the child's
 * new workers left every job at once (its counts ran on their callers
 * alone). */

#ifndef WC_UNDER_TSAN /* the test is skipped there: its helpers would be unused */
struct shut {
    pthread_t caller;
    atomic_int on_worker, saw_leave, released;
};

static void shut_task(void *ctx, size_t task)
{
    struct shut *s = ctx;
    (void)task;
    if (pthread_equal(pthread_self(), s->caller)) {
        nanosleep(&(struct timespec){0, 5000000}, NULL); /* the worker's turn */
        return;
    }
    if (atomic_exchange(&s->on_worker, 1))
        return; /* one task holds one worker */
    for (int ms = 0; !atomic_load(&s->released) && ms < 20000; ms++) {
        wc_pool_safe_point(); /* where a fork may take place */
        if (wc_pool_leaving())
            atomic_store(&s->saw_leave, 1);
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
}

static void *shut_run_main(void *p)
{
    struct shut *s = p;
    s->caller = pthread_self();
    for (int k = 0; k < 20 && !atomic_load(&s->on_worker); k++)
        (void)wc_pool_run(2, shut_task, s, 2);
    return NULL;
}

static void *shut_down_main(void *p)
{
    (void)p;
    wc_pool_shutdown();
    return NULL;
}

struct on_worker {
    pthread_t caller;
    atomic_int on_worker;
};

static void note_worker_task(void *ctx, size_t task)
{
    struct on_worker *w = ctx;
    (void)task;
    if (!pthread_equal(pthread_self(), w->caller))
        atomic_store(&w->on_worker, 1);
    nanosleep(&(struct timespec){0, 200000}, NULL);
}

static void test_fork_during_shutdown(void)
{
    struct shut s;
    atomic_init(&s.on_worker, 0);
    atomic_init(&s.saw_leave, 0);
    atomic_init(&s.released, 0);
    pthread_t run, down;
    CHECK(pthread_create(&run, NULL, shut_run_main, &s) == 0, "create");
    for (int ms = 0; ms < 10000 && !atomic_load(&s.on_worker); ms++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    CHECK(pthread_create(&down, NULL, shut_down_main, NULL) == 0, "create");
    for (int ms = 0; ms < 10000 && !atomic_load(&s.saw_leave); ms++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    int held = atomic_load(&s.saw_leave);
    pid_t pid = held ? fork() : -1;
    if (pid == 0) {
        struct on_worker w = {.caller = pthread_self()};
        atomic_init(&w.on_worker, 0);
        for (int k = 0; k < 20 && !atomic_load(&w.on_worker); k++)
            (void)wc_pool_run(2, note_worker_task, &w, 200);
        _exit(atomic_load(&w.on_worker) ? 0 : 3);
    }
    atomic_store(&s.released, 1);
    pthread_join(run, NULL);
    pthread_join(down, NULL);
    if (!held) {
        printf("fork-during-shutdown: the held task was not on a worker (not checked)\n");
        return;
    }
    CHECK(pid > 0, "fork");
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "the child of a fork during wc_pool_shutdown ran no task on a worker "
          "(status %#x)", status);
}
#else
static void test_fork_during_shutdown(void)
{
    printf("fork-during-shutdown test skipped under ThreadSanitizer (die_after_fork)\n");
}
#endif

int main(void)
{
    test_pool_run();
    test_pool_run_wait();
    test_caller_ends_inside_its_job();
    test_many_callers();
    test_shutdown_restart();
    if (emulated()) /* qemu-user aborts in a child forked from threads */
        printf("fork tests skipped under an emulator (WC_TEST_EMULATED=1)\n");
    else
        test_fork_during_count();
    test_idle_exit();
    test_idle_change();
    test_shutdown_while_counting();
    if (!emulated()) {
        test_fork_in_callback();
        test_fork_during_shutdown();
    }
    wc_pool_shutdown(); /* so that leak checkers see every thread joined */
    return check_report();
}
