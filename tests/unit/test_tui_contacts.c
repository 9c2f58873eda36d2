/* The contacts screen and my work without a terminal (issue 12): golden
 * screens at 80x24 and 120x36 from the in-memory fixture (today
 * 2024-05-15), the keys that open them from the board, the contact moment
 * form opened from the contacts screen and from a case.  Regenerate the
 * goldens after an intended change:
 *
 *     KB_UPDATE_GOLDEN=1 build/test/tests/test_tui_contacts
 */
#include <criterion/criterion.h>

#include "test_tui_fixture.h"

static char *kb_golden_path(const char *name, int w, int h)
{
    char *d = kb_strdup(__FILE__); /* .../tests/unit/test_tui_contacts.c */
    char *s = strrchr(d, '/');
    if (s)
        *s = '\0';
    s = strrchr(d, '/');
    if (s)
        *s = '\0';
    char *out = kb_asprintf("%s/golden/%s_%dx%d.txt", s ? d : ".", name, w, h);
    kb_free(&d);
    return out;
}

static char *kb_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    kb_buf b = KB_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        kb_buf_append(&b, chunk, n);
    fclose(f);
    kb_buf_puts(&b, "");
    return kb_buf_take(&b);
}

static void kb_golden(kb_tui_app *a, const char *name)
{
    kb_grid *g = kb_grid_new(a->w, a->h, a->utf8);
    kb_tui_app_draw(a, g);
    char *dump = kb_grid_dump(g);
    char *path = kb_golden_path(name, a->w, a->h);
    const char *upd = getenv("KB_UPDATE_GOLDEN");
    if (upd && upd[0] && strcmp(upd, "0") != 0) {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f, "cannot write %s", path);
        fputs(dump, f);
        fclose(f);
    } else {
        char *want = kb_slurp(path);
        cr_assert_not_null(want, "missing golden %s\n--- screen:\n%s", path, dump);
        cr_assert_str_eq(dump, want, "screen differs from %s\n--- got:\n%s--- want:\n%s", path,
                         dump, want);
        kb_free(&want);
    }
    kb_free(&path);
    kb_free(&dump);
    kb_grid_free(&g);
}

static const int kb_sizes[][2] = {{80, 24}, {120, 36}};

static kb_user kb_fx_users[2];

/* The fixture plus organisations on some cases and alice in ECO. */
static void kb_cx_app(kb_tui_app *a, int w, int h)
{
    kb_fx_app(a, w, h, true);
    kb_case *v = a->cache.cases.v;
    kb_strv_push(&v[6].orgs, "ROC Midden");
    kb_strv_push(&v[11].orgs, "Café De Hoek");
    kb_strv_push(&v[2].orgs, "Groenbedrijf De Wilg");
    memset(kb_fx_users, 0, sizeof kb_fx_users);
    kb_fx_users[0].name = "alice";
    kb_fx_users[1].name = "bob";
    a->refs.users = kb_fx_users;
    a->refs.nusers = 2;
    kb_tui_app_dirty(a);
}

static void kb_cx_free(kb_tui_app *a)
{
    kb_strv_free(&kb_fx_users[0].depts);
    kb_fx_free(a);
}

static void kb_cx_org(kb_org_vec *v, const char *name, enum kb_org_kind kind, const char *contact,
                      const char *notes)
{
    v->v = kb_reallocarray(v->v, v->n + 1, sizeof *v->v);
    kb_org *o = &v->v[v->n++];
    memset(o, 0, sizeof *o);
    o->name = kb_strdup(name);
    o->kind = kind;
    o->contact = contact ? kb_strdup(contact) : NULL;
    o->notes = notes ? kb_strdup(notes) : NULL;
    o->version = 1;
}

static void kb_cx_contact(kb_contact_vec *v, const char *org, int m, int d, const char *dept,
                          const char *user, const char *purpose)
{
    v->v = kb_reallocarray(v->v, v->n + 1, sizeof *v->v);
    kb_contact *c = &v->v[v->n++];
    memset(c, 0, sizeof *c);
    c->org = kb_strdup(org);
    c->date = kb_date_from_ymd(2024, m, d);
    c->dept = kb_strdup(dept);
    c->user = kb_strdup(user);
    c->purpose = kb_strdup(purpose);
}

