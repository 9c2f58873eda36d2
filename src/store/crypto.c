/*
 * crypto.c - keys in guarded memory, sealed values, keyslot KDF.
 * Formats are documented in docs/storage.md.
 */
#include "store_internal.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

kb_keys *kb_keys_new(void)
{
    kb_keys *k = sodium_malloc(sizeof *k);
    if (!k) {
        fputs("kernboard: out of guarded memory\n", stderr);
        abort();
    }
    sodium_memzero(k, sizeof *k);
    return k;
}

void kb_keys_free(kb_keys **k)
{
    if (k && *k) {
        sodium_free(*k);
        *k = NULL;
    }
}

/* Subkeys of the data key: ids 1..4 in the context "kbboard1". */
void kb_keys_derive(kb_keys *k)
{
    static const char ctx[crypto_kdf_CONTEXTBYTES] = {'k', 'b', 'b', 'o', 'a', 'r', 'd', '1'};
    crypto_kdf_derive_from_key(k->k_rec, 32, 1, ctx, k->mk);
    crypto_kdf_derive_from_key(k->k_idx, 32, 2, ctx, k->mk);
    crypto_kdf_derive_from_key(k->k_audit, 32, 3, ctx, k->mk);
    crypto_kdf_derive_from_key(k->k_sess, 32, 4, ctx, k->mk);
    crypto_kdf_derive_from_key(k->k_ver, 32, 5, ctx, k->mk);
    crypto_kdf_derive_from_key(k->k_ref, 32, 6, ctx, k->mk);
}

void kb_core_dumps_off(void)
{
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_CORE, &rl);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* The associated data (storage.md): uuid || table NUL || klen u16 || key
 * || header (if any), written to out (room for kb_ad_len bytes). */
static size_t kb_ad_len(const char *table, size_t klen, const unsigned char *hdr)
{
    return KB_UUID_LEN + strlen(table) + 1 + 2 + klen + (hdr ? KB_VAL_HDR : 0);
}

static size_t kb_ad_write(unsigned char *out, const unsigned char uuid[KB_UUID_LEN],
                          const char *table, const void *key, size_t klen, const unsigned char *hdr)
{
    size_t tl = strlen(table) + 1, n = 0;
    memcpy(out, uuid, KB_UUID_LEN);
    n += KB_UUID_LEN;
    memcpy(out + n, table, tl);
    n += tl;
    kb_put_u16be(out + n, (uint16_t)klen);
    n += 2;
    if (klen)
        memcpy(out + n, key, klen);
    n += klen;
    if (hdr) {
        memcpy(out + n, hdr, KB_VAL_HDR);
        n += KB_VAL_HDR;
    }
    return n;
}

void kb_ad_build(kb_buf *ad, const unsigned char uuid[KB_UUID_LEN], const char *table,
                 const void *key, size_t klen, const unsigned char *hdr)
{
    kb_buf_clear(ad);
    kb_buf_reserve(ad, kb_ad_len(table, klen, hdr));
    ad->len = kb_ad_write((unsigned char *)ad->data, uuid, table, key, klen, hdr);
}

size_t kb_val_sealed_len(size_t n)
{
    /* sodium_pad (ISO/IEC 7816-4) adds 1 to KB_PAD_BLOCK bytes */
    return KB_VAL_HDR + (n / KB_PAD_BLOCK + 1) * KB_PAD_BLOCK +
           crypto_aead_xchacha20poly1305_ietf_ABYTES;
}

void kb_val_seal_to(const kb_store *s, const unsigned char *k, const char *table, const void *key,
                    size_t klen, uint64_t version, const unsigned char nonce[24], const void *p1,
                    size_t n1, const void *p2, size_t n2, unsigned char *out)
{
    unsigned char *hdr = out;
    hdr[0] = 'K';
    hdr[1] = KB_VAL_FORMAT;
    hdr[2] = 1; /* XChaCha20-Poly1305-IETF */
    hdr[3] = 0;
    kb_put_u32be(hdr + 4, s->epoch);
    kb_put_u64be(hdr + 8, version);
    memcpy(hdr + 16, nonce, 24);
    /* the padded plaintext: on the stack when small (most values) */
    size_t n = n1 + n2, padded_max = n + KB_PAD_BLOCK;
    unsigned char small[2048];
    unsigned char *pt = padded_max <= sizeof small ? small : kb_malloc(padded_max);
    if (n1)
        memcpy(pt, p1, n1);
    if (n2)
        memcpy(pt + n1, p2, n2);
    size_t padded = 0;
    (void)sodium_pad(&padded, pt, n, KB_PAD_BLOCK, padded_max); /* cannot fail: room for it */
    /* the associated data: on the stack when small (every table's) */
    unsigned char adsmall[KB_UUID_LEN + 64 + 2 + 256 + KB_VAL_HDR];
    size_t need = kb_ad_len(table, klen, hdr);
    unsigned char *ad = need <= sizeof adsmall ? adsmall : kb_malloc(need);
    size_t al = kb_ad_write(ad, s->uuid, table, key, klen, hdr);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + KB_VAL_HDR, &clen, pt, padded, ad, al, NULL,
                                               nonce, k);
    if (ad != adsmall)
        kb_free(&ad);
    sodium_memzero(pt, padded_max);
    if (pt != small)
        kb_free(&pt);
}

