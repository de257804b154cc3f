/*
 * pool.c - the persistent thread pool that parallel counts run on.
 *
 * Shaped after libuv's src/threadpool.c, but it never aborts: we live inside
 * somebody's Python process, so a worker that cannot be started only means
 * the caller does more of the work itself.
 *
 *  - Workers start lazily, on the first parallel job that wants them, and the
 *    pool grows to the largest number a job has asked for (at most
 *    WC_MAX_THREADS - 1).  A process that never counts in parallel starts none.
 *  - A caller posts its job on a queue, wakes the workers it wants, and then
 *    works on its own job too: tasks are claimed one at a time with an atomic
 *    counter, so uneven tasks balance and a caller never waits for a worker
 *    that is busy elsewhere.  Several callers may run jobs at once.
 *  - Idle workers exit: a worker that has waited WORD_COUNT_POOL_IDLE
 *    seconds (default WC_POOL_IDLE_MS) without a job returns, so that a
 *    process that counted once is single-threaded again soon after (fork()
 *    is then safe, and Python 3.12+ has nothing to warn about).  The next
 *    parallel job starts workers again.  wc_pool_shutdown() stops them now.
 *  - fork().  The prepare handler asks every worker that is inside a job to
 *    park at its next safe point (between tasks, and between the blocks or
 *    spans of a task: wc_pool_safe_point, called from wc_tick_caller) and
 *    waits until all have; a parked worker holds no lock and has left its
 *    task's data consistent.  So in the child, whose only thread is the one
 *    that called fork(), every mutex and every structure the workers used is
 *    usable: the child forgets the workers (and the queue, whose jobs belong
 *    to threads that do not exist there) and the next job starts new ones.
 *    A thread that forks from inside its own job (a progress callback, a
 *    Python signal handler run there) finds the job's tasks that workers had
 *    begun lost in the child: wc_pool_run then returns WC_EFORKED instead of
 *    waiting for them forever, and the ticker (progress.c) stops the count
 *    in the child with the same code.  In the parent, the workers go on.
 *
 * Lock invariants: wc_mu guards everything below it except a job's `next`
 * counter and wc_forking (atomics, also written under wc_mu).  A worker
 * holds wc_mu only to pick up or leave a job, or to park, never while it
 * runs a task.  A job lives on its caller's stack: the caller removes it
 * from the queue and waits until `active` is 0 before returning, so no
 * worker touches it afterwards.  Worker threads are joined under wc_mu only
 * once they have marked themselves WC_W_EXITED, after which they never take
 * wc_mu again.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "pool.h"
#include "threads.h"

/* Idle time after which a worker exits, when WORD_COUNT_POOL_IDLE does not
 * say: long enough that a program counting in a loop keeps its workers
 * (starting one costs about 50 us), short enough that a fork() a few
 * seconds after the last count finds a single-threaded process. */
#define WC_POOL_IDLE_MS 2000

struct wc_job {
    wc_task_fn fn;
    void *ctx;
    size_t ntasks;
    atomic_size_t next;    /* the next task to claim */
    int wanted;            /* workers the caller asked for */
    int joined;            /* workers that have joined so far */
    int active;            /* workers still inside the job */
    unsigned gen;          /* wc_gen when the job was posted */
    struct wc_job *link;   /* the queue of jobs that want more workers */
};

enum { WC_W_FREE, WC_W_LIVE, WC_W_EXITED };

static pthread_mutex_t wc_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wc_work_cv;   /* idle workers wait (CLOCK_MONOTONIC) */
static pthread_cond_t wc_done_cv;   /* callers wait for their job's workers */
static pthread_cond_t wc_state_cv;  /* workers exited, parked, or resumed */
static pthread_t wc_tids[WC_MAX_THREADS - 1];
static unsigned char wc_wstate[WC_MAX_THREADS - 1]; /* WC_W_* */
static int wc_nlive;            /* workers running (not yet exited) */
static int wc_busy;             /* workers inside a job */
static int wc_parked;           /* busy workers parked for a fork */
static atomic_int wc_forking;   /* a fork is being prepared: park */
static bool wc_stopping;        /* wc_pool_shutdown() is stopping them */
static atomic_bool wc_leave;    /* wc_stopping, for busy workers to see */
static struct wc_job *wc_queue; /* jobs that still want workers, oldest first */
static long wc_idle_ms;         /* < 0: never exit */
static atomic_uint wc_gen;      /* one more in every fork child */
static pthread_once_t wc_once = PTHREAD_ONCE_INIT;
static bool wc_cv_monotonic;    /* wc_work_cv waits on CLOCK_MONOTONIC */
static _Thread_local bool wc_in_worker;

