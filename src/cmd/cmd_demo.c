/*
 * cli_demo.c - `kernboard demo BOARD`: a demo board with realistic cases of a
 * Dutch municipal kernteam (used by scripts/demo).
 *
 * The board is built through the core API only, as the people on it would:
 * the broker ("makelaar", the board's admin) sets up departments, stages and
 * action lines in Dutch, adds the team, enters the cases (walking each one
 * through the stages, so the timelines show the moves), records the
 * decisions of the last kernteam meeting as timeline comments with their
 * action items; then each member opens the board and adds their own
 * comments and follow-ups.  The data is fixed; only dates are relative to
 * today.  Every user has the same demo passphrase, which is printed and
 * written next to the board as demo-passphrase.txt (mode 0600).
 *
 * The history is written as it happened over the past months: the demo
 * sets the board's clock (kb_board_opts.clock) to each moment before the
 * step that happened then, so cases come in and enter their stages on
 * their own days (some longer than their stage's norm: stuck), the
 * meeting's decisions and action items carry the meeting's date and the
 * follow-ups come after it.  Cases are created in number order (each on
 * its own day); every later step runs in time order.  The times are fixed
 * relative to today: two demos made on one day agree.
 *
 * If anything fails, the half-made board (BOARD and BOARD.lock) is removed.
 *
 * The past meeting is a meeting record (attendees, agenda, Markdown
 * minutes); its decisions are decision records on the cases (which also
 * show in their timelines), followed by the action items decided there.
 */
#include "cmd_internal.h"
#include "kernboard/buf.h"
#include "kernboard/i18n.h"
#include "kernboard/mem.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEMO_PASSPHRASE "kernteam-demo"
#define DEMO_PASSFILE "demo-passphrase.txt"
#define DEMO_ADMIN "makelaar"

/* ------------------------------------------------------------ the data */

typedef struct demo_user {
    const char *name;
    enum kb_role role;
    const char *depts; /* comma-separated codes */
} demo_user;

static const demo_user demo_users[] = {
    {"jan.devries", KB_ROLE_MEMBER, "ECO"},      {"fatima.elamrani", KB_ROLE_MEMBER, "INC"},
    {"pieter.bakker", KB_ROLE_MEMBER, "VTH"},    {"sanne.jansen", KB_ROLE_MEMBER, "INK"},
    {"lotte.meijer", KB_ROLE_MEMBER, "VAS,DUU"}, {"ahmed.benali", KB_ROLE_MEMBER, "SOC,OND"},
    {"kees.vandam", KB_ROLE_VIEWER, "ECO"},
};

typedef struct demo_dept {
    const char *code, *name, *colour;
    bool add; /* not one of the defaults */
} demo_dept;

static const demo_dept demo_depts[] = {
    {"ECO", "Economie", "blue", false},
    {"INC", "Inclusie", "magenta", false},
    {"DUU", "Duurzaamheid", "green", false},
    {"INK", "Inkoop", "yellow", false},
    {"VAS", "Vastgoed", "cyan", false},
    {"SOC", "Sociaal domein", "red", false},
    {"VTH", "Vergunningen, Toezicht en Handhaving", "white", true},
    {"OND", "Onderwijs en Arbeidsmarkt", "blue", true},
};

/* Department goals: the policy hooks brokers pick from (issue 12). */
static const struct {
    const char *dept, *code, *text;
} demo_goals[] = {
    {"ECO", "binnenstad", "Leegstand in de binnenstad onder 8%"},
    {"ECO", "mkb-banen", "Groei van het mkb: 500 extra banen per jaar"},
    {"INC", "afstand", "Meer mensen met een afstand tot de arbeidsmarkt aan het werk"},
    {"INC", "sociaal-ond", "20 nieuwe sociale ondernemingen in 2027"},
    {"DUU", "circulair", "50% minder primaire grondstoffen in 2030"},
    {"DUU", "energie", "30% energiebesparing op bedrijventerreinen"},
    {"INK", "sroi", "Social return bij elke aanbesteding boven 100.000 euro"},
    {"VAS", "leegstand", "Tijdelijke invulling van leegstaand gemeentelijk vastgoed"},
    {"SOC", "armoede", "Minder armoede onder werkende ondernemers"},
    {"VTH", "vijf-dagen", "Ondernemer binnen 5 werkdagen antwoord op een vergunningvraag"},
    {"OND", "tekorten", "Tekorten in zorg en techniek halveren"},
};

typedef struct demo_stage {
    const char *code, *name;
    int wip_limit, norm_days;
    bool needs_reason;
} demo_stage;

/* Norms: a signal is triaged within two weeks, exploring takes a month,
 * connecting six weeks; past that a case is stuck. */
static const demo_stage demo_stages[] = {
    {"signal", "Signaal", 0, 14, false},      {"explore", "Verkennen", 0, 30, false},
    {"connect", "Verbinden", 8, 45, false},   {"progress", "In uitvoering", 0, 0, false},
    {"done", "Geborgd/Afgerond", 0, 0, true},
};

static const kb_default_entry demo_lines[] = {
    {"service", "Dienstverlening aan ondernemers"},
    {"trade", "Samenwerking & handel"},
    {"procure", "Impact inkopen"},
    {"finance", "Financiering"},
    {"visible", "Zichtbaarheid"},
};

/* Policy hooks used by several cases. */
#define H_ARBEID "Actieplan Inclusieve Arbeidsmarkt 2024-2027: 150 extra banen"
#define H_SROI "Inkoopbeleid: 5% SROI-verplichting"
#define H_REGIO "Inkoopbeleid: 40% van de opdrachten naar regionaal mkb"
#define H_EVENT "Evenementenbeleid: één aanspreekpunt per evenement"
#define H_LOKET "Dienstverleningsconcept: ondernemer binnen 5 werkdagen antwoord"
#define H_LEEG "Vastgoedstrategie: tijdelijke invulling van leegstaand bezit"
#define H_CIRC "Programma Circulaire Economie: 50% minder primaire grondstoffen in 2030"
#define H_SOCO "Nota Sociaal Ondernemerschap: 20 nieuwe sociale ondernemingen in 2027"
#define H_RAMA "Regionale Arbeidsmarktagenda: tekorten in zorg en techniek halveren"
#define H_ENER "Energieakkoord regio: 30% energiebesparing op bedrijventerreinen"
#define H_BINN "Economische agenda: leegstand binnenstad onder 8%"

/* A case.  Lists: depts and tags comma-separated, hooks and orgs separated
 * by '|'.  Dates are days from today, 0 = no date.  conf NULL = internal.
 * age: days since it came in; in_stage: days since it entered its stage
 * (the stages between are spread evenly over the time in between; a case
 * still in the first stage has been there since it came in). */
typedef struct demo_case {
    const char *title, *desc, *stage, *lead, *also, *line, *hooks, *orgs, *owner;
    int age, in_stage;
    int prio, due, review;
    bool agenda;
    const char *blocked, *conf, *tags;
} demo_case;

