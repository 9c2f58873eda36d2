/* Doctor's mount check: /proc/self/mountinfo lines of every form parse
 * (no optional fields as in containers, one, several; escaped mount points;
 * empty sources; very long lines), malformed lines are refused without a
 * crash, the mount that holds the board is the longest mount point (the top
 * one of a stack), and each unsafe NFS/CIFS option is a problem for the
 * check that doctor and the refusal at open share. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernboard/mem.h"
#include "kernboard/store.h"
#include "store/store_internal.h"

/* ------------------------------------------------------------ helpers */

typedef struct kb_findings {
    int ok, warnings, problems;
    char text[2048]; /* every message, one per line */
} kb_findings;

static void kb_collect(void *ctx, enum kb_doctor_level lvl, const char *msg)
{
    kb_findings *f = ctx;
    if (lvl == KB_DOCTOR_PROBLEM)
        f->problems++;
    else if (lvl == KB_DOCTOR_WARNING)
        f->warnings++;
    else
        f->ok++;
    size_t l = strlen(f->text);
    snprintf(f->text + l, sizeof f->text - l, "%s\n", msg);
}

static FILE *kb_mountinfo_file(const char *const *lines, size_t n)
{
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\n", lines[i]);
    rewind(f);
    return f;
}

/* ---------------------------------------------------- the table of lines */

typedef struct kb_mi_case {
    const char *what;
    const char *line;
    const char *mount_point; /* unescaped */
    const char *fstype;
    const char *source; /* unescaped */
    const char *mount_opts;
    const char *super_prefix; /* the super options start with this */
    size_t n_optional;
    int problems;        /* kb_doctor_check_mount */
    int warnings;        /* kb_doctor_check_mount */
    const char *mention; /* in the problem messages (option names stay English) */
} kb_mi_case;