/* The condition variables, the idle time from the environment, and the fork
 * handlers.  If pthread_atfork fails (ENOMEM, all but impossible), a fork
 * during a count may leave the child waiting for workers that are gone:
 * nothing else can be done about it here. */
static void wc_init_cvs(void)
{
    pthread_condattr_t attr;
    bool mono = pthread_condattr_init(&attr) == 0 &&
                pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0;
    /* Without a monotonic clock the idle wait uses CLOCK_REALTIME: a clock
     * step only makes a worker exit early or late. */
    wc_cv_monotonic = mono &&
                      pthread_cond_init(&wc_work_cv, &attr) == 0;
    if (!wc_cv_monotonic)
        pthread_cond_init(&wc_work_cv, NULL);
    if (mono)
        pthread_condattr_destroy(&attr);
    pthread_cond_init(&wc_done_cv, NULL);
    pthread_cond_init(&wc_state_cv, NULL);
}

/* A WORD_COUNT_POOL_IDLE value: 1 with *ms its time in ms (-1: never), or 0
 * when it is not a number of seconds >= 0 ("inf" is one). */
static int wc_idle_parse(const char *env, long *ms)
{
    char *end;
    errno = 0;
    double s = strtod(env, &end);
    if (end == env || errno != 0 || *end != '\0' || s != s || s < 0)
        return 0;
    /* "inf", a year or more, and any time that a long cannot hold in ms
     * (24.8 days where long has 32 bits): never. */
    *ms = s > 86400.0 * 365 || s * 1000.0 + 0.5 >= (double)LONG_MAX
              ? -1 : (long)(s * 1000.0 + 0.5);
    return 1;
}

static long wc_idle_from_env(void)
{
    const char *env = getenv("WORD_COUNT_POOL_IDLE");
    long ms;
    if (env == NULL || *env == '\0' || !wc_idle_parse(env, &ms))
        return WC_POOL_IDLE_MS; /* unset, or not a number of seconds */
    return ms;
}

int wc_pool_idle_env_invalid(void)
{
    const char *env = getenv("WORD_COUNT_POOL_IDLE");
    long ms;
    return env != NULL && *env != '\0' && !wc_idle_parse(env, &ms);
}

static void wc_atfork_prepare(void);
static void wc_atfork_parent(void);
static void wc_atfork_child(void);

static void wc_pool_init(void)
{
    wc_init_cvs();
    wc_idle_ms = wc_idle_from_env();
    (void)pthread_atfork(wc_atfork_prepare, wc_atfork_parent, wc_atfork_child);
}

static void wc_run_tasks(struct wc_job *job)
{
    size_t t;
    for (;;) {
        wc_pool_safe_point();
        if (wc_pool_leaving())
            break; /* the job's caller runs the tasks left */
        t = atomic_fetch_add_explicit(&job->next, 1, memory_order_relaxed);
        if (t >= job->ntasks)
            break;
        job->fn(job->ctx, t);
    }
}

void wc_pool_set_idle(long ms)
{
    pthread_once(&wc_once, wc_pool_init);
    pthread_mutex_lock(&wc_mu);
    wc_idle_ms = ms;
    pthread_cond_broadcast(&wc_work_cv); /* idle workers take the new time */
    pthread_mutex_unlock(&wc_mu);
}