static const demo_case demo_cases[] = {
    /* #1 */
    {.title = "Bakkerij wil inclusief werven voor vier vacatures",
     .desc = "Bakkerij De Korenschoof kan vier vacatures (bakker, inpakker, chauffeur) al "
             "maanden niet vullen. De eigenaar wil mensen met een afstand tot de arbeidsmarkt "
             "aannemen, maar ziet op tegen de begeleiding en de papierwinkel rond "
             "loonkostensubsidie en no-riskpolis.",
     .stage = "connect",
     .age = 75,
     .in_stage = 30,
     .lead = "INC",
     .also = "OND,SOC",
     .line = "service",
     .hooks = H_ARBEID,
     .orgs = "Bakkerij De Korenschoof|Stichting Werkkracht Noord",
     .owner = "fatima.elamrani",
     .prio = 2,
     .due = 21,
     .review = 7,
     .agenda = true,
     .tags = "arbeidsmarkt,inclusief-werkgeven,mkb"},
    /* #2 */
    {.title = "SROI bij aanbesteding groenonderhoud openbare ruimte",
     .desc = "De aanbesteding van het groenonderhoud (4 jaar, circa € 3,2 mln) gaat in het "
             "najaar de markt op. Inkoop wil de 5% SROI opnemen; marktpartijen vragen hoe ze "
             "dit kunnen invullen. Stichting Werkkracht Noord biedt leerwerkplekken en "
             "begeleiding aan.",
     .stage = "progress",
     .age = 150,
     .in_stage = 60,
     .lead = "INK",
     .also = "INC,SOC,DUU",
     .line = "procure",
     .hooks = H_SROI "|" H_ARBEID,
     .orgs = "Groenbedrijf De Wilg|Stichting Werkkracht Noord",
     .owner = "sanne.jansen",
     .prio = 3,
     .due = 35,
     .review = 14,
     .agenda = true,
     .tags = "sroi,aanbesteding"},
    /* #3 */
    {.title = "Regionaal inkoopplatform voor lokale ondernemers",
     .desc = "De Coöperatie Regionaal Inkoopplatform wil dat de gemeenten in de regio kleine "
             "opdrachten (onder € 50.000) via één platform uitzetten, zodat lokale mkb'ers en "
             "sociale ondernemingen makkelijker kunnen meedingen. Vragen: past dit binnen ons "
             "inkoopbeleid en wie betaalt de opstartkosten?",
     .stage = "explore",
     .age = 40,
     .in_stage = 22,
     .lead = "INK",
     .also = "ECO,INC",
     .line = "trade",
     .hooks = H_REGIO,
     .orgs = "Coöperatie Regionaal Inkoopplatform|Ondernemersvereniging Binnenstad",
     .owner = "sanne.jansen",
     .prio = 2,
     .due = 28,
     .review = 10,
     .agenda = true,
     .tags = "inkoopplatform,mkb,regio"},
    /* #4 */
    {.title = "Festival Zomer aan de Gracht: één vergunning, één ambtenaar",
     .desc = "De organisatie van Festival Zomer aan de Gracht (drie dagen, 15.000 bezoekers) "
             "moet nu bij zes loketten langs: evenementenvergunning, geluidsontheffing, "
             "verkeersmaatregelen, drank- en horecaontheffing, gebruik van de kademuur en een "
             "afvalplan. Voorstel: één evenementencoördinator die alles namens de gemeente "
             "afstemt en één integraal besluit.",
     .stage = "progress",
     .age = 85,
     .in_stage = 20,
     .lead = "VTH",
     .also = "ECO,DUU",
     .line = "service",
     .hooks = H_EVENT "|" H_LOKET,
     .orgs = "Festival Zomer aan de Gracht|Horeca Collectief Centrum",
     .owner = "pieter.bakker",
     .prio = 3,
     .due = 12,
     .review = 5,
     .agenda = true,
     .conf = "public",
     .tags = "festival,vergunningen,evenementen"},
    /* #5 */
    {.title = "Tijdelijk gebruik leegstaande textielfabriek De Volharding",
     .desc = "De voormalige textielfabriek aan de Havenweg (gemeentelijk eigendom, 4.800 m²) "
             "staat sinds 2021 leeg. Circulaire Makers BV en Stichting Broedplaats De Fabriek "
             "willen er voor vijf jaar werkplaatsen en een hub voor hergebruikte bouwmaterialen "
             "vestigen. Het bestemmingsplan staat alleen opslag toe.",
     .stage = "connect",
     .age = 130,
     .in_stage = 70,
     .lead = "VAS",
     .also = "VTH,ECO,DUU",
     .line = "trade",
     .hooks = H_LEEG "|" H_CIRC,
     .orgs = "Circulaire Makers BV|Stichting Broedplaats De Fabriek",
     .owner = "lotte.meijer",
     .prio = 3,
     .due = -5,
     .review = 3,
     .agenda = true,
     .blocked = "wacht op ontheffing bestemmingsplan",
     .tags = "leegstand,circulair,tijdelijk-gebruik"},
    /* #6 */
    {.title = "Revolverend fonds voor sociale ondernemingen",
     .desc = "Sociaal Ondernemersfonds Midden vraagt de gemeente € 250.000 in te leggen in een "
             "revolverend fonds. Daaruit worden leningen tot € 50.000 verstrekt aan sociale "
             "ondernemingen die de bank te riskant vindt. Aflossingen vloeien terug in het "
             "fonds.",
     .stage = "explore",
     .age = 50,
     .in_stage = 28,
     .lead = "ECO",
     .also = "SOC,INC",
     .line = "finance",
     .hooks = H_SOCO,
     .orgs = "Sociaal Ondernemersfonds Midden",
     .owner = "jan.devries",
     .prio = 2,
     .due = 42,
     .review = 14,
     .agenda = true,
     .tags = "financiering,sociaal-ondernemen"},
    /* #7 */
    {.title = "Koffiebranderij wil statushouders opleiden tot barista",
     .desc = "Koffiebranderij De Wereldboon wil elk halfjaar vier statushouders opleiden tot "
             "barista en daarna doorplaatsen naar horecabedrijven in de binnenstad. Zij zoeken "
             "een taalaanbod dat past bij het werk en hulp bij de plaatsing.",
     .stage = "signal",
     .age = 20,
     .lead = "INC",
     .also = "SOC,OND",
     .line = "service",
     .hooks = H_ARBEID,
     .orgs = "Koffiebranderij De Wereldboon|Stichting Taal aan de Slag",
     .owner = DEMO_ADMIN,
     .prio = 1,
     .review = 7,
     .tags = "statushouders,taal,horeca"},
    /* #8 */
    {.title = "Metaalbedrijf kan orders niet aan door tekort aan lassers",
     .desc = "Metaalbedrijf Van Dijk & Zn. heeft zes vacatures voor lassers en constructiewerkers "
             "en weigert orders. Het bedrijf wil zelf opleiden als er een korte, praktijkgerichte "
             "opleiding komt.",
     .stage = "explore",
     .age = 70,
     .in_stage = 43,
     .lead = "OND",
     .also = "ECO,INC",
     .line = "trade",
     .hooks = H_RAMA,
     .orgs = "Metaalbedrijf Van Dijk & Zn.|ROC Midden Techniek",
     .owner = "ahmed.benali",
     .prio = 2,
     .due = 30,
     .review = 14,
     .tags = "arbeidsmarkt,techniek"},
    /* #9 */
    {.title = "Zorggroep zoekt zij-instromers voor de thuiszorg",
     .desc = "Zorggroep De Linde heeft 25 openstaande vacatures in de wijkverpleging en "
             "thuiszorg. Zij willen werkzoekenden uit de bijstand laten instromen met een "
             "leer-werktraject, maar lopen aan tegen regels over behoud van uitkering.",
     .stage = "explore",
     .age = 35,
     .in_stage = 20,
     .lead = "SOC",
     .also = "OND,INC",
     .line = "service",
     .hooks = H_RAMA "|" H_ARBEID,
     .orgs = "Zorggroep De Linde",
     .owner = "ahmed.benali",
     .prio = 2,
     .due = 45,
     .review = 21,
     .tags = "arbeidsmarkt,zorg"},
    /* #10 */
    {.title = "Schoonmaakbedrijf wil SROI-verplichtingen bundelen",
     .desc = "Schoonmaakbedrijf Glans BV heeft drie gemeentelijke contracten, elk met 5% SROI. "
             "Het bedrijf wil de verplichtingen bundelen in één leerwerktraject met twaalf "
             "plekken en vaste begeleiding, in plaats van drie losse trajecten.",
     .stage = "connect",
     .age = 60,
     .in_stage = 25,
     .lead = "INK",
     .also = "INC",
     .line = "procure",
     .hooks = H_SROI,
     .orgs = "Schoonmaakbedrijf Glans BV",
     .owner = "sanne.jansen",
     .prio = 1,
     .due = 28,
     .review = 14,
     .tags = "sroi"},
    /* #11 */
    {.title = "SROI-monitoring: leveranciers rapporteren niet",
     .desc = "Van de 14 lopende contracten met een SROI-verplichting hebben 6 leveranciers over "
             "vorig jaar nog niet gerapporteerd. Zonder cijfers kunnen we de gemeenteraad niet "
             "informeren over de voortgang.",
     .stage = "progress",
     .age = 200,
     .in_stage = 120,
     .lead = "INK",
     .also = "INC",
     .line = "procure",
     .hooks = H_SROI,
     .owner = "sanne.jansen",
     .prio = 2,
     .due = -3,
     .review = 4,
     .agenda = true,
     .tags = "sroi,monitoring"},
    /* #12 */
    {.title = "Kringloopbedrijf vraagt garantstelling voor tweede vestiging",
     .desc = "Kringloop De Tweede Ronde (sociale onderneming, 35 medewerkers, van wie 20 met "
             "loonkostensubsidie) wil een tweede winkel openen in Noord. De bank vraagt een "
             "gemeentelijke garantstelling van € 120.000. Financiële stukken zijn "
             "vertrouwelijk aangeleverd.",
     .stage = "connect",
     .age = 90,
     .in_stage = 40,
     .lead = "ECO",
     .also = "SOC,INC,DUU",
     .line = "finance",
     .hooks = H_SOCO "|" H_CIRC,
     .orgs = "Kringloop De Tweede Ronde",
     .owner = "jan.devries",
     .prio = 3,
     .due = 14,
     .review = 7,
     .agenda = true,
     .blocked = "wacht op besluit college over garantstelling",
     .conf = "confidential",
     .tags = "financiering,sociaal-ondernemen,circulair"},
    /* #13 */
    {.title = "Leegstand Lange Kerkstraat: ondernemers willen snelheid",
     .desc = "Ondernemersvereniging Binnenstad meldt dat 7 van de 31 winkelpanden in de Lange "
             "Kerkstraat leegstaan. Zij vragen de gemeente om met eigenaren in gesprek te gaan "
             "en tijdelijke verhuur aan starters makkelijker te maken.",
     .stage = "explore",
     .age = 95,
     .in_stage = 55,
     .lead = "ECO",
     .also = "VAS,VTH",
     .line = "trade",
     .hooks = H_BINN,
     .orgs = "Ondernemersvereniging Binnenstad",
     .owner = "jan.devries",
     .prio = 2,
     .due = -10,
     .review = 5,
     .conf = "public",
     .tags = "binnenstad,leegstand"},
    /* #14 */
    {.title = "Standaard huurcontract voor pop-upwinkels",
     .desc = "Om leegstaande panden snel tijdelijk te kunnen verhuren stelt Vastgoed een "
             "standaardcontract op: korte looptijd, lage huur, eenvoudige opzegging. Eigenaren "
             "in de binnenstad kunnen het vrij gebruiken.",
     .stage = "progress",
     .age = 70,
     .in_stage = 21,
     .lead = "VAS",
     .also = "ECO,VTH",
     .line = "service",
     .hooks = H_BINN "|" H_LEEG,
     .orgs = "Ondernemersvereniging Binnenstad",
     .owner = "lotte.meijer",
     .prio = 1,
     .due = 10,
     .review = 10,
     .conf = "public",
     .tags = "binnenstad,leegstand,starters"},
    /* #15 */
    {.title = "Collectieve zonnepanelen op bedrijventerrein De Hoek",
     .desc = "Bedrijvenkring De Hoek wil de daken van twaalf bedrijven vol leggen met "
             "zonnepanelen, samen met Energiecoöperatie Zonnedak. Het stroomnet op het terrein "
             "zit vol; een collectieve aansluiting met eigen opslag is een mogelijke oplossing.",
     .stage = "connect",
     .age = 110,
     .in_stage = 52,
     .lead = "DUU",
     .also = "ECO,VAS",
     .line = "trade",
     .hooks = H_ENER,
     .orgs = "Bedrijvenkring De Hoek|Energiecoöperatie Zonnedak",
     .owner = "lotte.meijer",
     .prio = 2,
     .due = 60,
     .review = 14,
     .agenda = true,
     .blocked = "wacht op capaciteitsonderzoek netbeheerder",
     .tags = "energie,netcongestie,bedrijventerrein"},
    /* #16 */
    {.title = "Netcongestie remt uitbreiding bakkerij",
     .desc = "Bakkerij De Korenschoof wil een tweede, elektrische oven plaatsen maar krijgt geen "
             "zwaardere aansluiting. De uitbreiding (en twee extra banen) staat daardoor stil.",
     .stage = "signal",
     .age = 10,
     .lead = "DUU",
     .also = "ECO",
     .line = "service",
     .hooks = H_ENER,
     .orgs = "Bakkerij De Korenschoof",
     .owner = DEMO_ADMIN,
     .prio = 1,
     .review = 7,
     .tags = "energie,netcongestie,mkb"},
    /* #17 */
    {.title = "Festival: afvalscheiding en herbruikbare bekers",
     .desc = "Voor Festival Zomer aan de Gracht geldt de eis van herbruikbare bekers. De "
             "organisatie vraagt of de gemeente een statiegeldsysteem en afvalscheiding op het "
             "terrein kan faciliteren, samen met lokale ondernemers.",
     .stage = "connect",
     .age = 40,
     .in_stage = 15,
     .lead = "DUU",
     .also = "VTH,ECO",
     .line = "trade",
     .hooks = H_CIRC "|" H_EVENT,
     .orgs = "Festival Zomer aan de Gracht|Circulaire Makers BV",
     .owner = "lotte.meijer",
     .prio = 1,
     .due = 20,
     .review = 10,
     .conf = "public",
     .tags = "festival,circulair"},
    /* #18 */
    {.title = "Festival: werkzoekenden bij op- en afbouw",
     .desc = "Het festival heeft voor op- en afbouw zo'n 40 krachten nodig. Idee: een deel "
             "invullen met werkzoekenden, die na afloop een certificaat krijgen en bij lokale "
             "evenementenbedrijven kunnen doorstromen.",
     .stage = "explore",
     .age = 30,
     .in_stage = 14,
     .lead = "INC",
     .also = "VTH,OND",
     .line = "service",
     .hooks = H_ARBEID,
     .orgs = "Festival Zomer aan de Gracht|Stichting Werkkracht Noord",
     .owner = "fatima.elamrani",
     .prio = 1,
     .due = 25,
     .review = 10,
     .tags = "festival,arbeidsmarkt"},
    /* #19 */
    {.title = "Melding: festival vraagt geluidsontheffing",
     .desc = "Via het algemene klantcontactcentrum kwam een aanvraag binnen voor een "
             "geluidsontheffing voor Festival Zomer aan de Gracht.",
     .stage = "signal",
     .age = 16,
     .lead = "VTH",
     .line = "service",
     .orgs = "Festival Zomer aan de Gracht",
     .owner = "pieter.bakker",
     .tags = "festival,vergunningen"},
    /* #20 */
    {.title = "Startersleningen voor jonge ondernemers in de wijk",
     .desc = "Twee wijkondernemers (een kapper en een cateraar) krijgen geen krediet omdat ze "
             "nog geen jaarcijfers hebben. De wijkmanager vraagt of er een kleine "
             "starterslening mogelijk is, met coaching.",
     .stage = "signal",
     .age = 8,
     .lead = "ECO",
     .also = "SOC",
     .line = "finance",
     .owner = DEMO_ADMIN,
     .prio = 1,
     .review = 7,
     .tags = "starters,financiering,wijk"},
    /* #21 */
    {.title = "Leerwerkplekken bij fietsenmakerij voor jongeren zonder diploma",
     .desc = "Fietsenmakerij Op Wielen wil zes jongeren zonder startkwalificatie een "
             "leerwerkplek bieden, met een mbo-certificaat fietstechniek als doel. Zij zoeken "
             "een school en een vergoeding voor de begeleiding.",
     .stage = "connect",
     .age = 65,
     .in_stage = 35,
     .lead = "OND",
     .also = "INC,SOC",
     .line = "service",
     .hooks = H_ARBEID,
     .orgs = "Fietsenmakerij Op Wielen|ROC Midden Techniek",
     .owner = "ahmed.benali",
     .prio = 2,
     .due = 30,
     .review = 14,
     .tags = "jongeren,arbeidsmarkt,techniek"},
    /* #22 */
    {.title = "Horeca: personeelstekort en taaltraining voor nieuwkomers",
     .desc = "Horeca Collectief Centrum (18 zaken) kan het komende seizoen zo'n 60 plekken niet "
             "vullen. Veel sollicitanten spreken nog onvoldoende Nederlands. Gevraagd: "
             "taaltraining op de werkvloer en een gezamenlijke wervingsdag.",
     .stage = "explore",
     .age = 28,
     .in_stage = 12,
     .lead = "ECO",
     .also = "INC,SOC",
     .line = "trade",
     .hooks = H_ARBEID,
     .orgs = "Horeca Collectief Centrum|Stichting Taal aan de Slag",
     .owner = "jan.devries",
     .prio = 2,
     .due = 21,
     .review = 7,
     .tags = "horeca,taal,arbeidsmarkt"},
    /* #23 */
    {.title = "Installatiebedrijf zoekt warmtepompmonteurs",
     .desc = "Installatiebedrijf Warmtewerk heeft een wachtlijst van vier maanden voor "
             "warmtepompen en kan geen monteurs vinden. Het bedrijf wil een bedrijfsschool "
             "opzetten met het ROC en zoekt zij-instromers.",
     .stage = "explore",
     .age = 45,
     .in_stage = 33,
     .lead = "OND",
     .also = "DUU,ECO",
     .line = "trade",
     .hooks = H_RAMA "|" H_ENER,
     .orgs = "Installatiebedrijf Warmtewerk|ROC Midden Techniek",
     .owner = "ahmed.benali",
     .prio = 2,
     .due = 40,
     .review = 14,
     .tags = "techniek,energie,arbeidsmarkt"},
    /* #24 */
    {.title = "Inclusief werkgeverschap: scan voor mkb-werkgevers",
     .desc = "Samen met het Werkgeversservicepunt Regio Midden bieden we mkb-werkgevers een "
             "korte scan aan: welke functies zijn geschikt voor mensen met een "
             "arbeidsbeperking en welke regelingen passen erbij.",
     .stage = "progress",
     .age = 160,
     .in_stage = 90,
     .lead = "INC",
     .also = "OND",
     .line = "visible",
     .hooks = H_ARBEID,
     .orgs = "Werkgeversservicepunt Regio Midden",
     .owner = "fatima.elamrani",
     .prio = 1,
     .due = 60,
     .review = 21,
     .conf = "public",
     .tags = "inclusief-werkgeven"},
    /* #25 */
    {.title = "Catering gemeentehuis naar sociale onderneming",
     .desc = "Het cateringcontract van het gemeentehuis liep af. In een meervoudig onderhandse "
             "procedure zijn sociale ondernemingen uitgenodigd, met SROI als zwaarwegend "
             "criterium.",
     .stage = "done",
     .age = 210,
     .in_stage = 45,
     .lead = "INK",
     .also = "SOC,INC",
     .line = "procure",
     .hooks = H_SROI "|" H_SOCO,
     .orgs = "Eetcafé De Ontmoeting",
     .owner = "sanne.jansen",
     .prio = 1,
     .conf = "public",
     .tags = "sroi,sociaal-ondernemen"},
    /* #26 */
    {.title = "Ondernemersloket: één digitaal aanmeldformulier",
     .desc = "Ondernemers moeten nu per afdeling een ander formulier invullen. We bouwen één "
             "aanmeldformulier dat de vraag automatisch bij de makelaar neerlegt, met het "
             "KvK-nummer als sleutel.",
     .stage = "progress",
     .age = 120,
     .in_stage = 45,
     .lead = "ECO",
     .also = "VTH",
     .line = "service",
     .hooks = H_LOKET,
     .owner = "jan.devries",
     .prio = 2,
     .due = 30,
     .review = 14,
     .tags = "dienstverlening,loket"},
    /* #27 */
    {.title = "Drukkerij wil van het gas af maar mist investeringsruimte",
     .desc = "Drukkerij Het Anker heeft een energiescan laten doen: een warmtepomp en "
             "warmteterugwinning besparen 60% gas, maar vragen een investering van € 140.000 "
             "met een terugverdientijd van negen jaar.",
     .stage = "signal",
     .age = 25,
     .lead = "DUU",
     .also = "ECO",
     .line = "finance",
     .hooks = H_ENER,
     .orgs = "Drukkerij Het Anker",
     .owner = DEMO_ADMIN,
     .prio = 1,
     .review = 10,
     .tags = "energie,financiering,mkb"},
    /* #28 */
    {.title = "Matchfunding voor crowdfundende sociale ondernemers",
     .desc = "Voorstel: de gemeente verdubbelt elke euro die een sociale onderneming via "
             "crowdfunding ophaalt, tot € 10.000 per project. Uitvoering via Sociaal "
             "Ondernemersfonds Midden.",
     .stage = "connect",
     .age = 80,
     .in_stage = 48,
     .lead = "ECO",
     .also = "SOC",
     .line = "finance",
     .hooks = H_SOCO,
     .orgs = "Sociaal Ondernemersfonds Midden",
     .owner = "jan.devries",
     .prio = 1,
     .due = 50,
     .review = 21,
     .tags = "financiering,sociaal-ondernemen"},
    /* #29 */
    {.title = "Textielfabriek: brandveiligheid en gebruiksmelding",
     .desc = "Voor het tijdelijke gebruik van textielfabriek De Volharding is een "
             "gebruiksmelding brandveilig gebruik nodig. Brandweer en VTH beoordelen "
             "vluchtwegen, compartimentering en het maximale aantal aanwezigen.",
     .stage = "progress",
     .age = 45,
     .in_stage = 18,
     .lead = "VTH",
     .also = "VAS",
     .line = "service",
     .hooks = H_LEEG,
     .orgs = "Circulaire Makers BV|Stichting Broedplaats De Fabriek",
     .owner = "pieter.bakker",
     .prio = 3,
     .due = 7,
     .review = 3,
     .tags = "tijdelijk-gebruik,veiligheid"},
    /* #30 */
    {.title = "Week van de Ondernemer: spreekuur van het kernteam",
     .desc = "Tijdens de Week van de Ondernemer hield het kernteam een inloopspreekuur in de "
             "bibliotheek: ondernemers konden met alle afdelingen tegelijk aan tafel.",
     .stage = "done",
     .age = 100,
     .in_stage = 60,
     .lead = "ECO",
     .also = "INC,DUU,VTH",
     .line = "visible",
     .owner = DEMO_ADMIN,
     .conf = "public",
     .tags = "zichtbaarheid,dienstverlening"},
    /* #31 */
    {.title = "Transportbedrijf: laadpleinen en zero-emissiezone",
     .desc = "Transportbedrijf Snel & Zeker moet voor de zero-emissiezone in de binnenstad "
             "twintig elektrische bestelbussen aanschaffen, maar kan op het eigen terrein niet "
             "genoeg laadpunten aansluiten. Gevraagd: meedenken over een openbaar laadplein.",
     .stage = "explore",
     .age = 24,
     .in_stage = 10,
     .lead = "DUU",
     .also = "ECO,VTH",
     .line = "service",
     .hooks = "Zero-emissiezone stadslogistiek vanaf 2026",
     .orgs = "Transportbedrijf Snel & Zeker",
     .owner = "lotte.meijer",
     .prio = 2,
     .due = 35,
     .review = 14,
     .tags = "energie,logistiek,netcongestie"},
    /* #32 */
    {.title = "Statushouders aan het werk in de techniek",
     .desc = "Twaalf statushouders met een technische achtergrond komen in aanmerking voor "
             "werk bij lokale installatie- en metaalbedrijven. Nodig: diplomawaardering, "
             "vaktaal en een warme overdracht naar de werkgever.",
     .stage = "progress",
     .age = 100,
     .in_stage = 40,
     .lead = "SOC",
     .also = "OND,INC",
     .line = "service",
     .hooks = H_ARBEID "|" H_RAMA,
     .orgs = "Metaalbedrijf Van Dijk & Zn.|Installatiebedrijf Warmtewerk",
     .owner = "ahmed.benali",
     .prio = 2,
     .due = 28,
     .review = 7,
     .tags = "statushouders,techniek,arbeidsmarkt"},
    /* #33 */
    {.title = "Aanbesteding leerlingenvervoer: kleine vervoerders en SROI",
     .desc = "Bij de nieuwe aanbesteding van het leerlingenvervoer willen we kleine lokale "
             "vervoerders een kans geven (kleinere percelen) en chauffeurs uit de doelgroep "
             "laten meetellen voor de SROI.",
     .stage = "progress",
     .age = 90,
     .in_stage = 30,
     .lead = "INK",
     .also = "SOC,INC",
     .line = "procure",
     .hooks = H_SROI "|" H_REGIO,
     .owner = "sanne.jansen",
     .prio = 2,
     .due = 45,
     .review = 14,
     .tags = "sroi,aanbesteding,vervoer"},
    /* #34 */
    {.title = "Marktkooplieden willen meerjarige standplaatsvergunning",
     .desc = "De vaste kooplieden van de zaterdagmarkt moeten elk jaar opnieuw een vergunning "
             "aanvragen. Zij vragen om een vergunning voor vijf jaar, zodat ze durven te "
             "investeren in hun kramen.",
     .stage = "signal",
     .age = 61,
     .lead = "VTH",
     .also = "ECO",
     .line = "service",
     .hooks = H_LOKET,
     .orgs = "Vereniging Zaterdagmarkt",
     .owner = DEMO_ADMIN,
     .review = 14,
     .conf = "public",
     .tags = "markt,vergunningen"},
    /* #35 */
    {.title = "Inkoopplatform: sociaal werkbedrijf als leverancier",
     .desc = "Het sociaal werkbedrijf vraagt of het als leverancier kan aansluiten op het "
             "regionale inkoopplatform, bijvoorbeeld voor postverwerking en groenonderhoud.",
     .stage = "signal",
     .age = 12,
     .lead = "INK",
     .also = "SOC,INC",
     .line = "procure",
     .hooks = H_REGIO "|" H_SROI,
     .orgs = "Coöperatie Regionaal Inkoopplatform|Werkbedrijf Midden",
     .owner = DEMO_ADMIN,
     .prio = 1,
     .review = 7,
     .tags = "inkoopplatform,sociaal-ondernemen"},
    /* #36 */
    {.title = "Naaiatelier zoekt bedrijfsruimte in gemeentelijk vastgoed",
     .desc = "Naaiatelier Draad & Co, een sociale onderneming die vrouwen met een afstand tot "
             "de arbeidsmarkt opleidt, moet het huidige pand uit en zoekt zo'n 200 m² "
             "werkruimte tegen een betaalbare huur.",
     .stage = "signal",
     .age = 6,
     .lead = "VAS",
     .also = "ECO,SOC",
     .line = "trade",
     .hooks = H_LEEG "|" H_SOCO,
     .orgs = "Naaiatelier Draad & Co",
     .owner = DEMO_ADMIN,
     .prio = 2,
     .review = 5,
     .tags = "sociaal-ondernemen,huisvesting"},
    /* #37 */
    {.title = "Pilot één aanspreekpunt voor evenementen (Koningsdag)",
     .desc = "Bij de Koningsdagfestiviteiten werkten we voor het eerst met één ambtenaar die "
             "alle vergunningen en adviezen coördineerde. Deze casus legt de evaluatie vast.",
     .stage = "done",
     .age = 230,
     .in_stage = 120,
     .lead = "VTH",
     .also = "ECO",
     .line = "service",
     .hooks = H_EVENT,
     .orgs = "Stichting Oranjecomité",
     .owner = "pieter.bakker",
     .conf = "public",
     .tags = "evenementen,vergunningen"},
    /* #38 */
    {.title = "Subsidieregeling verduurzaming mkb: eerste tranche",
     .desc = "De eerste tranche van de subsidieregeling voor verduurzaming van mkb-panden "
             "(€ 400.000) is volledig toegekend aan 46 ondernemers.",
     .stage = "done",
     .age = 180,
     .in_stage = 25,
     .lead = "DUU",
     .also = "ECO",
     .line = "finance",
     .hooks = H_ENER,
     .owner = "lotte.meijer",
     .conf = "public",
     .tags = "energie,subsidie"},
    /* #39 */
    {.title = "Netwerk van sociale ondernemers opgericht",
     .desc = "Zeventien sociale ondernemingen in de gemeente hebben een netwerk opgericht dat "
             "elk kwartaal bijeenkomt; de gemeente faciliteert de eerste twee jaar.",
     .stage = "done",
     .age = 300,
     .in_stage = 150,
     .lead = "SOC",
     .also = "ECO,INC",
     .line = "visible",
     .hooks = H_SOCO,
     .orgs = "Sociaal Ondernemersfonds Midden|Kringloop De Tweede Ronde|Naaiatelier Draad & Co",
     .owner = "ahmed.benali",
     .conf = "public",
     .tags = "sociaal-ondernemen,netwerk"},
    /* #40 */
    {.title = "Leverancier in liquiditeitsproblemen door late betaling gemeente",
     .desc = "Metaalbedrijf Van Dijk & Zn. meldde dat elf facturen aan de gemeente langer dan "
             "60 dagen openstonden, wat het bedrijf in liquiditeitsproblemen bracht.",
     .stage = "done",
     .age = 140,
     .in_stage = 35,
     .lead = "ECO",
     .also = "INK",
     .line = "service",
     .hooks = H_LOKET,
     .orgs = "Metaalbedrijf Van Dijk & Zn.",
     .owner = "jan.devries",
     .prio = 2,
     .conf = "confidential",
     .tags = "betalingen,mkb"},
    /* #41..#46: new signals without a lead department, for the triage
     * inbox (issue 12); #46 resembles #1 (same bakery). */
    {.title = "Installatiebedrijf zoekt leerlingen voor warmtepompen",
     .desc = "Installatietechniek Van Leeuwen krijgt meer aanvragen voor warmtepompen dan het "
             "aankan en zoekt vijf leerlingen in een BBL-traject. Kan de gemeente helpen met "
             "werving en begeleiding?",
     .stage = "signal",
     .age = 6,
     .orgs = "Installatietechniek Van Leeuwen",
     .tags = "techniek,energie"},
    {.title = "Kringloopwinkel wil een reparatiecafé starten",
     .desc = "Kringloop De Tweede Ronde wil elke zaterdag een reparatiecafé houden met "
             "vrijwilligers en zoekt ruimte en een kleine startsubsidie.",
     .stage = "signal",
     .age = 4,
     .orgs = "Kringloop De Tweede Ronde",
     .tags = "circulair"},
    {.title = "Transportbedrijf vraagt naar zonnepanelen op de bedrijfshal",
     .desc = "Transportbedrijf Hendriks wil 2.000 m² dak vol leggen met zonnepanelen, maar de "
             "netbeheerder meldt congestie. Wie kan meedenken?",
     .stage = "signal",
     .age = 3,
     .orgs = "Transportbedrijf Hendriks",
     .tags = "energie,netcongestie"},
    {.title = "Zzp'er zoekt werkplek in leegstaand winkelpand",
     .desc = "Een grafisch ontwerper wil met drie andere zzp'ers een leegstaand winkelpand in de "
             "Kerkstraat huren als gedeelde werkplek.",
     .stage = "signal",
     .age = 17,
     .tags = "leegstand,binnenstad"},
    {.title = "Schoonmaakbedrijf wil statushouders opleiden",
     .desc = "Schoonmaakbedrijf Glans zoekt tien medewerkers en wil statushouders opleiden, met "
             "taalles op de werkvloer.",
     .stage = "signal",
     .age = 2,
     .orgs = "Schoonmaakbedrijf Glans",
     .tags = "inclusief-werkgeven"},
    {.title = "Bakkerij wil vacatures vullen met mensen uit de bijstand",
     .desc = "Bakkerij De Korenschoof belt opnieuw: de vacatures voor bakker en chauffeur staan "
             "nog open. Kan iemand van de gemeente langskomen?",
     .stage = "signal",
     .age = 1,
     .orgs = "Bakkerij De Korenschoof",
     .tags = "arbeidsmarkt"},
};