static const kb_mi_case kb_cases[] = {
    {"ext4 root, one optional field (systemd host)",
     "29 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro", "/", "ext4",
     "/dev/nvme0n1p2", "rw,relatime", "rw,errors=remount-ro", 1, 0, 0, NULL},
    {"overlay root in a container, no optional field",
     "1209 1017 0:288 / / rw,relatime - overlay overlay "
     "rw,lowerdir=/var/lib/docker/overlay2/l/4KXQ2J3ZP7:/var/lib/docker/overlay2/l/7OWQ3LMNB2,"
     "upperdir=/var/lib/docker/overlay2/3f1c0d9e/diff,workdir=/var/lib/docker/overlay2/3f1c0d9e/"
     "work,nouserxattr",
     "/", "overlay", "overlay", "rw,relatime", "rw,lowerdir=", 0, 0, 0, NULL},
    {"container bind mount of the host's ext4, no optional field",
     "1230 1209 259:2 /srv/boards /data rw,relatime - ext4 /dev/nvme0n1p2 rw,errors=remount-ro",
     "/data", "ext4", "/dev/nvme0n1p2", "rw,relatime", "rw,errors", 0, 0, 0, NULL},
    {"NFSv4.2 hard, local_lock=none (safe)",
     "436 29 0:53 / /srv/share rw,relatime shared:239 - nfs4 fileserver:/export/teams "
     "rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec="
     "sys,clientaddr=192.168.122.45,local_lock=none,addr=192.168.122.1",
     "/srv/share", "nfs4", "fileserver:/export/teams", "rw,relatime", "rw,vers=4.2,", 1, 0, 0,
     NULL},
    {"NFSv4 in a container (no optional field), safe",
     "812 1209 0:61 / /data/kern rw,relatime - nfs4 10.0.0.5:/vol/kern "
     "rw,vers=4.1,rsize=524288,wsize=524288,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,"
     "clientaddr=10.0.0.9,local_lock=none,addr=10.0.0.5",
     "/data/kern", "nfs4", "10.0.0.5:/vol/kern", "rw,relatime", "rw,vers=4.1", 0, 0, 0, NULL},
    {"NFSv4 local_lock=all in a container",
     "813 1209 0:62 / /data/kern rw,relatime - nfs4 10.0.0.5:/vol/kern "
     "rw,vers=4.1,rsize=524288,wsize=524288,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,"
     "clientaddr=10.0.0.9,local_lock=all,addr=10.0.0.5",
     "/data/kern", "nfs4", "10.0.0.5:/vol/kern", "rw,relatime", "rw,vers=4.1", 0, 1, 0,
     "local_lock=all"},
    {"NFSv4 local_lock=posix (fcntl locks stay local)",
     "814 29 0:63 / /mnt/kern rw,relatime shared:80 - nfs4 srv:/kern "
     "rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec="
     "sys,clientaddr=10.0.0.9,local_lock=posix,addr=10.0.0.5",
     "/mnt/kern", "nfs4", "srv:/kern", "rw,relatime", "rw,vers=4.2", 1, 1, 0, "local_lock=posix"},
    {"NFSv4 local_lock=flock (kernboard takes only fcntl locks: harmless)",
     "815 29 0:64 / /mnt/kern rw,relatime shared:81 - nfs4 srv:/kern "
     "rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec="
     "sys,clientaddr=10.0.0.9,local_lock=flock,addr=10.0.0.5",
     "/mnt/kern", "nfs4", "srv:/kern", "rw,relatime", "rw,vers=4.2", 1, 0, 0, NULL},
    {"NFSv3 nolock (the kernel adds local_lock=all), no optional field",
     "61 1209 0:50 / /mnt/kern rw,relatime - nfs fileserver:/export/kern "
     "rw,vers=3,rsize=1048576,wsize=1048576,namlen=255,hard,nolock,proto=tcp,timeo=600,retrans=2,"
     "sec=sys,mountaddr=192.168.1.10,mountvers=3,mountport=20048,mountproto=udp,local_lock=all,"
     "addr=192.168.1.10",
     "/mnt/kern", "nfs", "fileserver:/export/kern", "rw,relatime", "rw,vers=3,", 0, 2, 1, "nolock"},
    {"NFSv3 with locking (warning only)",
     "62 29 0:51 / /mnt/kern rw,relatime shared:34 - nfs fileserver:/export/kern "
     "rw,vers=3,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,"
     "mountaddr=192.168.1.10,mountvers=3,mountport=20048,mountproto=udp,local_lock=none,addr=192."
     "168.1.10",
     "/mnt/kern", "nfs", "fileserver:/export/kern", "rw,relatime", "rw,vers=3,", 1, 0, 1, NULL},
    {"NFSv4 soft",
     "437 29 0:54 / /srv/share rw,relatime shared:240 - nfs4 fileserver:/export/teams "
     "rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,soft,proto=tcp,timeo=600,retrans=2,sec="
     "sys,clientaddr=192.168.122.45,local_lock=none,addr=192.168.122.1",
     "/srv/share", "nfs4", "fileserver:/export/teams", "rw,relatime", "rw,vers=4.2", 1, 1, 0,
     "soft"},
    {"NFSv4 softerr",
     "438 29 0:55 / /srv/share rw,relatime shared:241 - nfs4 fileserver:/export/teams "
     "rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,softerr,proto=tcp,timeo=600,retrans=2,"
     "sec=sys,clientaddr=192.168.122.45,local_lock=none,addr=192.168.122.1",
     "/srv/share", "nfs4", "fileserver:/export/teams", "rw,relatime", "rw,vers=4.2", 1, 1, 0,
     "soft"},
    {"NFSv4 hard with softreval (not 'soft')",
     "439 29 0:56 / /srv/share rw,relatime shared:242 - nfs4 fileserver:/export/teams "
     "rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,hard,softreval,proto=tcp,timeo=600,"
     "retrans=2,sec=sys,clientaddr=192.168.122.45,local_lock=none,addr=192.168.122.1",
     "/srv/share", "nfs4", "fileserver:/export/teams", "rw,relatime", "rw,vers=4.2", 1, 0, 0, NULL},
    {"NFSv4 with two optional fields (slave of a shared mount)",
     "75 61 0:45 / /mnt/nfs rw,relatime shared:40 master:12 - nfs4 srv:/export "
     "rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec="
     "sys,clientaddr=10.1.1.2,local_lock=none,addr=10.1.1.1",
     "/mnt/nfs", "nfs4", "srv:/export", "rw,relatime", "rw,vers=4.2", 2, 0, 0, NULL},
    {"NFSv4 nolock with master: and propagate_from:",
     "76 61 0:46 / /mnt/nfs rw,relatime master:5 propagate_from:2 - nfs4 srv:/export "
     "rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,hard,nolock,proto=tcp,timeo=600,retrans="
     "2,sec=sys,clientaddr=10.1.1.2,local_lock=all,addr=10.1.1.1",
     "/mnt/nfs", "nfs4", "srv:/export", "rw,relatime", "rw,vers=4.2", 2, 2, 0, "nolock"},
    {"NFSv4 soft on an escaped mount point (\\040)",
     "140 29 0:60 / /mnt/team\\040share rw,relatime shared:70 - nfs4 srv:/export/team\\040share "
     "rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,soft,proto=tcp,timeo=600,retrans=2,sec="
     "sys,clientaddr=10.1.1.2,local_lock=none,addr=10.1.1.1",
     "/mnt/team share", "nfs4", "srv:/export/team share", "rw,relatime", "rw,vers=4.2", 1, 1, 0,
     "soft"},
    {"CIFS cache=strict (safe; CIFS 'soft' is not NFS 'soft')",
     "98 29 0:52 / /mnt/smb rw,relatime shared:50 - cifs //srv/share "
     "rw,vers=3.1.1,cache=strict,username=alice,uid=1000,noforceuid,gid=1000,noforcegid,addr=10.0."
     "0.2,file_mode=0755,dir_mode=0755,soft,nounix,serverino,mapposix,rsize=4194304,wsize=4194304,"
     "bsize=1048576,retrans=1,echo_interval=60,actimeo=1,closetimeo=1",
     "/mnt/smb", "cifs", "//srv/share", "rw,relatime", "rw,vers=3.1.1,cache=strict", 1, 0, 0, NULL},
    {"CIFS nobrl, no optional field",
     "99 1209 0:53 / /mnt/smb rw,relatime - cifs //srv/share "
     "rw,vers=3.1.1,cache=strict,username=alice,uid=1000,noforceuid,gid=1000,noforcegid,addr=10.0."
     "0.2,file_mode=0755,dir_mode=0755,soft,nounix,serverino,mapposix,nobrl,rsize=4194304,wsize="
     "4194304,bsize=1048576,retrans=1,echo_interval=60,actimeo=1,closetimeo=1",
     "/mnt/smb", "cifs", "//srv/share", "rw,relatime", "rw,vers=3.1.1", 0, 1, 0, "nobrl"},
    {"CIFS cache=loose",
     "100 29 0:54 / /mnt/smb rw,relatime shared:51 - cifs //srv/share "
     "rw,vers=3.1.1,cache=loose,username=alice,uid=1000,noforceuid,gid=1000,noforcegid,addr=10.0."
     "0.2,file_mode=0755,dir_mode=0755,soft,nounix,serverino,mapposix,rsize=4194304,wsize=4194304,"
     "bsize=1048576,retrans=1,echo_interval=60,actimeo=1,closetimeo=1",
     "/mnt/smb", "cifs", "//srv/share", "rw,relatime", "rw,vers=3.1.1,cache=loose", 1, 1, 0,
     "cache=loose"},
    {"smb3 nostrictsync on a share name with a space",
     "101 29 0:55 / /mnt/smb rw,relatime shared:52 - smb3 //srv/team\\040share "
     "rw,vers=3.1.1,cache=strict,username=alice,uid=1000,noforceuid,gid=1000,noforcegid,addr=10.0."
     "0.2,file_mode=0755,dir_mode=0755,soft,nounix,serverino,mapposix,nostrictsync,rsize=4194304,"
     "wsize=4194304,bsize=1048576,retrans=1,echo_interval=60,actimeo=1,closetimeo=1",
     "/mnt/smb", "smb3", "//srv/team share", "rw,relatime", "rw,vers=3.1.1", 1, 1, 0,
     "nostrictsync"},
    {"CIFS user name with an escaped comma is not an option",
     "102 29 0:56 / /mnt/smb rw,relatime shared:53 - cifs //srv/share "
     "rw,vers=3.1.1,cache=strict,username=x\\054nobrl,uid=1000,noforceuid,gid=1000,noforcegid,addr="
     "10.0.0.2,file_mode=0755,dir_mode=0755,soft,nounix,serverino,mapposix,rsize=4194304,wsize="
     "4194304,bsize=1048576,retrans=1,echo_interval=60,actimeo=1,closetimeo=1",
     "/mnt/smb", "cifs", "//srv/share", "rw,relatime", "rw,vers=3.1.1", 1, 0, 0, NULL},
    {"FUSE bindfs",
     "120 29 0:57 / /home/anna/share rw,nosuid,nodev,relatime shared:60 - fuse.bindfs bindfs "
     "rw,user_id=1000,group_id=1000,default_permissions",
     "/home/anna/share", "fuse.bindfs", "bindfs", "rw,nosuid,nodev,relatime", "rw,user_id=1000", 1,
     0, 0, NULL},
    {"tmpfs", "24 23 0:22 / /dev/shm rw,nosuid,nodev shared:4 - tmpfs tmpfs rw,inode64", "/dev/shm",
     "tmpfs", "tmpfs", "rw,nosuid,nodev", "rw,inode64", 1, 0, 0, NULL},
    {"tmpfs with an empty source",
     "80 29 0:60 / /mnt/scratch rw,relatime - tmpfs  rw,size=1024k,inode64", "/mnt/scratch",
     "tmpfs", "", "rw,relatime", "rw,size=1024k", 0, 0, 0, NULL},
    {"nsfs: the root field is not a path",
     "600 28 0:4 net:[4026532553] /run/netns/blue rw shared:190 - nsfs nsfs rw", "/run/netns/blue",
     "nsfs", "nsfs", "rw", "rw", 1, 0, 0, NULL},
    {"unbindable", "650 29 0:70 / /mnt/private rw,relatime unbindable - ext4 /dev/sdb1 rw",
     "/mnt/private", "ext4", "/dev/sdb1", "rw,relatime", "rw", 1, 0, 0, NULL},
    {"tab, newline and backslash escapes",
     "651 29 0:71 / /mnt/a\\011b\\012c\\134d rw,relatime shared:9 - ext4 /dev/sdc1 rw",
     "/mnt/a\tb\nc\\d", "ext4", "/dev/sdc1", "rw,relatime", "rw", 1, 0, 0, NULL},
    {"no escape: a lone backslash, \\000 and \\400 stay as they are",
     "652 29 0:72 / /mnt/x\\y\\000\\400\\04 rw - ext4 /dev/sdd1 rw", "/mnt/x\\y\\000\\400\\04",
     "ext4", "/dev/sdd1", "rw", "rw", 0, 0, 0, NULL},
};