int kb_val_seal(const kb_store *s, const unsigned char *k, const char *table, const void *key,
                size_t klen, uint64_t version, const void *plain, size_t n, kb_buf *out)
{
    unsigned char nonce[24];
    randombytes_buf(nonce, sizeof nonce);
    size_t len = kb_val_sealed_len(n);
    kb_buf_clear(out);
    kb_buf_reserve(out, len);
    kb_val_seal_to(s, k, table, key, klen, version, nonce, plain, n, NULL, 0,
                   (unsigned char *)out->data);
    out->len = len;
    return 0;
}

uint64_t kb_val_version(const unsigned char *val, size_t vlen)
{
    return vlen >= KB_VAL_HDR ? kb_get_u64be(val + 8) : 0;
}

/* What opening a sealed value found. */
enum kb_val_why { KB_VAL_OK, KB_VAL_BAD_HEADER, KB_VAL_OTHER_EPOCH, KB_VAL_BAD_TAG };

/* Check the header of val and decrypt its ciphertext into out (room for
 * the ciphertext's length plus one; out may be the ciphertext itself,
 * val + KB_VAL_HDR: libsodium checks the tag before it decrypts, and
 * decrypts in place when m == c); the plaintext is NUL-terminated, *n
 * bytes.  On a bad tag or padding out is zeroed. */
static enum kb_val_why kb_val_decrypt(const kb_store *s, const unsigned char *k, const char *table,
                                      const void *key, size_t klen, const unsigned char *val,
                                      size_t vlen, unsigned char *out, size_t *n)
{
    const size_t abytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
    if (vlen < KB_VAL_HDR + abytes || val[0] != 'K' || val[1] != KB_VAL_FORMAT || val[2] != 1)
        return KB_VAL_BAD_HEADER;
    if (kb_get_u32be(val + 4) != s->epoch)
        return KB_VAL_OTHER_EPOCH;
    /* the associated data: on the stack when small (every table's) */
    unsigned char adsmall[KB_UUID_LEN + 64 + 2 + 256 + KB_VAL_HDR];
    size_t need = kb_ad_len(table, klen, val);
    unsigned char *ad = need <= sizeof adsmall ? adsmall : kb_malloc(need);
    size_t al = kb_ad_write(ad, s->uuid, table, key, klen, val);
    const unsigned char *ct = val + KB_VAL_HDR;
    size_t clen = vlen - KB_VAL_HDR - abytes;
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt_detached(out, NULL, ct, clen, ct + clen, ad,
                                                                 al, val + 16, k);
    if (ad != adsmall)
        kb_free(&ad);
    size_t unpadded = 0;
    if (rc != 0 || sodium_unpad(&unpadded, out, clen, KB_PAD_BLOCK) != 0) {
        sodium_memzero(out, clen);
        return KB_VAL_BAD_TAG;
    }
    out[unpadded] = '\0'; /* in place: inside the padding (at least one byte) */
    *n = unpadded;
    return KB_VAL_OK;
}

int kb_val_open(const kb_store *s, const unsigned char *k, const char *table, const void *key,
                size_t klen, const unsigned char *val, size_t vlen, char **plain, size_t *n,
                uint64_t *version, kb_err *e)
{
    const size_t abytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
    unsigned char *pt =
        vlen >= KB_VAL_HDR + abytes ? kb_malloc(vlen - KB_VAL_HDR - abytes + 1) : NULL;
    switch (kb_val_decrypt(s, k, table, key, klen, val, vlen, pt, n)) {
    case KB_VAL_OK:
        break;
    case KB_VAL_BAD_HEADER:
        kb_free(&pt);
        return kb_err_set(e, KB_EDATA, _("damaged record in table %s: bad value header"), table);
    case KB_VAL_OTHER_EPOCH:
        kb_free(&pt);
        return kb_err_damage(e,
                             _("record in table %s is from another key epoch; run 'kernboard "
                               "verify'"),
                             table);
    case KB_VAL_BAD_TAG:
    default:
        kb_free(&pt);
        return kb_err_damage(e,
                             _("record in table %s failed authentication: the board file was "
                               "damaged or tampered with; run 'kernboard verify'"),
                             table);
    }
    *plain = (char *)pt;
    if (version)
        *version = kb_get_u64be(val + 8);
    return KB_OK;
}

