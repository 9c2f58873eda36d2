/*
 * keycache.c - unlock once per login session (issue 16): after a
 * passphrase unlock, the 32-byte slot key (what Argon2id made of the
 * passphrase; it opens this user's keyslot of this board) is kept as a
 * "user" key in the Linux kernel keyring of the login session
 * (libkeyutils), so the next command skips the Argon2id stretch.
 *
 * - Description: "kernboard:v1:<board uuid hex>:<user>"; payload: the slot
 *   key followed by the idle timeout in seconds (u64, big-endian), so every
 *   use can restart the same timeout (an idle timeout, like gpg-agent's
 *   default-cache-ttl).
 * - Permissions: possessor only (view, read, write, search, setattr) plus
 *   view for the user: another process of the same user that does not hold
 *   the session keyring cannot read it.
 * - A key that no longer opens a keyslot (passphrase changed, user removed)
 *   is dropped at once.  Where the keyring is unavailable (no keyctl in a
 *   container, a seccomp filter) or the process has no session keyring of
 *   its own (no login session: cron, `docker exec`; `keyctl session` makes
 *   one), nothing is kept and the passphrase is asked as before; no error.
 * Kernel key payloads are not swapped out; the copy read back lives in
 * sodium_malloc memory of the caller.
 */
#include "store_internal.h"
#include "kernboard/mem.h"

#include <keyutils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KB_KC_PREFIX "kernboard:v1:"
#define KB_KC_PAYLOAD (32 + 8)

/* The login session's keyring, or 0 when this process has none of its
 * own (no pam_keyinit session: a container, cron): then the kernel would
 * create a keyring that dies with the process, so nothing is kept. */
static key_serial_t kb_kc_ring(void)
{
    long ses = keyctl_get_keyring_ID(KEY_SPEC_SESSION_KEYRING, 0);
    long user_ses = keyctl_get_keyring_ID(KEY_SPEC_USER_SESSION_KEYRING, 0);
    if (ses < 0 || ses == user_ses)
        return 0;
    return (key_serial_t)ses;
}

static void kb_kc_desc(const unsigned char uuid[KB_UUID_LEN], const char *user, char *out, size_t n)
{
    char hex[2 * KB_UUID_LEN + 1];
    for (size_t i = 0; i < KB_UUID_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", uuid[i]);
    snprintf(out, n, KB_KC_PREFIX "%s:%s", hex, user);
}

bool kb_store_key_cache_ready(void)
{
    return kb_kc_ring() != 0;
}

bool kb_keycache_get(const unsigned char uuid[KB_UUID_LEN], const char *user, unsigned char key[32])
{
    char desc[256];
    kb_kc_desc(uuid, user, desc, sizeof desc);
    key_serial_t ring = kb_kc_ring();
    if (!ring)
        return false;
    key_serial_t k = (key_serial_t)keyctl_search(ring, "user", desc, 0);
    if (k < 0)
        return false;
    unsigned char *buf = sodium_malloc(KB_KC_PAYLOAD);
    if (!buf)
        return false;
    long n = keyctl_read(k, (char *)buf, KB_KC_PAYLOAD);
    bool ok = n == KB_KC_PAYLOAD;
    if (ok) {
        memcpy(key, buf, 32);
        uint64_t idle = kb_get_u64be(buf + 32);
        if (idle > 0 && idle <= UINT32_MAX)
            (void)keyctl_set_timeout(k, (unsigned)idle); /* idle: restart the timeout */
    }
    sodium_free(buf);
    return ok;
}

void kb_keycache_put(const unsigned char uuid[KB_UUID_LEN], const char *user,
                     const unsigned char key[32], long idle_s)
{
    key_serial_t ring = kb_kc_ring();
    if (idle_s <= 0 || !ring)
        return;
    char desc[256];
    kb_kc_desc(uuid, user, desc, sizeof desc);
    unsigned char *buf = sodium_malloc(KB_KC_PAYLOAD);
    if (!buf)
        return;
    memcpy(buf, key, 32);
    kb_put_u64be(buf + 32, (uint64_t)idle_s);
    key_serial_t k = add_key("user", desc, buf, KB_KC_PAYLOAD, ring);
    sodium_free(buf);
    if (k < 0)
        return;
    (void)keyctl_setperm(k, KEY_POS_VIEW | KEY_POS_READ | KEY_POS_WRITE | KEY_POS_SEARCH |
                                KEY_POS_SETATTR | KEY_USR_VIEW);
    (void)keyctl_set_timeout(k, (unsigned)(idle_s > (long)UINT32_MAX ? UINT32_MAX : idle_s));
}

bool kb_keycache_drop(const unsigned char uuid[KB_UUID_LEN], const char *user)
{
    char desc[256];
    kb_kc_desc(uuid, user, desc, sizeof desc);
    bool any = false;
    key_serial_t ring = kb_kc_ring();
    for (int i = 0; ring && i < 4; i++) { /* in case the same name was linked twice */
        key_serial_t k = (key_serial_t)keyctl_search(ring, "user", desc, 0);
        if (k < 0)
            break;
        if (keyctl_invalidate(k) != 0 && keyctl_unlink(k, ring) != 0)
            break;
        any = true;
    }
    return any;
}

size_t kb_keycache_drop_all(void)
{
    void *list = NULL;
    key_serial_t ring = kb_kc_ring();
    long n = ring ? keyctl_read_alloc(ring, &list) : 0;
    size_t dropped = 0;
    if (n <= 0 || !list) {
        free(list);
        return 0;
    }
    const key_serial_t *ids = list;
    for (size_t i = 0; i < (size_t)n / sizeof *ids; i++) {
        char *d = NULL;
        if (keyctl_describe_alloc(ids[i], &d) < 0 || !d)
            continue;
        /* "type;uid;gid;perm;description" */
        const char *desc = d;
        for (int f = 0; f < 4 && desc; f++) {
            desc = strchr(desc, ';');
            if (desc)
                desc++;
        }
        if (strncmp(d, "user;", 5) == 0 && desc &&
            strncmp(desc, KB_KC_PREFIX, strlen(KB_KC_PREFIX)) == 0 &&
            (keyctl_invalidate(ids[i]) == 0 || keyctl_unlink(ids[i], ring) == 0))
            dropped++;
        free(d);
    }
    free(list);
    return dropped;
}