/* What the people on the board do after the cases are in, in order.  The
 * board is opened as `as` for each run of events by the same person. */
enum demo_kind {
    DEMO_COMMENT,  /* text on case n */
    DEMO_DECISION, /* a decision of the past meeting on case n */
    DEMO_ACTION,   /* action item on case n: text, owner, due */
    DEMO_DONE,     /* the action item of owner on case n is done */
    DEMO_LINK,     /* case n -> case to, as link */
};

typedef struct demo_event {
    enum demo_kind kind;
    const char *as;
    uint32_t n;
    const char *text;
    const char *owner;
    int due;      /* days from today (0 = none); from the meeting when meeting */
    bool meeting; /* the due date counts from the meeting */
    uint32_t to;  /* DEMO_LINK */
    enum kb_link_kind link;
    int ago; /* days before today it happened; 0: by its kind and place (demo_event_at) */
} demo_event;

#define C(who, num, txt)                                                                           \
    {                                                                                              \
        .kind = DEMO_COMMENT, .as = (who), .n = (num), .text = (txt)                               \
    }
#define D(num, txt)                                                                                \
    {                                                                                              \
        .kind = DEMO_DECISION, .as = DEMO_ADMIN, .n = (num), .text = (txt)                         \
    }
#define A(who, num, own, days, txt)                                                                \
    {                                                                                              \
        .kind = DEMO_ACTION, .as = (who), .n = (num), .owner = (own), .due = (days), .text = (txt) \
    }
