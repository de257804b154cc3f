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
 *  - After fork() the child has none of the parent's workers.  The atfork
 *    child handler forgets them (and any queued job, which belonged to a
 *    thread that does not exist in the child), so the child's first parallel
 *    job starts a fresh pool.
 *
 * Lock invariants: wc_mu guards everything below it except a job's `next`
 * counter (atomic).  A worker holds wc_mu only to pick up or leave a job,
 * never while it runs a task.  A job lives on its caller's stack: the caller
 * removes it from the queue and waits until `active` is 0 before returning,
 * so no worker touches it afterwards.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "wc_impl.h"

struct wc_job {
    wc_task_fn fn;
    void *ctx;
    size_t ntasks;
    atomic_size_t next;    /* the next task to claim */
    int wanted;            /* workers the caller asked for */
    int joined;            /* workers that have joined so far */
    int active;            /* workers still inside the job */
    struct wc_job *link;   /* the queue of jobs that want more workers */
};

static pthread_mutex_t wc_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wc_work_cv = PTHREAD_COND_INITIALIZER; /* workers wait */
static pthread_cond_t wc_done_cv = PTHREAD_COND_INITIALIZER; /* callers wait */
static pthread_t wc_workers[WC_MAX_THREADS];
static int wc_nworkers;         /* started and not yet joined */
static bool wc_stopping;        /* wc_pool_shutdown() is joining them */
static struct wc_job *wc_queue; /* jobs that still want workers, oldest first */
static pthread_once_t wc_atfork_once = PTHREAD_ONCE_INIT;

static void wc_run_tasks(struct wc_job *job)
{
    size_t t;
    while ((t = atomic_fetch_add_explicit(&job->next, 1,
                                          memory_order_relaxed)) < job->ntasks)
        job->fn(job->ctx, t);
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

static void *wc_worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&wc_mu);
    for (;;) {
        while (!wc_stopping && wc_queue == NULL)
            pthread_cond_wait(&wc_work_cv, &wc_mu);
        if (wc_stopping)
            break;
        struct wc_job *job = wc_queue;
        job->joined++;
        job->active++;
        if (job->joined >= job->wanted)
            wc_unqueue(job);
        pthread_mutex_unlock(&wc_mu);

        wc_run_tasks(job);

        pthread_mutex_lock(&wc_mu);
        if (--job->active == 0)
            pthread_cond_broadcast(&wc_done_cv);
    }
    pthread_mutex_unlock(&wc_mu);
    return NULL;
}

static void wc_atfork_prepare(void)
{
    pthread_mutex_lock(&wc_mu);
}

static void wc_atfork_parent(void)
{
    pthread_mutex_unlock(&wc_mu);
}

/* The child has only the thread that called fork(), which holds wc_mu (taken
 * in prepare).  The workers, their condition-variable waits and any queued
 * job belong to threads that do not exist here: discard them all, so the
 * next parallel job starts new workers. */
static void wc_atfork_child(void)
{
    wc_nworkers = 0;
    wc_stopping = false;
    wc_queue = NULL;
    pthread_cond_init(&wc_work_cv, NULL);
    pthread_cond_init(&wc_done_cv, NULL);
    pthread_mutex_unlock(&wc_mu);
    wc_threads_after_fork();
}

static void wc_register_atfork(void)
{
    /* If this fails, fork() in a process with workers leaves the child
     * waiting for workers that are gone; nothing else can be done here, and
     * the failure (ENOMEM) is all but impossible. */
    (void)pthread_atfork(wc_atfork_prepare, wc_atfork_parent, wc_atfork_child);
}

/* Start workers until there are `want`; returns how many there are.
 * wc_mu held.  Workers block every signal, so that signals (SIGINT above
 * all) go to the application's own threads. */
static int wc_grow(int want)
{
    if (want > WC_MAX_THREADS - 1)
        want = WC_MAX_THREADS - 1;
    if (wc_nworkers >= want || wc_stopping)
        return wc_nworkers;
    sigset_t all, old;
    sigfillset(&all);
    if (pthread_sigmask(SIG_SETMASK, &all, &old) != 0)
        return wc_nworkers;
    while (wc_nworkers < want) {
        if (pthread_create(&wc_workers[wc_nworkers], NULL, wc_worker, NULL) != 0)
            break; /* EAGAIN and the like: do with the workers we have */
        wc_nworkers++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return wc_nworkers;
}

void wc_pool_run(int threads, wc_task_fn fn, void *ctx, size_t ntasks)
{
    struct wc_job job = {.fn = fn, .ctx = ctx, .ntasks = ntasks};
    atomic_init(&job.next, 0);
    int helpers = threads - 1;
    if (ntasks > 0 && (size_t)helpers > ntasks - 1)
        helpers = (int)(ntasks - 1);
    if (helpers > 0) {
        pthread_once(&wc_atfork_once, wc_register_atfork);
        pthread_mutex_lock(&wc_mu);
        int have = wc_grow(helpers);
        job.wanted = helpers < have ? helpers : have;
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

    wc_run_tasks(&job);

    if (job.wanted > 0) {
        pthread_mutex_lock(&wc_mu);
        if (job.joined < job.wanted)
            wc_unqueue(&job);
        while (job.active > 0)
            pthread_cond_wait(&wc_done_cv, &wc_mu);
        pthread_mutex_unlock(&wc_mu);
    }
}

int wc_pool_started_workers(void)
{
    pthread_mutex_lock(&wc_mu);
    int n = wc_nworkers;
    pthread_mutex_unlock(&wc_mu);
    return n;
}

void wc_pool_shutdown(void)
{
    pthread_mutex_lock(&wc_mu);
    wc_stopping = true;
    pthread_cond_broadcast(&wc_work_cv);
    int n = wc_nworkers;
    pthread_mutex_unlock(&wc_mu);
    for (int k = 0; k < n; k++)
        pthread_join(wc_workers[k], NULL);
    pthread_mutex_lock(&wc_mu);
    wc_nworkers = 0;
    wc_stopping = false;
    pthread_mutex_unlock(&wc_mu);
}