static void kb_cx_data(kb_org_vec *orgs, kb_contact_vec *contacts)
{
    memset(orgs, 0, sizeof *orgs);
    memset(contacts, 0, sizeof *contacts);
    kb_cx_org(orgs, "Café De Hoek", KB_ORG_ENTREPRENEUR, "Sem de Hoek",
              "Familiebedrijf sinds 1978; wil twee mensen met een afstand tot de arbeidsmarkt "
              "aannemen.");
    kb_cx_org(orgs, "Ondernemersvereniging Centrum", KB_ORG_PARTNER, "Ria Vos", NULL);
    kb_cx_org(orgs, "ROC Midden", KB_ORG_PARTNER, NULL, NULL);
    kb_cx_org(orgs, "Stichting Schuldhulpmaatje", KB_ORG_FOUNDATION, "Piet Kok", NULL);
    kb_cx_contact(contacts, "Café De Hoek", 5, 2, "ECO", "alice", "Kennismaking: plannen terras");
    kb_cx_contact(contacts, "ROC Midden", 5, 8, "INC", "bob", "Leerwerkbanen techniek");
    kb_cx_contact(contacts, "Café De Hoek", 5, 20, "INC", "bob",
                  "Werkplekken en loonkostensubsidie");
    kb_cx_contact(contacts, "Café De Hoek", 5, 22, "DUU", "carol", "Energiescan keuken");
}

Test(tui_contacts, contacts_screen_golden)
{
    for (size_t i = 0; i < 2; i++) {
        kb_tui_app a;
        kb_cx_app(&a, kb_sizes[i][0], kb_sizes[i][1]);
        kb_org_vec orgs;
        kb_contact_vec contacts;
        kb_cx_data(&orgs, &contacts);
        kb_view_contacts_set(&a, &orgs, &contacts);
        /* names cases use without a record are listed too, by name */
        kb_golden(&a, "contacts");
        kb_cx_free(&a);
    }
}

/* While presenting, a confidential case shows its number and title only
 * here too: the organisation only it names (no record) is not listed, and
 * in an organisation's case list its lead and stage are left out. */
Test(tui_contacts, presenting_hides_a_confidential_case_s_fields)
{
    kb_tui_app a;
    kb_cx_app(&a, 120, 36);
    a.cache.cases.v[2].conf = KB_CONF_CONFIDENTIAL; /* names Groenbedrijf De Wilg */
    a.cache.cases.v[6].conf = KB_CONF_CONFIDENTIAL; /* names ROC Midden (a record) */
    a.presenting = true;
    kb_org_vec orgs;
    kb_contact_vec contacts;
    kb_cx_data(&orgs, &contacts);
    kb_view_contacts_set(&a, &orgs, &contacts);
    kb_grid *g = kb_grid_new(a.w, a.h, a.utf8);
    kb_tui_app_draw(&a, g);
    char *dump = kb_grid_dump(g);
    cr_assert_null(strstr(dump, "Groenbedrijf"), "an organisation of a hidden case:\n%s", dump);
    cr_assert_not_null(strstr(dump, "ROC Midden"), "an organisation with a record stays");
    kb_free(&dump);
    /* ROC Midden: its case #7 by number and title, without INC / Explore */
    for (int k = 0; k < 10; k++) {
        kb_grid_free(&g);
        g = kb_grid_new(a.w, a.h, a.utf8);
        kb_tui_app_draw(&a, g);
        dump = kb_grid_dump(g);
        if (strstr(dump, "#7 ") && strstr(dump, "leerwerkbanen"))
            break;
        kb_free(&dump);
        (void)kb_tui_app_key(&a, 'j', 100 + k);
    }
    cr_assert_not_null(dump, "ROC Midden's cases were never shown");
    cr_assert_null(strstr(dump, "Explore"), "the hidden case's stage is shown:\n%s", dump);
    kb_free(&dump);
    a.presenting = false;
    kb_grid_free(&g);
    g = kb_grid_new(a.w, a.h, a.utf8);
    kb_tui_app_draw(&a, g);
    dump = kb_grid_dump(g);
    cr_assert_not_null(strstr(dump, "Explore"), "not presenting: the stage shows:\n%s", dump);
    kb_free(&dump);
    kb_grid_free(&g);
    kb_cx_free(&a);
}

static void kb_cx_items(kb_action_vec *av)
{
    static const struct {
        uint32_t cs;
        const char *text, *owner;
        int m, d;
        bool done;
    } ai[] = {
        {10, "Aanmeldformulier laten testen door vijf ondernemers", "alice", 0, 0, false},
        {1, "Vergunningscheck terras aanvragen bij VTH", "alice", 5, 10, false},
        {12, "Bel de schuldhulpverlener over de zzp-regeling", "alice", 5, 28, false},
        {1, "Eerste gesprek met de eigenaar", "alice", 5, 6, true},
        {7, "Werkgevers uitnodigen", "bob", 5, 1, false},
        {8, "Microkrediet: voorwaarden op een rij", "alice", 5, 15, false},
    };
    size_t n = sizeof ai / sizeof ai[0];
    memset(av, 0, sizeof *av);
    av->v = kb_calloc(n, sizeof *av->v);
    for (size_t i = 0; i < n; i++) {
        kb_action_item *x = &av->v[i];
        kb_action_item_init(x);
        x->number = (uint32_t)i + 1;
        x->case_number = ai[i].cs;
        x->text = kb_strdup(ai[i].text);
        x->owner = kb_strdup(ai[i].owner);
        x->due = ai[i].m ? kb_date_from_ymd(2024, ai[i].m, ai[i].d) : KB_DATE_NONE;
        x->done = ai[i].done;
    }
    av->n = n;
}