#define AM(num, own, days, txt)                                                                    \
    {                                                                                              \
        .kind = DEMO_ACTION, .as = DEMO_ADMIN, .n = (num), .owner = (own), .due = (days),          \
        .meeting = true, .text = (txt)                                                             \
    }
#define DONE(who, num, own)                                                                        \
    {                                                                                              \
        .kind = DEMO_DONE, .as = (who), .n = (num), .owner = (own)                                 \
    }
/* the same, on a day of their own (days ago) */
#define C_AGO(who, num, ago_, txt)                                                                 \
    {                                                                                              \
        .kind = DEMO_COMMENT, .as = (who), .n = (num), .text = (txt), .ago = (ago_)                \
    }
#define A_AGO(who, num, own, days, ago_, txt)                                                      \
    {                                                                                              \
        .kind = DEMO_ACTION, .as = (who), .n = (num), .owner = (own), .due = (days),               \
        .text = (txt), .ago = (ago_)                                                               \
    }
#define DONE_AGO(who, num, own, ago_)                                                              \
    {                                                                                              \
        .kind = DEMO_DONE, .as = (who), .n = (num), .owner = (own), .ago = (ago_)                  \
    }
#define L(a, b, k)                                                                                 \
    {                                                                                              \
        .kind = DEMO_LINK, .as = DEMO_ADMIN, .n = (a), .to = (b), .link = (k)                      \
    }