Test(doctor, parses_every_form_of_mountinfo_line)
{
    for (size_t i = 0; i < sizeof kb_cases / sizeof kb_cases[0]; i++) {
        const kb_mi_case *c = &kb_cases[i];
        kb_mountinfo m;
        int rc = kb_doctor_parse_mountinfo_line(c->line, &m);
        cr_assert_eq(rc, KB_OK, "%s: not parsed", c->what);
        cr_expect_str_eq(m.mount_point, c->mount_point, "%s: mount point", c->what);
        cr_expect_str_eq(m.fstype, c->fstype, "%s: type", c->what);
        cr_expect_str_eq(m.source, c->source, "%s: source", c->what);
        cr_expect_str_eq(m.mount_opts, c->mount_opts, "%s: mount options", c->what);
        cr_expect_eq(strncmp(m.super_opts, c->super_prefix, strlen(c->super_prefix)), 0,
                     "%s: super options '%s'", c->what, m.super_opts);
        cr_expect_eq(m.n_optional, c->n_optional, "%s: %zu optional fields", c->what, m.n_optional);
        kb_mountinfo_free(&m);

        /* a trailing newline (as getline returns it) changes nothing */
        char *nl = kb_asprintf("%s\n", c->line);
        cr_expect_eq(kb_doctor_parse_mountinfo_line(nl, &m), KB_OK, "%s: with newline", c->what);
        if (m.buf)
            cr_expect_str_eq(m.mount_point, c->mount_point);
        kb_mountinfo_free(&m);
        kb_free(&nl);
    }
}

