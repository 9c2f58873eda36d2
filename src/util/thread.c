/* thread.c - helper threads; see kernboard/thread.h. */
#include "kernboard/thread.h"

#include <signal.h>

bool kb_thread_start(pthread_t *th, void *(*fn)(void *), void *arg)
{
    sigset_t async, old;
    sigfillset(&async);
    sigdelset(&async, SIGSEGV);
    sigdelset(&async, SIGBUS);
    sigdelset(&async, SIGFPE);
    sigdelset(&async, SIGILL);
    sigdelset(&async, SIGABRT);
    pthread_sigmask(SIG_BLOCK, &async, &old);
    bool ok = pthread_create(th, NULL, fn, arg) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return ok;
}

typedef struct kb_part {
    kb_par_fn fn;
    void *ctx;
    size_t from, to;
} kb_part;

static void *kb_part_run(void *a)
{
    kb_part *p = a;
    p->fn(p->ctx, p->from, p->to);
    return NULL;
}

void kb_par(size_t n, unsigned nth, kb_par_fn fn, void *ctx)
{
    if (nth > 8)
        nth = 8;
    if (n < 64 || nth < 2) {
        fn(ctx, 0, n);
        return;
    }
    kb_part parts[8];
    pthread_t tid[8];
    bool started[8] = {false};
    for (unsigned i = 0; i < nth; i++) {
        parts[i] = (kb_part){fn, ctx, n * i / nth, n * (i + 1) / nth};
        if (i > 0)
            started[i] = kb_thread_start(&tid[i], kb_part_run, &parts[i]);
    }
    fn(ctx, parts[0].from, parts[0].to);
    for (unsigned i = 1; i < nth; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        else
            fn(ctx, parts[i].from, parts[i].to); /* no thread: do it here */
    }
}