static const demo_event demo_events[] = {
    /* the broker triages new signals */
    C(DEMO_ADMIN, 7,
      "Signaal binnengekomen via het ondernemersloket. Eerst nagaan of Stichting Taal aan de "
      "Slag een praktijkgerichte taalcursus kan combineren met de barista-opleiding."),
    C(DEMO_ADMIN, 16,
      "Zelfde netbeheerder en hetzelfde knelpunt als op bedrijventerrein De Hoek (#15). Samen "
      "oppakken met Duurzaamheid."),
    C(DEMO_ADMIN, 19,
      "Dit is dezelfde vraag als de geluidsontheffing in #4; gekoppeld als duplicaat. Pieter "
      "neemt het mee in het integrale besluit."),
    C(DEMO_ADMIN, 20,
      "Aanvraag van twee wijkondernemers via de wijkmanager. Nagaan of de bestaande "
      "microkredietregeling volstaat voordat we iets nieuws bedenken."),
    C(DEMO_ADMIN, 34,
      "Kooplieden klagen over het jaarlijkse papierwerk. Vraag aan VTH: kan een meerjarige "
      "standplaatsvergunning binnen de marktverordening?"),
    C(DEMO_ADMIN, 35, "Hangt samen met het inkoopplatform (#3); daar gekoppeld."),
    C(DEMO_ADMIN, 36,
      "Zoekt ca. 200 m² werkruimte. Misschien te combineren met de tijdelijke invulling van de "
      "textielfabriek (#5)?"),
    C(DEMO_ADMIN, 27,
      "Energiescan ontvangen. Terugverdientijd negen jaar: te lang voor de bank. Bespreken met "
      "Economie of het duurzaamheidsfonds hier past."),
    C(DEMO_ADMIN, 13,
      "Gesprek gehad met het bestuur van de ondernemersvereniging. Hun wens: geen pand langer "
      "dan zes maanden leeg."),

    /* the last kernteam meeting: decisions and action items */
    D(4, "besloten dat Pieter Bakker (VTH) optreedt als vaste evenementencoördinator. Alle "
         "afdelingen leveren hun voorwaarden binnen twee weken bij hem aan; er komt één "
         "integraal besluit."),
    AM(4, "pieter.bakker", 14, "Voorwaarden van alle afdelingen bundelen in één besluit"),
    AM(4, "jan.devries", 2, "Terrasuitbreiding op de kade afstemmen met Horeca Collectief"),
    D(5, "besloten een tijdelijke afwijking van het bestemmingsplan (vijf jaar) voor te bereiden. "
         "Vastgoed stelt een concept-gebruiksovereenkomst op. Risico: brandveiligheid (#29)."),
    AM(5, "lotte.meijer", 10, "Concept-gebruiksovereenkomst textielfabriek opstellen"),
    AM(5, "pieter.bakker", 2, "Procedure tijdelijke afwijking bestemmingsplan starten"),
    D(2, "besloten de 5% SROI op te nemen als gunningscriterium en niet alleen als "
         "contractvoorwaarde. Inclusie levert de kandidatenpool aan via Stichting Werkkracht "
         "Noord."),
    AM(2, "sanne.jansen", 3, "SROI-gunningscriterium uitwerken in het beschrijvend document"),
    AM(2, "fatima.elamrani", 2, "Kandidatenpool groenonderhoud opvragen bij Werkkracht Noord"),
    D(3, "het kernteam ziet kansen, maar wil eerst juridisch advies over de drempelbedragen. "
         "Geen bijdrage aan de opstartkosten zolang de buurgemeenten niet meedoen."),
    AM(3, "sanne.jansen", 14, "Juridisch advies vragen over drempelbedragen inkoopplatform"),
    D(12, "positief advies aan de portefeuillehouder Economie. Economie en Sociaal domein "
          "schrijven samen het collegevoorstel."),
    AM(12, "jan.devries", 10, "Collegevoorstel garantstelling Kringloop De Tweede Ronde"),
    D(11, "besloten de zes leveranciers schriftelijk te herinneren. Blijft een reactie uit, dan "
          "volgt een gesprek met de contractmanager."),
    AM(11, "sanne.jansen", 1, "Herinneringsbrief SROI-rapportage naar zes leveranciers"),
    D(1, "besloten te starten met een proefplaatsing van twee kandidaten met jobcoaching via "
         "Stichting Werkkracht Noord."),
    AM(1, "fatima.elamrani", 21, "Proefplaatsing twee kandidaten bij de bakkerij regelen"),
    D(6, "besloten de inleg in het fonds mee te nemen naar de voorjaarsnota; Economie werkt een "
         "businesscase uit met een verliesratio van maximaal 15%."),
    AM(6, "jan.devries", 28, "Businesscase revolverend fonds sociale ondernemingen"),

    /* the members follow up */
    C("jan.devries", 6,
      "Eerste gesprek met Sociaal Ondernemersfonds Midden gevoerd. Zij verwachten 8 tot 12 "
      "leningen per jaar van gemiddeld € 30.000. Verliesratio bij vergelijkbare fondsen: "
      "ongeveer 10%."),
    C("jan.devries", 12,
      "De bank wil een garantstelling voor 60% van de lening. De cijfers van de kringloop zijn "
      "gezond: de omzet groeide vorig jaar met 18%."),
    C("jan.devries", 26,
      "Het formulier is klaar voor een test. Na invullen van het KvK-nummer worden naam, adres "
      "en branche automatisch aangevuld."),
    C("jan.devries", 13,
      "Leegstandscijfers opgevraagd: 7 van de 31 panden leeg, waarvan 3 al langer dan een jaar. "
      "Twee eigenaren staan open voor pop-upverhuur."),
    C("jan.devries", 4,
      "Horeca Collectief Centrum wil tijdens het festival de terrassen op de kade uitbreiden; "
      "daarvoor is nog een aparte ontheffing nodig."),
    A("jan.devries", 26, "jan.devries", 21,
      "Testversie aanmeldformulier laten beoordelen door vijf ondernemers"),

    C("fatima.elamrani", 1,
      "Twee kandidaten gesproken via Stichting Werkkracht Noord. Beiden willen de "
      "bakkersopleiding in de beroepsbegeleidende leerweg volgen."),
    C("fatima.elamrani", 24,
      "Twaalf werkgevers hebben de scan gedaan. Meest genoemde drempel: onduidelijkheid over "
      "loonkostensubsidie en de no-riskpolis."),
    C("fatima.elamrani", 18,
      "De festivalorganisatie staat open voor tien werkplekken bij op- en afbouw, mits er een "
      "begeleider op het terrein is."),
    C("fatima.elamrani", 7,
      "Stichting Taal aan de Slag kan na de zomer starten met acht deelnemers."),
    C("fatima.elamrani", 2,
      "Kandidatenpool nog niet binnen: Werkkracht Noord heeft zelf personeelstekort. Herinnering "
      "gestuurd."),

    C("pieter.bakker", 4,
      "Overzicht gemaakt: zes vergunningen en ontheffingen, vier adviseurs (brandweer, politie, "
      "GHOR, verkeer). Eén integraal besluit kan als de aanvraag acht weken vooraf binnen is."),
    A_AGO("pieter.bakker", 29, "pieter.bakker", -8, 20,
          "Advies brandweer over gebruiksmelding opvragen"),
    DONE_AGO("pieter.bakker", 29, "pieter.bakker", 10),
    C_AGO(
        "pieter.bakker", 29, 10,
        "Advies brandweer binnen: geen sprinklers nodig bij maximaal 50 personen per hal, wel een "
        "extra nooduitgang aan de kanaalzijde."),
    DONE("pieter.bakker", 5, "pieter.bakker"),
    C("pieter.bakker", 5,
      "Procedure voor de tijdelijke afwijking is gestart. Terinzagelegging duurt zes weken; "
      "daarna kan het college besluiten."),
    C("pieter.bakker", 37,
      "Pilot geëvalueerd: doorlooptijd van tien naar vier weken, organisatoren geven een 8,5. "
      "De aanpak wordt standaard voor evenementen vanaf 2.000 bezoekers."),

    C("sanne.jansen", 2,
      "Het SROI-gunningscriterium staat in het concept-beschrijvend document: 20% van de "
      "kwaliteitsweging."),
    DONE("sanne.jansen", 2, "sanne.jansen"),
    C("sanne.jansen", 11,
      "Herinnering verstuurd aan de zes leveranciers. Twee hebben inmiddels gerapporteerd."),
    DONE("sanne.jansen", 11, "sanne.jansen"),
    C("sanne.jansen", 3,
      "Het platform draait al voor twee buurgemeenten. Let op: onder de drempel geldt de "
      "Aanbestedingswet niet, maar ons eigen inkoopbeleid vraagt drie offertes."),
    C("sanne.jansen", 10,
      "Glans wil twaalf leerwerkplekken bundelen. Contractbeheer moet dan per contract kunnen "
      "verantwoorden welk deel meetelt."),
    C("sanne.jansen", 33,
      "Aanbesteding gepubliceerd in zes percelen, zodat kleine vervoerders kunnen inschrijven."),

    C("lotte.meijer", 5,
      "Bouwkundige inspectie gedaan: dak in orde, elektra moet worden vervangen (raming "
      "€ 85.000). Circulaire Makers wil dat zelf doen tegen een lagere huur."),
    C("lotte.meijer", 14,
      "Standaard pop-upcontract is klaar: maximaal twaalf maanden, huur 50% van de markthuur, "
      "opzegtermijn één maand. Juridische toets loopt."),
    C("lotte.meijer", 15,
      "De netbeheerder verwacht pas over acht weken uitsluitsel over extra "
      "capaciteit."),
    A("lotte.meijer", 15, "lotte.meijer", 10,
      "Uitkomst capaciteitsonderzoek bespreken met Bedrijvenkring De Hoek"),
    C("lotte.meijer", 36,
      "Er is nog ruimte in de oude gymzaal aan de Schoolstraat; bezichtiging met het atelier "
      "ingepland."),
    A_AGO("lotte.meijer", 17, "lotte.meijer", -2, 12,
          "Offerte statiegeldbekers opvragen bij drie "
          "leveranciers"),

    C("ahmed.benali", 8,
      "ROC Midden Techniek kan een verkorte lasopleiding van twintig weken aanbieden bij "
      "minimaal tien deelnemers."),
    C("ahmed.benali", 9,
      "De zorggroep biedt een leer-werkbaan met behoud van uitkering tijdens de eerste drie "
      "maanden. Juridisch haalbaar volgens Sociaal domein."),
    C("ahmed.benali", 32,
      "Twaalf kandidaten in beeld; diplomawaardering loopt. Drie bedrijven willen een "
      "meeloopdag organiseren."),
    A_AGO("ahmed.benali", 32, "ahmed.benali", -1, 11,
          "Intakegesprekken met twaalf kandidaten plannen"),
    A("ahmed.benali", 21, "ahmed.benali", 14,
      "Leerwerkplekken Fietsenmakerij Op Wielen aanmelden bij het ROC"),
    C("ahmed.benali", 21,
      "ROC wil meewerken; de begeleiding kan uit het budget voor jongeren zonder "
      "startkwalificatie."),

    /* the broker links cases and closes what is done */
    L(19, 4, KB_LINK_DUPLICATE),
    L(16, 15, KB_LINK_RELATED),
    L(35, 3, KB_LINK_RELATED),
    L(29, 5, KB_LINK_BLOCKS),
    L(36, 5, KB_LINK_RELATED),
    L(17, 4, KB_LINK_RELATED),
    L(18, 4, KB_LINK_RELATED),
    L(28, 6, KB_LINK_RELATED),
    L(10, 2, KB_LINK_RELATED),
    L(40, 8, KB_LINK_RELATED),
    C(DEMO_ADMIN, 25,
      "Afgerond: contract gegund aan Eetcafé De Ontmoeting. Zes leerwerkplekken gerealiseerd, "
      "tevredenheid medewerkers 8,1."),
    C(DEMO_ADMIN, 30,
      "Afgerond: 43 ondernemers langs geweest, 11 nieuwe signalen. Volgend jaar herhalen."),
    A_AGO(DEMO_ADMIN, 38, "lotte.meijer", -20, 40,
          "Eindverantwoording eerste tranche aan het college"),
    DONE_AGO(DEMO_ADMIN, 38, "lotte.meijer", 26),
    C(DEMO_ADMIN, 38, "Afgerond en verantwoord. Tweede tranche volgt in de begroting."),
    C(DEMO_ADMIN, 39,
      "Geborgd: het netwerk draait zelfstandig; Sociaal domein blijft aanspreekpunt."),
    C(DEMO_ADMIN, 40,
      "Afgerond: alle openstaande facturen betaald en de betaaltermijn van de gemeente is "
      "teruggebracht naar 14 dagen. Vertrouwelijk: niet delen buiten het kernteam."),
    C(DEMO_ADMIN, 37, "Geborgd in het evenementenbeleid. Zie #4 voor de eerste toepassing."),
    C(DEMO_ADMIN, 4,
      "Op de agenda van het volgende kernteamoverleg: stand van zaken integraal besluit."),
};