Test(doctor, parses_the_numeric_fields)
{
    kb_mountinfo m;
    cr_assert_eq(kb_doctor_parse_mountinfo_line(
                     "436 29 0:53 / /srv/share rw,relatime shared:239 - nfs4 srv:/x rw", &m),
                 KB_OK);
    cr_expect_eq(m.id, 436);
    cr_expect_eq(m.parent, 29);
    cr_expect_eq(m.major, 0);
    cr_expect_eq(m.minor, 53);
    cr_expect_str_eq(m.root, "/");
    kb_mountinfo_free(&m);
    cr_assert_eq(kb_doctor_parse_mountinfo_line(
                     "1230 1209 259:2 /srv/with\\040space /data rw - ext4 /dev/x rw", &m),
                 KB_OK);
    cr_expect_eq(m.major, 259);
    cr_expect_eq(m.minor, 2);
    cr_expect_str_eq(m.root, "/srv/with space");
    kb_mountinfo_free(&m);
}

Test(doctor, every_unsafe_option_is_a_problem_and_the_safe_ones_are_not)
{
    for (size_t i = 0; i < sizeof kb_cases / sizeof kb_cases[0]; i++) {
        const kb_mi_case *c = &kb_cases[i];
        kb_mountinfo m;
        cr_assert_eq(kb_doctor_parse_mountinfo_line(c->line, &m), KB_OK, "%s", c->what);
        kb_findings f = {0};
        int problems = kb_doctor_check_mount(&m, kb_collect, &f);
        cr_expect_eq(problems, c->problems, "%s: %d problems:\n%s", c->what, problems, f.text);
        cr_expect_eq(f.problems, c->problems, "%s", c->what);
        cr_expect_eq(f.warnings, c->warnings, "%s: warnings:\n%s", c->what, f.text);
        if (c->mention)
            cr_expect_not_null(strstr(f.text, c->mention), "%s: '%s' not named in:\n%s", c->what,
                               c->mention, f.text);
        kb_mountinfo_free(&m);
    }
}

Test(doctor, per_mount_options_are_checked_too)
{
    /* An option list in field 6 counts as much as the super options. */
    kb_mountinfo m;
    cr_assert_eq(
        kb_doctor_parse_mountinfo_line(
            "70 29 0:40 / /mnt/k rw,nolock - nfs4 srv:/k rw,vers=4.2,hard,local_lock=none", &m),
        KB_OK);
    kb_findings f = {0};
    cr_expect_eq(kb_doctor_check_mount(&m, kb_collect, &f), 1, "%s", f.text);
    kb_mountinfo_free(&m);
    /* the same option in both lists is one finding */
    cr_assert_eq(kb_doctor_parse_mountinfo_line(
                     "71 29 0:41 / /mnt/k rw,nolock - nfs srv:/k rw,vers=4.0,nolock,hard", &m),
                 KB_OK);
    kb_findings g = {0};
    cr_expect_eq(kb_doctor_check_mount(&m, kb_collect, &g), 1, "%s", g.text);
    kb_mountinfo_free(&m);
}

static const char *const kb_malformed[] = {
    "",
    "\n",
    " ",
    "garbage",
    "29 1 259:2 / / rw,relatime",                           /* no separator, nothing after */
    "29 1 259:2 / / rw,relatime shared:1",                  /* no separator */
    "29 1 259:2 / / rw,relatime shared:1 ext4 /dev/sda rw", /* no separator */
    "29 1 259:2 / / rw,relatime -",                         /* nothing after the separator */
    "29 1 259:2 / / rw,relatime - ",
    "29 1 259:2 / / rw,relatime - ext4",
    "29 1 259:2 / / rw,relatime - ext4 /dev/sda1",  /* no super options */
    "29 1 259:2 / / rw,relatime - ext4 /dev/sda1 ", /* empty super options */
    "29 1 259:2 / / rw,relatime -  /dev/sda1 rw",   /* empty type */
    "29 1 259:2 / / - ext4 /dev/sda1 rw",           /* a field short: "-" taken as options */
    "1 259:2 / / rw - ext4 /dev/sda1 rw",
    "x 1 259:2 / / rw - ext4 /dev/sda1 rw", /* id not a number */
    "-1 1 259:2 / / rw - ext4 /dev/sda1 rw",
    "29 1x 259:2 / / rw - ext4 /dev/sda1 rw",
    "29 1 2592 / / rw - ext4 /dev/sda1 rw", /* no colon in MAJ:MIN */
    "29 1 259: / / rw - ext4 /dev/sda1 rw",
    "29 1 :2 / / rw - ext4 /dev/sda1 rw",
    "29 1 259:2:1 / / rw - ext4 /dev/sda1 rw",
    "99999999999999999999999 1 259:2 / / rw - ext4 /dev/sda1 rw", /* overflow */
    "29 1 259:2 / mnt rw - ext4 /dev/sda1 rw",                    /* relative mount point */
    "29 1 259:2 / \\040/mnt rw - ext4 /dev/sda1 rw",
    "29  1 259:2 / / rw - ext4 /dev/sda1 rw", /* empty field */
    "29 1 259:2 / / rw shared:1  - ext4 /dev/sda1 rw",
    " 29 1 259:2 / / rw - ext4 /dev/sda1 rw",
    "29 1 259:2 / / rw - ext4 /dev/sda1 rw\n30 1 259:3 / /b rw - ext4 /dev/sdb1 rw", /* 2 lines */
    "29 1 259:2 / / rw - ext4 /dev/sda1 rw\n\n",
};