void wc_pool_safe_point(void)
{
    if (!wc_in_worker ||
        !atomic_load_explicit(&wc_forking, memory_order_acquire))
        return;
    pthread_mutex_lock(&wc_mu);
    wc_parked++;
    pthread_cond_broadcast(&wc_state_cv);
    while (atomic_load_explicit(&wc_forking, memory_order_relaxed))
        pthread_cond_wait(&wc_state_cv, &wc_mu);
    wc_parked--;
    pthread_mutex_unlock(&wc_mu);
}

int wc_pool_leaving(void)
{
    return wc_in_worker && atomic_load_explicit(&wc_leave, memory_order_relaxed);
}

unsigned wc_pool_generation(void)
{
    /* The fork handlers count the generations, so the first call registers
     * them: a count on one thread never starts the pool, and a fork from
     * its progress callback went unseen (the child read on from the
     * parent's pipe and returned a part of its count). */
    pthread_once(&wc_once, wc_pool_init);
    return atomic_load_explicit(&wc_gen, memory_order_relaxed);
}

static void wc_unqueue(struct wc_job *job) /* wc_mu held */
{
    for (struct wc_job **p = &wc_queue; *p != NULL; p = &(*p)->link) {
        if (*p == job) {
            *p = job->link;
            return;
        }
    }
}

/* now + ms on the work condition variable's clock. */
static void wc_deadline(struct timespec *ts, long ms)
{
    if (clock_gettime(wc_cv_monotonic ? CLOCK_MONOTONIC : CLOCK_REALTIME,
                      ts) != 0)
        ts->tv_sec = 0, ts->tv_nsec = 0; /* cannot fail; if it did: exit */
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *wc_worker(void *arg)
{
    int self = (int)(intptr_t)arg;
    wc_in_worker = true;
    pthread_mutex_lock(&wc_mu);
    for (;;) {
        /* A job to join, a stop, or the idle time up.  No job is taken
         * while a fork is prepared: the forking thread waits for the busy
         * workers only. */
        struct timespec deadline = {0, 0};
        long idle_ms = wc_idle_ms;
        if (idle_ms >= 0)
            wc_deadline(&deadline, idle_ms);
        bool idle_up = false;
        while (!wc_stopping && !idle_up &&
               (wc_queue == NULL || atomic_load(&wc_forking))) {
            if (wc_idle_ms != idle_ms) {
                /* wc_pool_set_idle: the new time, counted from now (the
                 * deadline of "never" was never set). */
                idle_ms = wc_idle_ms;
                if (idle_ms >= 0)
                    wc_deadline(&deadline, idle_ms);
            }
            if (idle_ms < 0)
                pthread_cond_wait(&wc_work_cv, &wc_mu);
            else if (pthread_cond_timedwait(&wc_work_cv, &wc_mu, &deadline) ==
                     ETIMEDOUT)
                idle_up = wc_queue == NULL || atomic_load(&wc_forking);
        }
        if (wc_stopping || idle_up)
            break;
        struct wc_job *job = wc_queue;
        job->joined++;
        job->active++;
        wc_busy++;
        if (job->joined >= job->wanted)
            wc_unqueue(job);
        pthread_mutex_unlock(&wc_mu);

        wc_run_tasks(job);

        pthread_mutex_lock(&wc_mu);
        wc_busy--;
        if (--job->active == 0)
            pthread_cond_broadcast(&wc_done_cv);
        if (atomic_load(&wc_forking))
            pthread_cond_broadcast(&wc_state_cv); /* one fewer to park */
    }
    /* Whoever starts workers or shuts the pool down joins this thread; it
     * never takes wc_mu again. */
    wc_wstate[self] = WC_W_EXITED;
    wc_nlive--;
    pthread_cond_broadcast(&wc_state_cv);
    pthread_mutex_unlock(&wc_mu);
    return NULL;
}

/* Join the workers that have exited (at once: they are returning).  wc_mu
 * held. */
static void wc_reap(void)
{
    for (int k = 0; k < WC_MAX_THREADS - 1; k++) {
        if (wc_wstate[k] == WC_W_EXITED) {
            pthread_join(wc_tids[k], NULL);
            wc_wstate[k] = WC_W_FREE;
        }
    }
}

/* Start workers until there are `want`; returns how many there are.
 * wc_mu held.  Workers block every signal, so that signals (SIGINT above
 * all) go to the application's own threads. */
static int wc_grow(int want)
{
    if (want > WC_MAX_THREADS - 1)
        want = WC_MAX_THREADS - 1;
    if (wc_nlive >= want || wc_stopping || atomic_load(&wc_forking))
        return wc_nlive;
    wc_reap();
    sigset_t all, old;
    sigfillset(&all);
    if (pthread_sigmask(SIG_SETMASK, &all, &old) != 0)
        return wc_nlive;
    for (int k = 0; k < WC_MAX_THREADS - 1 && wc_nlive < want; k++) {
        if (wc_wstate[k] != WC_W_FREE)
            continue;
        if (pthread_create(&wc_tids[k], NULL, wc_worker, (void *)(intptr_t)k) != 0)
            break; /* EAGAIN and the like: do with the workers we have */
        wc_wstate[k] = WC_W_LIVE;
        wc_nlive++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return wc_nlive;
}

/* The caller's wait for its job's workers (wc_mu held; returned held):
 * WC_EFORKED when wait() forked and this is the child. */
static int wc_join(struct wc_job *job, void (*wait)(void *), void *wait_arg)
{
    while (job->active > 0) {
        if (wait == NULL) {
            pthread_cond_wait(&wc_done_cv, &wc_mu);
            continue;
        }
        struct timespec ts; /* wc_done_cv waits on CLOCK_REALTIME */
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += WC_POOL_WAIT_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&wc_done_cv, &wc_mu, &ts) != ETIMEDOUT ||
            job->active == 0)
            continue;
        pthread_mutex_unlock(&wc_mu);
        wait(wait_arg);
        pthread_mutex_lock(&wc_mu);
        if (job->gen != wc_pool_generation())
            return WC_EFORKED; /* the workers are gone with their tasks */
    }
    return WC_OK;
}