/* ------------------------------------------------------------ building */

#define DEMO_NCASES (sizeof demo_cases / sizeof demo_cases[0])
#define DEMO_NEVENTS (sizeof demo_events / sizeof demo_events[0])

typedef struct demo_ctx {
    kb_cmd_ctx *cx;
    const char *path;
    const char *kdf;
    kb_secret *pass;
    kb_board *b;
    bool created; /* the board files exist: remove them on failure */
    kb_date today, meeting;
    int64_t came_in[DEMO_NCASES], entered[DEMO_NCASES]; /* each case's times (µs) */
    int64_t clock_us; /* the board's clock (demo_clock); 0: the system clock */
    char meeting_text[64];
    size_t ncomments, nactions, nlinks;
    uint32_t meeting_no;                     /* the meeting record of the past meeting */
    const demo_event *actions[DEMO_NEVENTS]; /* by number - 1 */
} demo_ctx;

/* ------------------------------------------------------------ the clock */

/* The time the board is written at (the board's clock, kb_board_opts):
 * set before each step, then one microsecond further at every reading, so
 * that entries written in one step keep their order; 0: the system clock. */
static int64_t demo_clock(void *ctx)
{
    demo_ctx *d = ctx;
    return d->clock_us ? d->clock_us++ : kb_time_now_us();
}

static void demo_clock_set(demo_ctx *d, int64_t us)
{
    d->clock_us = us;
}

static kb_board_opts demo_opts(demo_ctx *d)
{
    return (kb_board_opts){.kdf = d->kdf, .clock = {demo_clock, d}};
}

/* Local time hh:mm on the day `days` from today, in microseconds. */
static int64_t demo_us(const demo_ctx *d, int days, int hh, int mm)
{
    return ((int64_t)kb_time_of_date(d->today + days) + hh * 3600 + mm * 60) * 1000000;
}

static kb_date demo_day(kb_date from, int days)
{
    return days == 0 ? KB_DATE_NONE : from + days;
}

/* Monday = 0 (1970-01-01 was a Thursday). */
static int demo_weekday(kb_date d)
{
    return (int)(((d % 7) + 7 + 3) % 7);
}

/* The weekly meeting is on Tuesday; the one on record is the last Tuesday
 * at least three days ago (3..9 days), so that action items due up to two
 * days after it are overdue today and those due ten or more days after it
 * are not. */
static void demo_meeting(demo_ctx *d)
{
    static const char *const days[] = {"maandag", "dinsdag",  "woensdag", "donderdag",
                                       "vrijdag", "zaterdag", "zondag"};
    static const char *const months[] = {"januari",   "februari", "maart",    "april",
                                         "mei",       "juni",     "juli",     "augustus",
                                         "september", "oktober",  "november", "december"};
    kb_date m = d->today - 3;
    m -= (demo_weekday(m) - 1 + 7) % 7;
    d->meeting = m;
    int y, mo, day;
    kb_date_to_ymd(m, &y, &mo, &day);
    snprintf(d->meeting_text, sizeof d->meeting_text, "%s %d %s %d", days[demo_weekday(m)], day,
             months[(mo - 1) % 12], y);
}

/* Split s at '|' into sv. */
static void demo_split_bar(kb_strv *sv, const char *s)
{
    while (s && *s) {
        const char *q = strchr(s, '|');
        size_t n = q ? (size_t)(q - s) : strlen(s);
        char *t = kb_strndup(s, n);
        kb_strv_push(sv, t);
        kb_free(&t);
        s = q ? q + 1 : NULL;
    }
}

/* Work as user from now on (re-opening the board as them). */
static int demo_as(demo_ctx *d, const char *user)
{
    if (d->b && strcmp(kb_board_user(d->b), user) == 0)
        return KB_OK;
    kb_board_close(&d->b);
    kb_board_opts o = demo_opts(d);
    return kb_board_open(d->path, user, d->pass, &o, &d->b, &d->cx->err);
}

static int demo_refs(demo_ctx *d)
{
    kb_err *e = &d->cx->err;
    int rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < sizeof demo_depts / sizeof demo_depts[0]; i++) {
        const demo_dept *x = &demo_depts[i];
        kb_dept dept = {
            .code = (char *)x->code, .name = (char *)x->name, .colour = (char *)x->colour};
        rc = x->add ? kb_board_dept_add(d->b, &dept, e) : kb_board_dept_edit(d->b, &dept, e);
    }
    for (size_t i = 0; rc == KB_OK && i < sizeof demo_stages / sizeof demo_stages[0]; i++) {
        const demo_stage *x = &demo_stages[i];
        const kb_stage *old = kb_board_stage_find(d->b, x->code);
        if (!old)
            return kb_err_set(e, KB_ESOFTWARE, _("no stage %s (see 'kernboard stage list')"),
                              x->code);
        kb_stage s = *old;
        s.name = (char *)x->name;
        s.wip_limit = x->wip_limit;
        s.norm_days = x->norm_days;
        s.needs_reason = x->needs_reason;
        rc = kb_board_stage_edit(d->b, &s, e);
    }
    for (size_t i = 0; rc == KB_OK && i < sizeof demo_lines / sizeof demo_lines[0]; i++) {
        const kb_line *old = kb_board_line_find(d->b, demo_lines[i].code);
        if (!old)
            return kb_err_set(e, KB_ESOFTWARE, _("no action line %s (see 'kernboard line list')"),
                              demo_lines[i].code);
        kb_line l = *old;
        l.name = (char *)demo_lines[i].name;
        rc = kb_board_line_edit(d->b, &l, e);
    }
    return rc;
}

static int demo_users_add(demo_ctx *d)
{
    int rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < sizeof demo_users / sizeof demo_users[0]; i++) {
        kb_strv depts = {0};
        kb_strv_split(&depts, demo_users[i].depts);
        rc = kb_board_user_add(d->b, demo_users[i].name, demo_users[i].role, &depts, d->pass,
                               &d->cx->err);
        kb_strv_free(&depts);
    }
    return rc;
}

/* The stage index of case i's stage. */
static size_t demo_stage_index(size_t i)
{
    size_t s = 0;
    while (s + 1 < sizeof demo_stages / sizeof demo_stages[0] &&
           strcmp(demo_stages[s].code, demo_cases[i].stage) != 0)
        s++;
    return s;
}

/* Add case i (number i + 1) in the first stage, on the day it came in;
 * its moves are steps of their own (demo_case_move). */
static int demo_case_add(demo_ctx *d, size_t i)
{
    const demo_case *x = &demo_cases[i];
    kb_err *e = &d->cx->err;
    size_t nst = 0;
    const kb_stage *st = kb_board_stages(d->b, &nst);
    kb_case c;
    kb_case_init(&c);
    c.title = kb_strdup(x->title);
    c.description = kb_strdup(x->desc);
    c.stage = kb_strdup(st[0].code);
    c.lead_dept = x->lead ? kb_strdup(x->lead) : NULL;
    if (x->also)
        kb_strv_split(&c.depts, x->also);
    c.action_line = x->line ? kb_strdup(x->line) : NULL;
    demo_split_bar(&c.hooks, x->hooks);
    demo_split_bar(&c.orgs, x->orgs);
    c.owner = x->owner ? kb_strdup(x->owner) : NULL;
    c.priority = x->prio;
    c.due = demo_day(d->today, x->due);
    c.review = demo_day(d->today, x->review);
    c.on_agenda = x->agenda;
    c.blocked = x->blocked ? kb_strdup(x->blocked) : NULL;
    c.conf = KB_CONF_INTERNAL;
    if (x->tags)
        kb_strv_split(&c.tags, x->tags);
    int rc = x->conf ? kb_conf_parse(x->conf, &c.conf, e) : KB_OK;
    if (rc == KB_OK && strcmp(demo_stages[demo_stage_index(i)].code, x->stage) != 0)
        rc = kb_err_set(e, KB_ESOFTWARE, _("unknown stage '%s'"), x->stage);
    if (rc == KB_OK) {
        demo_clock_set(d, d->came_in[i]);
        rc = kb_board_case_add(d->b, &c, e);
    }
    if (rc == KB_OK && c.number != i + 1)
        rc = kb_err_set(e, KB_ESOFTWARE, _("case #%u already exists on this board"),
                        (unsigned)(i + 1));
    kb_case_free(&c);
    return rc;
}

/* Move case i on to stage s (the next one), as the team did. */
static int demo_case_move(demo_ctx *d, size_t i, size_t s)
{
    kb_err *e = &d->cx->err;
    size_t nst = 0;
    const kb_stage *st = kb_board_stages(d->b, &nst);
    if (s >= nst)
        return kb_err_set(e, KB_ESOFTWARE, _("unknown stage '%s'"), demo_cases[i].stage);
    /* stages that need a reason get the one a broker would give */
    const char *reason = st[s].needs_reason ? "Doel bereikt; afspraken geborgd in de lijn" : NULL;
    char *to = kb_strdup(st[s].code);
    kb_case c;
    kb_case_init(&c);
    int rc =
        kb_board_case_move(d->b, (uint32_t)i + 1, to, reason, KB_CORE_ANY_VERSION, 0, &c, NULL, e);
    kb_case_free(&c);
    kb_free(&to);
    return rc;
}