Test(doctor, refuses_malformed_lines)
{
    for (size_t i = 0; i < sizeof kb_malformed / sizeof kb_malformed[0]; i++) {
        kb_mountinfo m;
        memset(&m, 0x5a, sizeof m);
        int rc = kb_doctor_parse_mountinfo_line(kb_malformed[i], &m);
        cr_expect_eq(rc, KB_EDATA, "accepted: '%s'", kb_malformed[i]);
        cr_expect_null(m.buf, "'%s': out not emptied", kb_malformed[i]);
        cr_expect_null(m.mount_point);
        kb_mountinfo_free(&m);
    }
    kb_mountinfo m;
    cr_expect_eq(kb_doctor_parse_mountinfo_line(NULL, &m), KB_EDATA);
    kb_mountinfo_free(NULL);
}

/* ------------------------------------------------------- very long lines */

static char *kb_long_overlay_line(size_t layers, const char *mount_point)
{
    size_t cap = layers * 64 + 4096;
    char *s = kb_malloc(cap);
    size_t n = (size_t)snprintf(
        s, cap, "1209 1017 0:288 / %s rw,relatime - overlay overlay rw,lowerdir=", mount_point);
    for (size_t i = 0; i < layers; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s/var/lib/docker/overlay2/l/L%026zu", i ? ":" : "",
                              i);
    snprintf(s + n, cap - n, ",upperdir=/var/lib/docker/overlay2/u/diff,workdir=/w,nolock");
    return s;
}

Test(doctor, very_long_lines)
{
    /* 500 image layers: ~25 kB of super options, far past the old 4 kB line buffer */
    char *line = kb_long_overlay_line(500, "/");
    cr_assert_gt(strlen(line), 20000);
    kb_mountinfo m;
    cr_assert_eq(kb_doctor_parse_mountinfo_line(line, &m), KB_OK);
    cr_expect_str_eq(m.fstype, "overlay");
    cr_expect_str_eq(m.mount_point, "/");
    cr_expect_not_null(strstr(m.super_opts, ",workdir=/w,nolock"));
    kb_mountinfo_free(&m);

    /* a mount point longer than PATH_MAX once escaped (every byte a space) */
    size_t dl = 3000;
    char *mp = kb_malloc(dl * 4 + 8), *want = kb_malloc(dl + 8);
    memcpy(mp, "/m", 2);
    memcpy(want, "/m", 2);
    for (size_t i = 0; i < dl; i++) {
        memcpy(mp + 2 + 4 * i, "\\040", 4);
        want[2 + i] = ' ';
    }
    mp[2 + 4 * dl] = '\0';
    want[2 + dl] = '\0';
    char *l2 = kb_asprintf("900 29 0:90 / %s rw shared:3 - nfs4 s:/x rw,vers=4.2,soft", mp);
    cr_assert_eq(kb_doctor_parse_mountinfo_line(l2, &m), KB_OK);
    cr_expect_str_eq(m.mount_point, want);
    kb_findings f = {0};
    cr_expect_eq(kb_doctor_check_mount(&m, kb_collect, &f), 1);
    kb_mountinfo_free(&m);

    /* and through the file reader, where the old code split such lines */
    const char *lines[] = {"26 1 254:0 / / rw,relatime - ext4 /dev/vda rw", line, l2,
                           "27 26 0:24 / /mnt/other ro - tmpfs tmpfs ro"};
    FILE *fp = kb_mountinfo_file(lines, 4);
    size_t bad = 99;
    char *board = kb_asprintf("%s/board.kb", want);
    cr_assert_eq(kb_doctor_find_mount(fp, board, &m, &bad), 1);
    cr_expect_eq(bad, 0);
    cr_expect_str_eq(m.fstype, "nfs4");
    kb_mountinfo_free(&m);
    fclose(fp);
    kb_free(&board);
    kb_free(&l2);
    kb_free(&mp);
    kb_free(&want);
    kb_free(&line);
}

/* ----------------------------------------------------- the longest mount */