/* The caller's thread ended inside its job (pthread_cleanup_push in
 * wc_pool_run_wait): CPython ends a thread that takes the GIL back while the
 * interpreter is finalizing (pthread_exit, 3.9-3.13), and the wait callback
 * (the Ctrl-C check and the progress bar) takes it back in the middle of a
 * job.  The job and its tasks' data live on that thread's stack, which goes
 * with it: its workers take no more tasks and are waited for first. */
static void wc_abandon(void *arg)
{
    struct wc_job *job = arg;
    if (job->wanted == 0)
        return;
    atomic_store(&job->next, job->ntasks);
    pthread_mutex_lock(&wc_mu);
    if (job->gen == wc_pool_generation()) {
        if (job->joined < job->wanted)
            wc_unqueue(job);
        while (job->active > 0)
            pthread_cond_wait(&wc_done_cv, &wc_mu);
    }
    pthread_mutex_unlock(&wc_mu);
}

int wc_pool_run(int threads, wc_task_fn fn, void *ctx, size_t ntasks)
{
    return wc_pool_run_wait(threads, fn, ctx, ntasks, NULL, NULL);
}

int wc_pool_run_wait(int threads, wc_task_fn fn, void *ctx, size_t ntasks,
                     void (*wait)(void *), void *wait_arg)
{
    struct wc_job job = {.fn = fn, .ctx = ctx, .ntasks = ntasks};
    atomic_init(&job.next, 0);
    int helpers = threads - 1;
    if (ntasks > 0 && (size_t)helpers > ntasks - 1)
        helpers = (int)(ntasks - 1);
    if (helpers > 0) {
        pthread_once(&wc_once, wc_pool_init);
        pthread_mutex_lock(&wc_mu);
        int have = wc_grow(helpers);
        job.wanted = helpers < have ? helpers : have;
        job.gen = wc_pool_generation();
        if (job.wanted > 0) {
            struct wc_job **tail = &wc_queue;
            while (*tail != NULL)
                tail = &(*tail)->link;
            *tail = &job;
            if (job.wanted == 1)
                pthread_cond_signal(&wc_work_cv);
            else
                pthread_cond_broadcast(&wc_work_cv);
        }
        pthread_mutex_unlock(&wc_mu);
    }

    int rc = WC_OK;
    pthread_cleanup_push(wc_abandon, &job);
    wc_run_tasks(&job);

    if (job.wanted > 0) {
        pthread_mutex_lock(&wc_mu);
        if (job.gen != wc_pool_generation()) {
            /* This is a child forked by this thread during the job: the
             * queue was emptied, and the workers inside the job do not
             * exist here, their tasks unfinished. */
            if (job.active > 0)
                rc = WC_EFORKED;
        } else {
            if (job.joined < job.wanted)
                wc_unqueue(&job);
            rc = wc_join(&job, wait, wait_arg);
        }
        pthread_mutex_unlock(&wc_mu);
    }
    pthread_cleanup_pop(0);
    return rc;
}