static int demo_event_run(demo_ctx *d, const demo_event *x)
{
    kb_err *e = &d->cx->err;
    int rc = demo_as(d, x->as);
    if (rc)
        return rc;
    switch (x->kind) {
    case DEMO_COMMENT:
        rc = kb_board_comment_add(d->b, x->n, x->text, e);
        d->ncomments++;
        break;
    case DEMO_DECISION: {
        kb_decision dec = {.case_number = x->n, .meeting = d->meeting_no};
        dec.text = kb_strdup(x->text);
        dec.text[0] = (char)toupper((unsigned char)dec.text[0]); /* "besloten …" -> "Besloten …" */
        rc = kb_board_decision_add(d->b, &dec, e);
        kb_decision_free(&dec);
        break;
    }
    case DEMO_ACTION: {
        kb_action_item a;
        kb_action_item_init(&a);
        a.case_number = x->n;
        a.text = kb_strdup(x->text);
        a.owner = kb_strdup(x->owner);
        a.due = demo_day(x->meeting ? d->meeting : d->today, x->due);
        rc = kb_board_action_add(d->b, &a, e);
        if (rc == KB_OK && a.number >= 1 && a.number <= d->nactions + 1)
            d->actions[a.number - 1] = x;
        kb_action_item_free(&a);
        d->nactions++;
        break;
    }
    case DEMO_DONE: {
        /* the action item is named by its case and owner */
        uint32_t num = 0;
        for (size_t i = 0; i < d->nactions; i++)
            if (d->actions[i] && d->actions[i]->n == x->n &&
                strcmp(d->actions[i]->owner, x->owner) == 0)
                num = (uint32_t)i + 1;
        rc = kb_board_action_done(d->b, num, true, e);
        break;
    }
    case DEMO_LINK:
        rc = kb_board_link_add(d->b, x->n, x->to, x->link, e);
        d->nlinks++;
        break;
    }
    return rc;
}

/* The past meeting: everyone but the viewer, the cases it decided on as
 * agenda, and minutes in Markdown. */
static int demo_meeting_add(demo_ctx *d)
{
    kb_meeting m;
    kb_meeting_init(&m);
    m.date = d->meeting;
    kb_strv_push(&m.attendees, DEMO_ADMIN);
    for (size_t i = 0; i < sizeof demo_users / sizeof demo_users[0]; i++)
        if (demo_users[i].role != KB_ROLE_VIEWER)
            kb_strv_push(&m.attendees, demo_users[i].name);
    kb_buf minutes = KB_BUF_INIT;
    kb_buf_printf(&minutes, "# Kernteamoverleg %s\n\nVoorzitter: de makelaar.\n\n## Besluiten\n\n",
                  d->meeting_text);
    for (size_t i = 0; i < sizeof demo_events / sizeof demo_events[0]; i++) {
        const demo_event *x = &demo_events[i];
        if (x->kind != DEMO_DECISION)
            continue;
        bool seen = false;
        for (size_t k = 0; k < m.agenda.n; k++)
            seen = seen || m.agenda.v[k] == x->n;
        if (!seen)
            kb_u32v_push(&m.agenda, x->n);
        kb_buf_printf(&minutes, "- #%u: %s\n", x->n, x->text);
    }
    kb_buf_puts(&minutes, "\nVolgend overleg: dinsdag over een week, 9.30 uur.\n");
    m.minutes = kb_buf_take(&minutes);
    int rc = demo_as(d, DEMO_ADMIN);
    if (rc == KB_OK)
        rc = kb_board_meeting_add(d->b, &m, &d->cx->err);
    d->meeting_no = m.number;
    kb_meeting_free(&m);
    return rc;
}

/* ------------------------------------------------------------ organisations and contact moments
 *
 * The organisations the cases name already have records (the core makes
 * them with the case, kind entrepreneur); the broker fills in the kind,
 * contact person and notes of some, then the departments record their
 * contact moments (days relative to today: negative = held, positive =
 * planned).  Two departments planning the Festival within a week of each
 * other is the clash the contacts screen warns about. */

typedef struct demo_org {
    const char *name;
    enum kb_org_kind kind;
    const char *contact, *notes;
} demo_org;

static const demo_org demo_orgs[] = {
    {"Stichting Werkkracht Noord", KB_ORG_FOUNDATION, "Els de Boer",
     "Leerwerkplekken voor mensen met een afstand tot de arbeidsmarkt."},
    {"Festival Zomer aan de Gracht", KB_ORG_ENTREPRENEUR, "Mark Visser",
     "Organisator; wil één aanspreekpunt bij de gemeente."},
    {"Ondernemersvereniging Binnenstad", KB_ORG_PARTNER, "Ria Vos", NULL},
    {"ROC Midden Techniek", KB_ORG_PARTNER, "Hans Kuiper", NULL},
    {"Werkgeversservicepunt Regio Midden", KB_ORG_GOVERNMENT, NULL, NULL},
    {"Zorggroep De Linde", KB_ORG_ENTREPRENEUR, "Anja Smit", NULL},
    {"Stichting Taal aan de Slag", KB_ORG_FOUNDATION, NULL, NULL},
    {"Stichting Broedplaats De Fabriek", KB_ORG_FOUNDATION, NULL, NULL},
    {"Stichting Oranjecomité", KB_ORG_FOUNDATION, NULL, NULL},
    {"Bakkerij De Korenschoof", KB_ORG_ENTREPRENEUR, "Sem Bakker",
     "Familiebedrijf; zoekt twee leerlingen."},
};

typedef struct demo_contact {
    const char *as, *org, *dept;
    int day;
    const char *purpose;
} demo_contact;

static const demo_contact demo_contacts[] = {
    {"jan.devries", "Bakkerij De Korenschoof", "ECO", -12, "Kennismaking: uitbreidingsplannen"},
    {"fatima.elamrani", "Stichting Werkkracht Noord", "INC", -5, "Leerwerkplekken in de bakkerij"},
    {"lotte.meijer", "Festival Zomer aan de Gracht", "VAS", 3, "Locatieschouw aan de gracht"},
    {"jan.devries", "Festival Zomer aan de Gracht", "ECO", 6, "Eén vergunning: wensen organisator"},
    {"fatima.elamrani", "Zorggroep De Linde", "INC", 8, "Zij-instromers uit de bijstand"},
    {"ahmed.benali", "Ondernemersvereniging Binnenstad", "OND", -20, "Leegstand in de binnenstad"},
    {"sanne.jansen", "ROC Midden Techniek", "INK", 15, "Social return in de aanbesteding"},
};

static int demo_contacts_add(demo_ctx *d)
{
    kb_err *e = &d->cx->err;
    int rc = demo_as(d, DEMO_ADMIN);
    for (size_t i = 0; rc == KB_OK && i < sizeof demo_orgs / sizeof demo_orgs[0]; i++) {
        kb_org o = {.name = (char *)demo_orgs[i].name,
                    .kind = demo_orgs[i].kind,
                    .contact = (char *)demo_orgs[i].contact,
                    .notes = (char *)demo_orgs[i].notes};
        rc = kb_board_org_edit(d->b, &o, e);
    }
    for (size_t i = 0; rc == KB_OK && i < sizeof demo_contacts / sizeof demo_contacts[0]; i++) {
        const demo_contact *x = &demo_contacts[i];
        if ((rc = demo_as(d, x->as)))
            break;
        kb_contact c = {.org = kb_strdup(x->org),
                        .date = d->today + x->day,
                        .dept = kb_strdup(x->dept),
                        .purpose = kb_strdup(x->purpose)};
        kb_contact_vec clashes = {0};
        rc = kb_board_contact_add(d->b, &c, KB_CONTACT_WINDOW_BOARD, &clashes, e);
        kb_contact_vec_free(&clashes);
        kb_contact_free(&c);
    }
    return rc;
}

/* ------------------------------------------------------------ the history in time order */

enum demo_step_kind { STEP_MOVE, STEP_MEETING, STEP_EVENT };

typedef struct demo_step {
    int64_t at;   /* when (µs) */
    size_t order; /* the order of the list, for steps at the same moment */
    enum demo_step_kind kind;
    size_t i;     /* the case (STEP_MOVE) or the event (STEP_EVENT) */
    size_t stage; /* STEP_MOVE: the stage it enters */
} demo_step;