Test(doctor, finds_the_longest_mount_point)
{
    const char *lines[] = {
        "1209 1017 0:288 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w",
        "1230 1209 259:2 /srv /srv rw,relatime - ext4 /dev/nvme0n1p2 rw",
        "1231 1230 0:61 / /srv/share rw,relatime - nfs4 f:/share "
        "rw,vers=4.2,hard,nolock,local_lock=all",
        "1232 1230 0:62 / /srv/shared rw,relatime - nfs4 f:/shared "
        "rw,vers=4.2,hard,local_lock=none",
        "1233 1231 0:63 / /srv/share/sub\\040dir rw - cifs //s/sub rw,cache=strict",
        "this line is not mountinfo",
        "1234 1209 0:64 / /srv/share/board.kb rw - fuse.bindfs bindfs rw", /* a bind-mounted file */
    };
    struct {
        const char *path, *mount_point;
    } want[] = {
        {"/srv/share/x.kb", "/srv/share"},
        {"/srv/share", "/srv/share"},
        {"/srv/share/a/b/c.kb", "/srv/share"},
        {"/srv/shared/x.kb", "/srv/shared"},
        {"/srv/sharex/x.kb", "/srv"},
        {"/srv/share/sub dir/x.kb", "/srv/share/sub dir"},
        {"/srv/share/sub/x.kb", "/srv/share"},
        {"/srv/share/board.kb", "/srv/share/board.kb"},
        {"/srv/share/board.kb.lock", "/srv/share"},
        {"/srv", "/srv"},
        {"/sr", "/"},
        {"/", "/"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        FILE *f = kb_mountinfo_file(lines, sizeof lines / sizeof lines[0]);
        kb_mountinfo m;
        size_t bad = 0;
        cr_assert_eq(kb_doctor_find_mount(f, want[i].path, &m, &bad), 1, "%s", want[i].path);
        cr_expect_str_eq(m.mount_point, want[i].mount_point, "%s", want[i].path);
        cr_expect_eq(bad, 1);
        kb_mountinfo_free(&m);
        fclose(f);
    }
    /* nothing holds a relative path; an empty file holds nothing */
    FILE *f = kb_mountinfo_file(lines, sizeof lines / sizeof lines[0]);
    kb_mountinfo m;
    cr_expect_eq(kb_doctor_find_mount(f, "srv/share", &m, NULL), 0);
    cr_expect_null(m.buf);
    fclose(f);
    f = kb_mountinfo_file(lines, 0);
    cr_expect_eq(kb_doctor_find_mount(f, "/srv", &m, NULL), 0);
    fclose(f);
}

Test(doctor, of_stacked_mounts_the_top_one_counts)
{
    /* an unsafe NFS mount covered by a safe one, and the other way round,
     * in both orders of the lines */
    const char *under_nolock = "100 26 0:70 / /mnt/x rw - nfs4 a:/x rw,vers=4.2,hard,nolock";
    const char *over_safe = "101 100 0:71 / /mnt/x rw - nfs4 b:/x rw,vers=4.2,hard,local_lock=none";
    const char *under_safe = "102 26 0:72 / /mnt/y rw - nfs4 a:/y rw,vers=4.2,hard,local_lock=none";
    const char *over_nolock = "103 102 0:73 / /mnt/y rw - nfs4 b:/y rw,vers=4.2,hard,nolock";
    const char *root = "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw";
    const char *orders[4][3] = {{root, under_nolock, over_safe},
                                {root, over_safe, under_nolock},
                                {root, under_safe, over_nolock},
                                {root, over_nolock, under_safe}};
    const char *path[4] = {"/mnt/x/b.kb", "/mnt/x/b.kb", "/mnt/y/b.kb", "/mnt/y/b.kb"};
    const char *source[4] = {"b:/x", "b:/x", "b:/y", "b:/y"};
    int problems[4] = {0, 0, 1, 1};
    for (size_t i = 0; i < 4; i++) {
        FILE *f = kb_mountinfo_file(orders[i], 3);
        kb_mountinfo m;
        cr_assert_eq(kb_doctor_find_mount(f, path[i], &m, NULL), 1);
        cr_expect_str_eq(m.source, source[i], "order %zu", i);
        kb_findings fi = {0};
        cr_expect_eq(kb_doctor_check_mount(&m, kb_collect, &fi), problems[i], "order %zu", i);
        kb_mountinfo_free(&m);
        fclose(f);
    }
}

Test(doctor, lines_with_a_nul_byte_are_skipped)
{
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    const char a[] = "26 1 254:0 / / rw - ext4 /dev/vda rw\n";
    /* the NUL would hide ",nolock" from a C-string parser: the line is refused */
    const char b[] = "40 26 0:5 / /mnt/n rw - nfs4 s:/n rw,hard\0,nolock\n";
    fwrite(a, 1, sizeof a - 1, f);
    fwrite(b, 1, sizeof b - 1, f);
    rewind(f);
    kb_mountinfo m;
    size_t bad = 0;
    cr_assert_eq(kb_doctor_find_mount(f, "/mnt/n/b.kb", &m, &bad), 1);
    cr_expect_eq(bad, 1);
    cr_expect_str_eq(m.mount_point, "/");
    kb_mountinfo_free(&m);
    fclose(f);
}

/* ------------------------------------ the refusal at open and at init */

static char kb_dir[PATH_MAX];

static void kb_setup(void)
{
    const char *base = getenv("KB_TEST_TMP");
    char tmpl[300];
    if (base) {
        mkdir(base, 0700);
        snprintf(tmpl, sizeof tmpl, "%s/doctorXXXXXX", base);
    } else {
        snprintf(tmpl, sizeof tmpl, "/tmp/kbdoctorXXXXXX");
    }
    cr_assert_not_null(mkdtemp(tmpl));
    cr_assert_not_null(realpath(tmpl, kb_dir));
}

static void kb_teardown(void)
{
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", kb_dir);
    if (system(cmd) != 0)
        cr_log_warn("cleanup failed");
}

/* "/a b\c" as mountinfo writes it */
static char *kb_escape(const char *s)
{
    char *o = kb_malloc(strlen(s) * 4 + 1), *p = o;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
            p += sprintf(p, "\\%03o", (unsigned)(unsigned char)*s);
        else
            *p++ = *s;
    }
    *p = '\0';
    return o;
}

static int kb_check_with(const char *board, const char *mount_point, const char *fs_and_opts,
                         kb_err *e)
{
    char *esc = kb_escape(mount_point);
    char *l = kb_asprintf("2000 26 0:99 / %s rw,relatime - %s", esc, fs_and_opts);
    const char *lines[] = {"26 1 254:0 / / rw,relatime - ext4 /dev/vda rw", l};
    FILE *f = kb_mountinfo_file(lines, 2);
    int rc = kb_store_location_check_in(board, f, e);
    fclose(f);
    kb_free(&l);
    kb_free(&esc);
    return rc;
}