Test(tui_contacts, my_work_golden)
{
    for (size_t i = 0; i < 2; i++) {
        kb_tui_app a;
        kb_cx_app(&a, kb_sizes[i][0], kb_sizes[i][1]);
        kb_strv_push(&kb_fx_users[0].depts, "ECO");
        kb_action_vec av;
        kb_cx_items(&av);
        kb_view_mywork_set(&a, &av);
        kb_golden(&a, "mywork");
        kb_cx_free(&a);
    }
}

Test(tui_contacts, keys_open_the_screens_and_the_form)
{
    kb_tui_app a;
    kb_cx_app(&a, 80, 24);
    /* O and W from the board (no board file: the data of the cache) */
    (void)kb_tui_app_key(&a, 'O', 1);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_contacts));
    (void)kb_tui_app_key(&a, 'a', 2);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_contact_form));
    (void)kb_tui_app_key(&a, KB_KEY_ESC, 3);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_contacts));
    (void)kb_tui_app_key(&a, KB_KEY_ESC, 4);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_board));
    (void)kb_tui_app_key(&a, 'W', 5);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_mywork));
    (void)kb_tui_app_key(&a, KB_KEY_ESC, 6);
    /* C in the case view: the form with the case's first organisation */
    kb_case c;
    kb_case_copy(&c, kb_tui_case(&a, 1));
    kb_view_case_set(&a, &c, NULL, NULL, NULL);
    (void)kb_tui_app_key(&a, 'C', 7);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_contact_form));
    kb_grid *g = kb_grid_new(80, 24, true);
    kb_tui_app_draw(&a, g);
    char *dump = kb_grid_dump(g);
    cr_assert(strstr(dump, "New contact moment (case #1)"), "%s", dump);
    cr_assert(strstr(dump, "Organisation  Café De Hoek"), "%s", dump);
    cr_assert(strstr(dump, "Department    ECO"), "%s", dump); /* the case's lead */
    /* without a board the save says so and keeps the form */
    (void)kb_tui_app_key(&a, KB_KEY_ENTER, 8);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_contact_form));
    kb_tui_app_draw(&a, g);
    kb_free(&dump);
    dump = kb_grid_dump(g);
    cr_assert(strstr(dump, "The board is not open"), "%s", dump);
    kb_free(&dump);
    kb_grid_free(&g);
    kb_cx_free(&a);
}

/* Issue 12: leaving a form with unsaved input asks first; the form opens
 * on its first field, or on the first empty one it needs. */
Test(tui_contacts, contact_form_asks_before_discarding_input)
{
    kb_tui_app a;
    kb_cx_app(&a, 80, 24);
    (void)kb_tui_app_key(&a, 'O', 1);
    (void)kb_tui_app_key(&a, 'a', 2);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_contact_form));
    kb_grid *g = kb_grid_new(80, 24, true);
    kb_tui_app_draw(&a, g);
    char *dump = kb_grid_dump(g);
    /* an organisation is selected, no department: the cursor on Department */
    cr_assert(strstr(dump, "Organisation"), "%s", dump);
    int dy = -1, y = 0;
    for (const char *p = dump; *p && dy < 0; p++) {
        if (strncmp(p, "Department", 10) == 0)
            dy = y;
        else if (*p == '\n')
            y++;
    }
    cr_assert_eq(a.cursor_y, dy, "cursor on row %d, Department on %d\n%s", a.cursor_y, dy, dump);
    kb_free(&dump);
    /* Esc without input closes at once */
    (void)kb_tui_app_key(&a, KB_KEY_ESC, 3);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_contacts));
    (void)kb_tui_app_key(&a, 'a', 4);
    (void)kb_tui_app_key(&a, 'X', 5);
    (void)kb_tui_app_key(&a, 'Y', 6);
    (void)kb_tui_app_key(&a, KB_KEY_ESC, 7);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_contact_form), "Esc threw the input away");
    kb_tui_app_draw(&a, g);
    dump = kb_grid_dump(g);
    cr_assert(strstr(dump, "Discard changes? y/n"), "%s", dump);
    kb_free(&dump);
    /* n keeps the form and the input */
    (void)kb_tui_app_key(&a, 'n', 8);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_contact_form));
    kb_tui_app_draw(&a, g);
    dump = kb_grid_dump(g);
    cr_assert(strstr(dump, "XY") && !strstr(dump, "Discard changes"), "%s", dump);
    kb_free(&dump);
    /* Esc, y discards */
    (void)kb_tui_app_key(&a, KB_KEY_ESC, 9);
    (void)kb_tui_app_key(&a, 'y', 10);
    cr_assert(kb_tui_view_is_top(&a, &kb_tui_view_contacts));
    kb_grid_free(&g);
    kb_cx_free(&a);
}