static int demo_step_cmp(const void *a, const void *b)
{
    const demo_step *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

/* When each case came in and entered its stage: case i at 9:00 to 16:00
 * on the day it came in, its moves at 10:00 to 16:00 on their days. */
static void demo_case_times(demo_ctx *d)
{
    for (size_t i = 0; i < DEMO_NCASES; i++) {
        const demo_case *x = &demo_cases[i];
        d->came_in[i] = demo_us(d, -x->age, 9, (int)(i * 37 % 420));
        size_t last = demo_stage_index(i);
        d->entered[i] = d->came_in[i];
        if (last > 0) /* as demo_steps moves it */
            d->entered[i] = demo_us(d, -x->in_stage, 10, (int)((i * 53 + last * 17) % 360));
    }
}

/* When event j happened, by its kind and its place in demo_events: on
 * its own day (ago); at the meeting (decisions and the action items taken
 * there, a few minutes apart); a link the day after the later of its
 * cases came in; the broker's first notes (before the meeting's events in
 * the list) the day after the case came in; the broker's closing notes
 * two hours after a case reached the last stage; the rest, the members'
 * follow-ups, spread from the day after the meeting to yesterday. */
enum demo_when { WHEN_AGO, WHEN_MEETING, WHEN_LINK, WHEN_FIRST, WHEN_CLOSING, WHEN_FOLLOW_UP };

static enum demo_when demo_event_when(size_t j, size_t first_meeting)
{
    const demo_event *x = &demo_events[j];
    if (x->ago)
        return WHEN_AGO;
    if (x->kind == DEMO_DECISION || x->meeting)
        return WHEN_MEETING;
    if (x->kind == DEMO_LINK)
        return WHEN_LINK;
    if (j < first_meeting)
        return WHEN_FIRST;
    if (strcmp(x->as, DEMO_ADMIN) == 0 &&
        demo_stage_index(x->n - 1) + 1 == sizeof demo_stages / sizeof demo_stages[0])
        return WHEN_CLOSING;
    return WHEN_FOLLOW_UP;
}

/* The moves, the meeting and the events, in time order. */
static demo_step *demo_steps(demo_ctx *d, size_t *n)
{
    const int64_t minute = 60 * 1000000LL, hour = 60 * minute, day = 24 * hour;
    size_t cap = DEMO_NEVENTS + 1 + DEMO_NCASES * (sizeof demo_stages / sizeof demo_stages[0]);
    demo_step *v = kb_calloc(cap, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < DEMO_NCASES; i++) {
        size_t last = demo_stage_index(i);
        /* the stages between on days evenly spread, during working hours */
        int from = -demo_cases[i].age, to = -demo_cases[i].in_stage;
        for (size_t s = 1; s <= last; s++) {
            int on = from + (int)((int64_t)(to - from) * (int64_t)s / (int64_t)last);
            int64_t at =
                s == last ? d->entered[i] : demo_us(d, on, 10, (int)((i * 53 + s * 17) % 360));
            if (at <= d->came_in[i]) /* the day it came in: after that */
                at = d->came_in[i] + (int64_t)s * 10 * minute;
            v[k] = (demo_step){at, k, STEP_MOVE, i, s};
            k++;
        }
    }
    int meeting_day = (int)(d->meeting - d->today);
    v[k] = (demo_step){demo_us(d, meeting_day, 9, 25), k, STEP_MEETING, 0, 0};
    k++;
    size_t first_meeting = DEMO_NEVENTS, n_follow = 0, k_meeting = 0, k_follow = 0;
    for (size_t j = 0; j < DEMO_NEVENTS && first_meeting == DEMO_NEVENTS; j++)
        if (demo_events[j].kind == DEMO_DECISION)
            first_meeting = j;
    for (size_t j = 0; j < DEMO_NEVENTS; j++)
        n_follow += demo_event_when(j, first_meeting) == WHEN_FOLLOW_UP;
    /* the follow-ups: over the working hours (9:00 to 17:00) of the days
     * from the day after the meeting to yesterday */
    int64_t ndays = -1 - meeting_day, nf = n_follow ? (int64_t)n_follow : 1;
    for (size_t j = 0; j < DEMO_NEVENTS; j++) {
        const demo_event *x = &demo_events[j];
        int64_t at = 0, jm = (int64_t)j * minute;
        switch (demo_event_when(j, first_meeting)) {
        case WHEN_AGO:
            at = demo_us(d, -x->ago, 14, 0) + jm;
            break;
        case WHEN_MEETING:
            at = demo_us(d, meeting_day, 9, 30) + (int64_t)k_meeting++ * 3 * minute;
            break;
        case WHEN_LINK: {
            int64_t a = d->came_in[x->n - 1], b = d->came_in[x->to - 1];
            at = (a > b ? a : b) + day + jm;
            break;
        }
        case WHEN_FIRST:
            at = d->came_in[x->n - 1] + day + jm;
            break;
        case WHEN_CLOSING:
            at = d->entered[x->n - 1] + 2 * hour + jm;
            break;
        case WHEN_FOLLOW_UP: {
            int64_t slot = (int64_t)k_follow++ * ndays;
            at = demo_us(d, meeting_day + 1 + (int)(slot / nf), 9, 0) + (slot % nf) * 8 * hour / nf;
            break;
        }
        }
        v[k] = (demo_step){at, k, STEP_EVENT, j, 0};
        k++;
    }
    kb_sort(v, k, sizeof *v, demo_step_cmp);
    *n = k;
    return v;
}

static int demo_history(demo_ctx *d)
{
    size_t n = 0;
    demo_step *v = demo_steps(d, &n);
    int rc = KB_OK;
    for (size_t k = 0; k < n && rc == KB_OK; k++) {
        demo_clock_set(d, v[k].at);
        switch (v[k].kind) {
        case STEP_MOVE:
            if ((rc = demo_as(d, DEMO_ADMIN)) == KB_OK)
                rc = demo_case_move(d, v[k].i, v[k].stage);
            break;
        case STEP_MEETING:
            rc = demo_meeting_add(d);
            break;
        case STEP_EVENT:
            rc = demo_event_run(d, &demo_events[v[k].i]);
            break;
        }
    }
    kb_free(&v);
    return rc;
}

static int demo_build(demo_ctx *d)
{
    kb_err *e = &d->cx->err;
    kb_board_opts o = demo_opts(d);
    /* the board was set up before the oldest case came in */
    demo_case_times(d);
    int64_t start = d->came_in[0];
    for (size_t i = 1; i < DEMO_NCASES; i++)
        if (d->came_in[i] < start)
            start = d->came_in[i];
    demo_clock_set(d, start - (int64_t)7 * 24 * 3600 * 1000000);
    int rc = kb_board_init(d->path, DEMO_ADMIN, d->pass, &o, &d->b, e);
    if (rc)
        return rc;
    d->created = true;
    if ((rc = demo_refs(d)) || (rc = demo_users_add(d)))
        return rc;
    for (size_t i = 0; i < sizeof demo_goals / sizeof demo_goals[0]; i++) {
        kb_goal g = {.dept = (char *)demo_goals[i].dept,
                     .code = (char *)demo_goals[i].code,
                     .text = (char *)demo_goals[i].text};
        if ((rc = kb_board_goal_add(d->b, &g, NULL, NULL, e)))
            return rc;
    }
    for (size_t i = 0; i < DEMO_NCASES; i++)
        if ((rc = demo_as(d, DEMO_ADMIN)) || (rc = demo_case_add(d, i)))
            return rc;
    if ((rc = demo_history(d)))
        return rc;
    /* the organisations and contact moments: now */
    demo_clock_set(d, 0);
    if ((rc = demo_contacts_add(d)))
        return rc;
    return KB_OK;
}

/* BOARD's directory/demo-passphrase.txt, mode 0600. */
static int demo_passfile(demo_ctx *d, char **out)
{
    char *copy = kb_strdup(d->path);
    char *path = kb_asprintf("%s/%s", dirname(copy), DEMO_PASSFILE);
    kb_free(&copy);
    *out = path;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return kb_err_set(&d->cx->err, KB_ECANTCREAT, _("cannot create %s: %s"), path,
                          strerror(errno));
    static const char text[] = DEMO_PASSPHRASE "\n";
    int rc = KB_OK;
    if (fchmod(fd, 0600) != 0 || write(fd, text, sizeof text - 1) != (ssize_t)(sizeof text - 1))
        rc = kb_err_set(&d->cx->err, KB_EIO, _("cannot write %s: %s"), path, strerror(errno));
    if (close(fd) != 0 && rc == KB_OK)
        rc = kb_err_set(&d->cx->err, KB_EIO, _("cannot write %s: %s"), path, strerror(errno));
    if (rc)
        unlink(path);
    return rc;
}

static int demo_print(const demo_ctx *d, const char *passfile)
{
    const size_t ncases = sizeof demo_cases / sizeof demo_cases[0];
    const size_t nusers = sizeof demo_users / sizeof demo_users[0];
    if (d->cx->json) {
        json_t *doc = json_object();
        json_object_set_new(doc, "board", json_string(d->path));
        json_object_set_new(doc, "admin", json_string(DEMO_ADMIN));
        json_t *users = json_array();
        json_t *u = json_object();
        json_object_set_new(u, "name", json_string(DEMO_ADMIN));
        json_object_set_new(u, "role", json_string(kb_role_name(KB_ROLE_ADMIN)));
        json_array_append_new(users, u);
        for (size_t i = 0; i < nusers; i++) {
            u = json_object();
            json_object_set_new(u, "name", json_string(demo_users[i].name));
            json_object_set_new(u, "role", json_string(kb_role_name(demo_users[i].role)));
            json_array_append_new(users, u);
        }
        json_object_set_new(doc, "users", users);
        json_object_set_new(doc, "passphrase", json_string(DEMO_PASSPHRASE));
        json_object_set_new(doc, "passphrase_file", json_string(passfile));
        json_object_set_new(doc, "cases", json_integer((json_int_t)ncases));
        json_object_set_new(doc, "comments", json_integer((json_int_t)d->ncomments));
        json_object_set_new(doc, "action_items", json_integer((json_int_t)d->nactions));
        json_object_set_new(doc, "links", json_integer((json_int_t)d->nlinks));
        return kb_cmd_print_json(d->cx, doc);
    }
    fprintf(d->cx->out,
            _("Created demo board %s: %zu cases, %zu comments, %zu action items, %zu "
              "departments.\n"),
            d->path, ncases, d->ncomments, d->nactions, sizeof demo_depts / sizeof demo_depts[0]);
    fprintf(d->cx->out, _("Users (all with the demo passphrase):\n"));
    fprintf(d->cx->out, "  %-18s %s\n", DEMO_ADMIN, kb_role_label(KB_ROLE_ADMIN));
    for (size_t i = 0; i < nusers; i++)
        fprintf(d->cx->out, "  %-18s %-10s %s\n", demo_users[i].name,
                kb_role_label(demo_users[i].role), demo_users[i].depts);
    fprintf(d->cx->out, _("Demo-wachtwoord / demo passphrase: %s (also in %s)\n"), DEMO_PASSPHRASE,
            passfile);
    fprintf(d->cx->out, _("Open it with:\n"));
    fprintf(d->cx->out, "  kernboard --db %s --user %s\n", d->path, DEMO_ADMIN);
    fprintf(d->cx->out, "  kernboard --db %s --user %s --passphrase-file %s case list\n", d->path,
            DEMO_ADMIN, passfile);
    return KB_OK;
}

int kb_cmd_demo(kb_cmd_ctx *cx, int argc, char **argv)
{
    static const struct option longs[] = {
        {"kdf", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0},
    };
    const char *kdf = "interactive";
    kb_cmd_getopt_reset();
    int rc, opt, idx;
    while ((rc = kb_cmd_getopt(cx, "demo", argc, argv, longs, &idx, &opt)) == KB_OK && opt != -1)
        if (opt == 'k')
            kdf = optarg;
    if (rc)
        return rc;
    if (optind < argc)
        cx->db = argv[optind++];
    if (optind < argc)
        return kb_cmd_usage(cx, "demo", _("unexpected argument '%s'"), argv[optind]);
    if (!cx->db || !cx->db[0])
        return kb_cmd_usage(cx, "demo", _("which board? give its file name: kernboard demo BOARD"));
    if (strcmp(kdf, "interactive") && strcmp(kdf, "moderate") && strcmp(kdf, "sensitive"))
        return kb_cmd_bad_value(
            cx, "demo", _("unknown --kdf '%s': use interactive, moderate or sensitive"), kdf);
    if (access(cx->db, F_OK) == 0)
        return kb_cmd_fail(cx, KB_ECANTCREAT, _("%s already exists; choose another name"), cx->db);
    if ((rc = kb_cmd_new_board_dir(cx, cx->db)))
        return rc;

    demo_ctx d = {.cx = cx, .path = cx->db, .kdf = kdf, .today = kb_date_today()};
    demo_meeting(&d);
    size_t plen = strlen(DEMO_PASSPHRASE);
    d.pass = kb_secret_new(plen + 1);
    memcpy(kb_secret_data(d.pass), DEMO_PASSPHRASE, plen);
    kb_secret_set_len(d.pass, plen);

    char *passfile = NULL;
    rc = demo_build(&d);
    kb_board_close(&d.b);
    if (rc == KB_OK)
        rc = demo_passfile(&d, &passfile);
    if (rc) {
        if (d.created) {
            char *lock = kb_asprintf("%s.lock", d.path);
            unlink(d.path);
            unlink(lock);
            kb_free(&lock);
        }
        kb_err_prefix(&cx->err, "%s", _("the demo board was not created: "));
        rc = kb_cmd_report(cx);
    } else {
        rc = demo_print(&d, passfile);
    }
    kb_free(&passfile);
    kb_secret_free(&d.pass);
    return rc;
}