Test(doctor, open_refuses_each_unsafe_mount_without_optional_fields, .init = kb_setup,
     .fini = kb_teardown)
{
    char share[PATH_MAX + 16], board[PATH_MAX + 32];
    snprintf(share, sizeof share, "%s/team share", kb_dir);
    cr_assert_eq(mkdir(share, 0700), 0);
    snprintf(board, sizeof board, "%s/board.kb", share);
    /* the board need not exist yet: init runs the same check */
    static const struct {
        const char *fs_and_opts;
        const char *mention; /* NULL: accepted */
    } rows[] = {
        {"nfs4 srv:/x rw,vers=4.2,hard,proto=tcp,local_lock=none,addr=10.0.0.1", NULL},
        {"nfs4 srv:/x rw,vers=4.2,hard,proto=tcp,local_lock=flock,addr=10.0.0.1", NULL},
        {"nfs srv:/x rw,vers=3,hard,nolock,proto=tcp,local_lock=all,addr=10.0.0.1", "nolock"},
        {"nfs4 srv:/x rw,vers=4.2,hard,proto=tcp,local_lock=all,addr=10.0.0.1", "local_lock=all"},
        {"nfs4 srv:/x rw,vers=4.2,hard,proto=tcp,local_lock=posix,addr=10.0.0.1",
         "local_lock=posix"},
        {"nfs4 srv:/x rw,vers=4.2,soft,proto=tcp,local_lock=none,addr=10.0.0.1", "soft"},
        {"cifs //srv/share rw,vers=3.1.1,cache=strict,soft,nounix,serverino", NULL},
        {"cifs //srv/share rw,vers=3.1.1,cache=strict,soft,nounix,serverino,nobrl", "nobrl"},
        {"cifs //srv/share rw,vers=3.1.1,cache=loose,soft,nounix,serverino", "cache=loose"},
        {"fuse.bindfs bindfs rw,user_id=1000,group_id=1000", NULL},
        {"tmpfs tmpfs rw,inode64", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        kb_err e = {0};
        int rc = kb_check_with(board, share, rows[i].fs_and_opts, &e);
        if (!rows[i].mention) {
            cr_expect_eq(rc, KB_OK, "%s: %s", rows[i].fs_and_opts, e.msg);
        } else {
            cr_expect_eq(rc, KB_EIO, "%s: not refused", rows[i].fs_and_opts);
            cr_expect_not_null(strstr(e.msg, rows[i].mention), "%s: %s", rows[i].fs_and_opts,
                               e.msg);
        }
    }
    /* an existing board, and the unsafe mount one level up */
    FILE *b = fopen(board, "w");
    cr_assert_not_null(b);
    fclose(b);
    kb_err e = {0};
    cr_expect_eq(kb_check_with(board, kb_dir, "nfs4 s:/x rw,vers=4.2,hard,nolock", &e), KB_EIO);
    cr_expect_not_null(strstr(e.msg, "nolock"), "%s", e.msg);
    /* a relative path resolves the same way */
    char cwd[PATH_MAX];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(chdir(share), 0);
    cr_expect_eq(kb_check_with("board.kb", share, "cifs //s/x rw,nobrl", &e), KB_EIO);
    cr_expect_eq(kb_check_with("new.kb", share, "cifs //s/x rw,nobrl", &e), KB_EIO);
    cr_expect_eq(kb_check_with("new.kb", share, "cifs //s/x rw,cache=strict", &e), KB_OK);
    cr_assert_eq(chdir(cwd), 0);
    /* a directory that does not exist: nothing to check (init/open say so) */
    char missing[PATH_MAX + 32];
    snprintf(missing, sizeof missing, "%s/no/such/board.kb", kb_dir);
    cr_expect_eq(kb_check_with(missing, kb_dir, "nfs4 s:/x rw,nolock", &e), KB_OK);
}

Test(doctor, this_hosts_mountinfo_holds_the_test_directory, .init = kb_setup, .fini = kb_teardown)
{
    /* Whatever form this host's lines take (containers have no optional
     * fields), the mount of a real directory is found. */
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (!f)
        cr_skip_test("no /proc/self/mountinfo");
    kb_mountinfo m;
    size_t bad = 99;
    cr_assert_eq(kb_doctor_find_mount(f, kb_dir, &m, &bad), 1, "no mount holds %s", kb_dir);
    cr_expect_eq(bad, 0, "%zu lines of this host's mountinfo did not parse", bad);
    cr_expect_eq(m.mount_point[0], '/');
    kb_mountinfo_free(&m);
    fclose(f);
    kb_err e = {0};
    char board[PATH_MAX + 16];
    snprintf(board, sizeof board, "%s/board.kb", kb_dir);
    cr_expect_eq(kb_store_location_check(board, &e), KB_OK, "%s", e.msg);
}

/* ------------------------------------------------------------ fuzz-ish */

static uint64_t kb_rng = 0x9e3779b97f4a7c15u;

static uint64_t kb_rand(void)
{
    kb_rng ^= kb_rng << 13;
    kb_rng ^= kb_rng >> 7;
    kb_rng ^= kb_rng << 17;
    return kb_rng;
}

static size_t kb_below(size_t n)
{
    return n ? (size_t)(kb_rand() % n) : 0;
}

static const char kb_alphabet[] = " -\\0123478:/,=abcdfglnorstx\t\n\xff";

/* Mutate s (NUL-terminated, capacity cap) in place. */
static void kb_mutate(char *s, size_t cap)
{
    size_t n = strlen(s);
    int rounds = 1 + (int)kb_below(6);
    for (int r = 0; r < rounds; r++) {
        switch (kb_below(7)) {
        case 0: /* replace a byte */
            if (n)
                s[kb_below(n)] = kb_alphabet[kb_below(sizeof kb_alphabet - 1)];
            break;
        case 1: /* insert a byte */
            if (n + 1 < cap) {
                size_t at = kb_below(n + 1);
                memmove(s + at + 1, s + at, n - at + 1);
                s[at] = kb_alphabet[kb_below(sizeof kb_alphabet - 1)];
                n++;
            }
            break;
        case 2: /* delete a byte */
            if (n) {
                size_t at = kb_below(n);
                memmove(s + at, s + at + 1, n - at);
                n--;
            }
            break;
        case 3: /* truncate */
            n = kb_below(n + 1);
            s[n] = '\0';
            break;
        case 4: /* a separator or an escape somewhere */
        case 5: {
            const char *ins = kb_below(2) ? " - " : (kb_below(2) ? "\\" : "\\04");
            size_t il = strlen(ins);
            if (n + il < cap) {
                size_t at = kb_below(n + 1);
                memmove(s + at + il, s + at, n - at + 1);
                memcpy(s + at, ins, il);
                n += il;
            }
            break;
        }
        default: /* duplicate a stretch */
            if (n) {
                size_t from = kb_below(n), len = 1 + kb_below(n - from);
                if (n + len < cap) {
                    size_t at = kb_below(n + 1);
                    memmove(s + at + len, s + at, n - at + 1);
                    memmove(s + at, s + (from < at ? from : from + len), len);
                    n += len;
                }
            }
            break;
        }
    }
}

static void kb_ignore(void *ctx, enum kb_doctor_level lvl, const char *msg)
{
    (void)ctx;
    (void)lvl;
    cr_assert_not_null(msg);
}

/* A parsed line: every field there, none longer than the line (len). */
static void kb_check_parsed(const char *line, size_t len, const kb_mountinfo *m)
{
    cr_assert_not_null(m->buf);
    const char *f[] = {m->root, m->mount_point, m->mount_opts, m->fstype, m->source, m->super_opts};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        cr_assert_not_null(f[i]);
        cr_assert_leq(strlen(f[i]), len);
    }
    cr_assert_eq(m->mount_point[0], '/', "'%s'", line);
    cr_assert_neq(m->fstype[0], '\0');
    cr_assert_neq(m->super_opts[0], '\0');
    cr_assert_null(strchr(m->super_opts, ' '));
    (void)kb_doctor_check_mount(m, kb_ignore, NULL);
}