int wc_pool_started_workers(void)
{
    pthread_once(&wc_once, wc_pool_init);
    pthread_mutex_lock(&wc_mu);
    int n = wc_nlive;
    pthread_mutex_unlock(&wc_mu);
    return n;
}

void wc_pool_shutdown(void)
{
    pthread_once(&wc_once, wc_pool_init);
    pthread_mutex_lock(&wc_mu);
    /* Another shutdown is under way: it stops the same workers. */
    while (wc_stopping)
        pthread_cond_wait(&wc_state_cv, &wc_mu);
    wc_stopping = true;
    atomic_store(&wc_leave, true);
    pthread_cond_broadcast(&wc_work_cv);
    /* Busy workers leave their job at their next piece of work
     * (wc_pool_leaving), then exit; the jobs' callers do the rest, and new
     * jobs meanwhile run on their callers alone (wc_grow starts no worker
     * while stopping).  So this waits for one piece of work per worker, not
     * for the other callers' counts to end. */
    while (wc_nlive > 0)
        pthread_cond_wait(&wc_state_cv, &wc_mu);
    wc_reap();
    atomic_store(&wc_leave, false);
    wc_stopping = false;
    pthread_cond_broadcast(&wc_state_cv);
    pthread_mutex_unlock(&wc_mu);
}

/* The forking thread: keep wc_mu from here to the fork, once every busy
 * worker is parked (wc_pool_safe_point).  Idle workers wait on wc_work_cv
 * and hold nothing.  A second thread forking meanwhile waits for the first
 * fork to finish. */
static void wc_atfork_prepare(void)
{
    pthread_mutex_lock(&wc_mu);
    while (atomic_load(&wc_forking))
        pthread_cond_wait(&wc_state_cv, &wc_mu);
    atomic_store_explicit(&wc_forking, 1, memory_order_release);
    while (wc_parked < wc_busy)
        pthread_cond_wait(&wc_state_cv, &wc_mu);
}

static void wc_atfork_parent(void)
{
    atomic_store(&wc_forking, 0);
    pthread_cond_broadcast(&wc_state_cv);
    pthread_cond_broadcast(&wc_work_cv); /* jobs posted meanwhile */
    pthread_mutex_unlock(&wc_mu);
}

/* The child has only the thread that called fork(), which holds wc_mu (taken
 * in prepare).  The workers, their condition-variable waits and any queued
 * job belong to threads that do not exist here: discard them all (their
 * stacks stay mapped, unreachable), so the next parallel job starts new
 * workers.  The generation tells a job of this thread that its workers are
 * gone. */
static void wc_atfork_child(void)
{
    for (int k = 0; k < WC_MAX_THREADS - 1; k++)
        wc_wstate[k] = WC_W_FREE;
    wc_nlive = 0;
    wc_busy = 0;
    wc_parked = 0;
    wc_stopping = false;
    atomic_store(&wc_leave, false); /* a shutdown under way is the parent's */
    wc_queue = NULL;
    atomic_store(&wc_forking, 0);
    atomic_fetch_add(&wc_gen, 1);
    wc_init_cvs();
    pthread_mutex_unlock(&wc_mu);
    wc_threads_after_fork();
}
