/*
 * test_lease_clock.c - lease expiry never compares two hosts' clocks
 * (issue 15, item 7).  kb_lease_seen_expired is the pure decision: the
 * reader's own monotonic time since it last saw the lease record change
 * (every renewal bumps its version) against the lease's lifetime.  The
 * holder's since/expires, written with the holder's clock, play no part:
 * a reader whose clock runs 2 h ahead (or behind) decides the same.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "core/core_internal.h"

static kb_lease kb_lease_at(kb_time since, kb_time expires, int seconds, uint64_t version)
{
    kb_lease l;
    memset(&l, 0, sizeof l);
    memset(l.key.b, 0x5a, KB_KEY_LEN);
    l.since = since;
    l.expires = expires;
    l.seconds = seconds;
    l.token = 7;
    l.version = version;
    return l;
}

/* now_ms: the reader's monotonic clock; the holder's wall clock is
 * irrelevant, so the lease carries times from a holder 2 h behind. */
Test(lease_clock, a_renewing_lease_never_expires_whatever_the_clocks)
{
    const kb_time two_hours = 2 * 3600;
    kb_time holder_now = 1790000000 - two_hours; /* what the holder wrote */
    kb_lease_seen *tab = NULL;
    size_t n = 0;
    bool changed = false;
    int64_t now = 1000;
    uint64_t version = 1;
    /* the holder renews every 150 s (half of 300 s) for two hours */
    for (int i = 0; i < 48; i++) {
        kb_lease l = kb_lease_at(holder_now, holder_now + 300, 300, version);
        changed = false;
        cr_assert_not(kb_lease_seen_expired(&tab, &n, &l, now, &changed),
                      "renewal %d: alive (a reader 2 h ahead would see expires in the past)", i);
        /* the reader looks several times between renewals */
        for (int k = 1; k < 5; k++) {
            changed = false;
            cr_assert_not(kb_lease_seen_expired(&tab, &n, &l, now + k * 30000, &changed));
            cr_assert_not(changed, "no renewal seen: nothing changed");
        }
        version++;
        holder_now += 150;
        now += 150000;
    }
    cr_assert_eq(n, 1, "one entry per lease");
    free(tab);
}

Test(lease_clock, an_unrenewed_lease_expires_after_its_lifetime_as_seen_by_the_reader)
{
    kb_lease_seen *tab = NULL;
    size_t n = 0;
    bool changed = false;
    /* the holder's clock says it expired long ago: irrelevant at first sight */
    kb_lease l = kb_lease_at(100, 160, 60, 3);
    cr_assert_not(kb_lease_seen_expired(&tab, &n, &l, 5000, &changed), "first seen: alive");
    cr_assert(changed);
    changed = false;
    cr_assert_not(kb_lease_seen_expired(&tab, &n, &l, 5000 + 59999, &changed), "59.999 s: alive");
    cr_assert(kb_lease_seen_expired(&tab, &n, &l, 5000 + 60000, &changed),
              "60 s unrenewed: expired");
    /* a renewal (new version) starts the lifetime again */
    l.version = 4;
    changed = false;
    cr_assert_not(kb_lease_seen_expired(&tab, &n, &l, 70000, &changed), "renewed: alive again");
    cr_assert(changed);
    cr_assert(kb_lease_seen_expired(&tab, &n, &l, 130000, &changed));
    /* taken over by another session (new token): alive again */
    l.token = 8;
    cr_assert_not(kb_lease_seen_expired(&tab, &n, &l, 130001, &changed));
    free(tab);
}

Test(lease_clock, old_records_without_a_lifetime_use_expires_minus_since)
{
    kb_lease_seen *tab = NULL;
    size_t n = 0;
    bool changed = false;
    kb_lease l = kb_lease_at(1000, 1010, 0, 1); /* 10 s, written before 'secs' */
    cr_assert_not(kb_lease_seen_expired(&tab, &n, &l, 0, &changed));
    cr_assert_not(kb_lease_seen_expired(&tab, &n, &l, 9999, &changed));
    cr_assert(kb_lease_seen_expired(&tab, &n, &l, 10000, &changed));
    /* a clock that went backwards (another boot's entry) restarts the wait */
    cr_assert_not(kb_lease_seen_expired(&tab, &n, &l, 5, &changed));
    free(tab);
}