bool kb_val_open_here(const kb_store *s, const unsigned char *k, const char *table, const void *key,
                      size_t klen, unsigned char *val, size_t vlen, size_t *n)
{
    return kb_val_decrypt(s, k, table, key, klen, val, vlen, val + KB_VAL_HDR, n) == KB_VAL_OK;
}

void kb_kdf_params_of(enum kb_kdf kdf, kb_kdf_params *p)
{
#ifdef KB_TEST_KDF
    /* the test build (cmake -DKB_TEST_KDF=ON, scripts/test) only: the
     * end-to-end tests make thousands of keyslot unlocks; with
     * KERNBOARD_TEST_KDF=min new keyslots get libsodium's minimum Argon2id
     * cost (still Argon2id, still a wrapped key and an AEAD tag).  Release
     * builds and the package do not contain this. */
    const char *tk = getenv("KERNBOARD_TEST_KDF");
    if (tk && strcmp(tk, "min") == 0) {
        p->opslimit = crypto_pwhash_OPSLIMIT_MIN;
        p->memlimit = crypto_pwhash_MEMLIMIT_MIN;
        return;
    }
#endif
    switch (kdf) {
    case KB_KDF_INTERACTIVE:
        p->opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
        p->memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
        break;
    case KB_KDF_SENSITIVE:
        p->opslimit = crypto_pwhash_OPSLIMIT_SENSITIVE;
        p->memlimit = crypto_pwhash_MEMLIMIT_SENSITIVE;
        break;
    default:
        p->opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
        p->memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
        break;
    }
}

int kb_kdf_parse(const char *s, enum kb_kdf *out, kb_err *e)
{
    if (strcmp(s, "interactive") == 0)
        *out = KB_KDF_INTERACTIVE;
    else if (strcmp(s, "moderate") == 0)
        *out = KB_KDF_MODERATE;
    else if (strcmp(s, "sensitive") == 0)
        *out = KB_KDF_SENSITIVE;
    else
        return kb_err_set(e, KB_EUSAGE,
                          _("unknown --kdf '%s': use interactive, moderate or sensitive"), s);
    return KB_OK;
}

/* key = Argon2id(passphrase, salt = BLAKE2b-128(board_salt || user), params).
 * The salt is per board and user, so one derivation finds the user's slot
 * among all slots without storing the user name in the clear. */
uint64_t kb_kdf_runs_;

bool kb_kdf_params_ok(uint64_t opslimit, uint64_t memlimit)
{
    return opslimit >= crypto_pwhash_OPSLIMIT_MIN && opslimit <= crypto_pwhash_OPSLIMIT_SENSITIVE &&
           memlimit >= crypto_pwhash_MEMLIMIT_MIN && memlimit <= crypto_pwhash_MEMLIMIT_SENSITIVE;
}

int kb_slot_key(const unsigned char board_salt[KB_SALT_LEN], const char *user,
                const kb_secret *pass, const kb_kdf_params *p, unsigned char key[32], kb_err *e)
{
    unsigned char salt[crypto_pwhash_SALTBYTES];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof salt);
    crypto_generichash_update(&st, board_salt, KB_SALT_LEN);
    crypto_generichash_update(&st, (const unsigned char *)user, strlen(user));
    crypto_generichash_final(&st, salt, sizeof salt);
    if (!kb_kdf_params_ok(p->opslimit, p->memlimit))
        return kb_err_set(e, KB_EDATA,
                          _("keyslot asks for Argon2id parameters beyond the 'sensitive' level "
                            "(opslimit %llu, memlimit %llu)"),
                          (unsigned long long)p->opslimit, (unsigned long long)p->memlimit);
    kb_kdf_runs_++;
    kb_secret *ps = (kb_secret *)pass;
    if (crypto_pwhash(key, 32, kb_secret_data(ps), kb_secret_len(pass), salt,
                      (unsigned long long)p->opslimit, (size_t)p->memlimit,
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
        return kb_err_set(e, KB_EIO, _("not enough memory to derive the key from the passphrase"));
    return KB_OK;
}