Test(doctor, random_and_mutated_lines_do_not_crash)
{
    enum { ROUNDS = 6000, CAP = 1024 };
    size_t ncases = sizeof kb_cases / sizeof kb_cases[0];
    size_t parsed = 0;
    FILE *all = tmpfile();
    cr_assert_not_null(all);
    for (int i = 0; i < ROUNDS; i++) {
        /* allocated to the exact length, so ASan sees any read past the end */
        char tmp[CAP];
        if (i % 5 == 4) { /* random bytes */
            size_t n = kb_below(200);
            for (size_t k = 0; k < n; k++)
                tmp[k] = (char)(1 + kb_below(255));
            tmp[n] = '\0';
        } else {
            const char *seed = kb_cases[kb_below(ncases)].line;
            snprintf(tmp, sizeof tmp, "%s", seed);
            kb_mutate(tmp, sizeof tmp);
        }
        char *line = kb_strdup(tmp);
        kb_mountinfo m;
        if (kb_doctor_parse_mountinfo_line(line, &m) == KB_OK) {
            parsed++;
            kb_check_parsed(line, strlen(line), &m);
        } else {
            cr_assert_null(m.buf);
        }
        kb_mountinfo_free(&m);
        fwrite(line, 1, strlen(line), all);
        fputc(kb_below(50) ? '\n' : '\0', all);
        kb_free(&line);
    }
    /* most mutations keep a line parseable, some do not */
    cr_expect_gt(parsed, ROUNDS / 10);
    cr_expect_lt(parsed, ROUNDS);
    /* the same lines (and some NULs) through the file reader */
    rewind(all);
    kb_mountinfo m;
    size_t bad = 0;
    int found = kb_doctor_find_mount(all, "/srv/share/board.kb", &m, &bad);
    cr_expect_gt(bad, 0);
    if (found)
        kb_check_parsed(m.mount_point, SIZE_MAX, &m);
    kb_mountinfo_free(&m);
    fclose(all);
}

/* ------------------------------------ clock skew against the file server */

/* The probe measures the server's time (the mtime of a flushed new file)
 * against this host's; offset_s simulates a host whose clock is off. */
Test(doctor, clock_probe_measures_skew_against_the_file_server, .init = kb_setup,
     .fini = kb_teardown)
{
    kb_err e;
    long skew = 99999;
    cr_assert_eq(kb_doctor_clock_probe(kb_dir, 0, &skew, &e), KB_OK, "%s", e.msg);
    cr_expect(skew >= -2 && skew <= 2, "same clock: skew %ld", skew);
    /* a host 2 h ahead sees the server 2 h behind */
    cr_assert_eq(kb_doctor_clock_probe(kb_dir, 7200, &skew, &e), KB_OK, "%s", e.msg);
    cr_expect(skew >= -7202 && skew <= -7198, "2 h ahead: skew %ld", skew);
    cr_expect(skew < -KB_DOCTOR_SKEW_MAX, "beyond the warning limit");
    cr_assert_eq(kb_doctor_clock_probe(kb_dir, -90, &skew, &e), KB_OK, "%s", e.msg);
    cr_expect(skew >= 88 && skew <= 92, "90 s behind: skew %ld", skew);
    /* the probe file is gone, and a directory without write access is an error */
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -q kernboard-clock", kb_dir);
    cr_expect_neq(system(cmd), 0, "probe file removed");
    char missing[PATH_MAX + 16];
    snprintf(missing, sizeof missing, "%s/nope", kb_dir);
    cr_expect_eq(kb_doctor_clock_probe(missing, 0, &skew, &e), KB_EIO);
}
