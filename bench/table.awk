# bench/table.awk - the tables of bench/run.sh from its results file
# (tab-separated lines SIZE OP METRIC VALUE, one per measurement).
#   awk -F'\t' -v sizes=1000,10000 -f bench/table.awk RESULTS
# Medians per (size, operation, metric); "minus unlock" subtracts the median
# in-process unlock of the same size; ratios divide by the raw floor of the
# same size (cases floor: case list, TUI; all-records floor: export, import,
# verify).
function median(key,   n, i, j, t, a) {
    n = split(vals[key], a, " ")
    if (n == 0 || vals[key] == "") return ""
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmt(x) { return x == "" ? "" : (x < 10 ? sprintf("%.2f", x) : (x < 100 ? sprintf("%.1f", x) : sprintf("%.0f", x))) }
function mib(kb) { return kb == "" ? "" : sprintf("%.0f", kb / 1024) }
function ratio(x, f) { return (x == "" || f == "" || f <= 0) ? "" : sprintf("%.1f×", x / f) }
{
    k = $1 SUBSEP $2 SUBSEP $3
    if ($3 == "fail") { fails[$1 SUBSEP $2] = fails[$1 SUBSEP $2] " " $4; next }
    if ($3 == "stopped") { stopped[$1 SUBSEP $2] = $4; next }
    vals[k] = (k in vals) ? vals[k] " " $4 : $4
}
function row(n, op, label, kind,   ms, rss, mu, rf, ra, s, cpu, cu, mus) {
    if ((n SUBSEP op) in fails) {
        printf "| %s | failed (exit%s) | | | | | | |\n", label, fails[n SUBSEP op]
        return
    }
    ms = median(n SUBSEP op SUBSEP "ms"); rss = median(n SUBSEP op SUBSEP "rss_kb")
    if (ms == "" && (n SUBSEP op) in stopped) { # --timeout stopped every run
        printf "| %s | > %d s (stopped) | | | | | | |\n", label, stopped[n SUBSEP op]
        S[n SUBSEP op] = sprintf("> %d s", stopped[n SUBSEP op])
        return
    }
    if (ms == "") { # not measured (yet): a run stopped early
        printf "| %s | not measured | | | | | | |\n", label
        S[n SUBSEP op] = "-"
        return
    }
    mu = ""; rf = ""; ra = ""
    # a command faster than the separately measured unlock: load noise
    # (shown as such, without a ratio; the CPU columns are steadier)
    if (kind == "cmd" || kind == "cmdall" || kind == "tui" || kind == "single") mu = ms - U[n]
    if (kind == "inproc" || kind == "keptlist") rf = ratio(ms, FC[n])
    if ((kind == "cmd" || kind == "tui") && mu >= 0) rf = ratio(mu, FC[n])
    if (kind == "cmdall" && mu >= 0) ra = ratio(mu, FA[n])
    cpu = median(n SUBSEP op SUBSEP "cpu_ms"); cu = ""
    if (cpu != "" && kind != "unlock" && kind != "kept" && kind != "keptlist" && kind != "plain" && UC[n] != "") { cu = cpu - UC[n]; if (cu < 0) cu = 0 }
    mus = (mu != "" && mu < 0) ? "< 0 (noise)" : fmt(mu)
    printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", label, fmt(ms), mus, fmt(cpu), fmt(cu), rf, ra, mib(rss)
    S[n SUBSEP op] = (kind == "inproc" || kind == "unlock" || kind == "kept" || kind == "keptlist" || kind == "plain" ? fmt(ms) : mus) (rf != "" ? " (" rf ")" : (ra != "" ? " (" ra ")" : ""))
}
END {
    ns = split(sizes, SZ, ",")
    for (i = 1; i <= ns; i++) {
        n = SZ[i]
        U[n] = median(n SUBSEP "unlock" SUBSEP "ms"); UC[n] = median(n SUBSEP "unlock" SUBSEP "cpu_ms")
        FC[n] = median(n SUBSEP "floor_cases" SUBSEP "ms")
        FA[n] = median(n SUBSEP "floor_all" SUBSEP "ms")
        rc = median(n SUBSEP "floor_cases" SUBSEP "records"); ra = median(n SUBSEP "floor_all" SUBSEP "records")
        printf "\n== %d cases (3 comments each, an action item on every second case); board %.0f MiB, generated in %.1f s; medians of %d runs\n\n",
            n, median(n SUBSEP "board_bytes" SUBSEP "value") / 1048576, median(n SUBSEP "generate" SUBSEP "ms") / 1000,
            split(vals[n SUBSEP "floor_cases" SUBSEP "ms"], tmp, " ")
        print "| operation | median ms | minus unlock ms | CPU ms | CPU minus unlock ms | × floor (cases) | × floor (all records) | peak RSS MiB |"
        print "|---|---|---|---|---|---|---|---|"
        row(n, "floor_cases", sprintf("raw floor: LMDB walk + AEAD decrypt of the cases (%d records)", rc), "inproc")
        row(n, "floor_all", sprintf("raw floor over every record table (%d records)", ra), "inproc")
        row(n, "store_scan", "store scan of the cases (lock, fresh environment, decrypt, version map)", "inproc")
        row(n, "core_list", "core case list in one process (store scan + decode)", "inproc")
        row(n, "unlock", "unlock (Argon2id interactive, the benchmark boards)", "unlock")
        row(n, "unlock_moderate", "unlock (Argon2id moderate, the default of init)", "unlock")
        row(n, "list", "`case list`", "cmd")
        row(n, "show", "`case show`", "single")
        row(n, "edit", "`case edit --title`", "single")
        row(n, "comment", "`case comment`", "single")
        row(n, "start", "process start floor (`kernboard --version`)", "plain")
        row(n, "list_kept", "`case list`, key kept in the session keyring", "keptlist")
        row(n, "show_kept", "`case show`, key kept in the session keyring", "kept")
        row(n, "edit_kept", "`case edit --title`, key kept", "kept")
        row(n, "comment_kept", "`case comment`, key kept", "kept")
        row(n, "tui_first", "TUI first frame", "tui")
        if ((n SUBSEP "tui_first") in fails) {
            S[n SUBSEP "tui_cpu"] = "failed"; S[n SUBSEP "tui_bytes"] = "failed"
        } else if (median(n SUBSEP "tui_bytes" SUBSEP "value") == "") {
            S[n SUBSEP "tui_cpu"] = "-"; S[n SUBSEP "tui_bytes"] = "-"
        } else {
            c = median(n SUBSEP "tui_change" SUBSEP "cpu_ms"); w = median(n SUBSEP "tui_change" SUBSEP "ms")
            b = median(n SUBSEP "tui_bytes" SUBSEP "value")
            printf "| TUI CPU per change made by someone else (ms CPU; until shown: %s ms wall) | %s | | %s | | | | |\n", fmt(w), fmt(c), fmt(c)
            printf "| TUI bytes written per cursor move (j/k) | %.0f bytes | | | | | | |\n", b
            S[n SUBSEP "tui_cpu"] = fmt(c); S[n SUBSEP "tui_bytes"] = sprintf("%.0f B", b)
        }
        row(n, "export", "`export --format json`", "cmdall")
        row(n, "comment_export", "`case comment` during an export (started a fifth of the export's time after it)", "single")
        row(n, "import", "`import` (the export, into an empty board)", "cmdall")
        row(n, "comment_import", "`case comment` during an import (started a fifth of the import's time after it)", "single")
        row(n, "verify", "`verify`", "cmdall")
        lk = median(n SUBSEP "list_kept" SUBSEP "ms")
        printf "\nratios %d: case list %s (key kept: %s), TUI first frame %s (to the cases floor, %s ms); export %s, import %s, verify %s (to the all-records floor, %s ms); unlock excluded\n",
            n, R(n, "list", FC[n]), (lk == "" ? "-" : ratio(lk, FC[n])), R(n, "tui_first", FC[n]), fmt(FC[n]), R(n, "export", FA[n]), R(n, "import", FA[n]), R(n, "verify", FA[n]), fmt(FA[n])
    }
    printf "\n== summary: median ms, unlock excluded (ratio to the raw floor of the same run)\n\n"
    h = "| operation |"; d = "|---|"
    for (i = 1; i <= ns; i++) { h = h " " SZ[i] " |"; d = d "---|" }
    print h; print d
    split("floor_cases floor_all unlock unlock_moderate list show edit comment start list_kept show_kept edit_kept comment_kept tui_first tui_cpu tui_bytes export comment_export import comment_import verify", OPS, " ")
    split("raw floor (cases)|raw floor (all records)|unlock (interactive)|unlock (moderate)|`case list`|`case show`|`case edit`|`case comment`|process start (`--version`)|`case list`, key kept (wall ms)|`case show`, key kept (wall ms)|`case edit`, key kept (wall ms)|`case comment`, key kept (wall ms)|TUI first frame|TUI CPU per remote change|TUI bytes per cursor move|`export --format json`|`case comment` during an export|`import`|`case comment` during an import|`verify`", LB, "|")
    for (o = 1; o <= 21; o++) {
        line = "| " LB[o] " |"
        for (i = 1; i <= ns; i++) {
            v = ((SZ[i] SUBSEP OPS[o]) in fails) ? "failed" : S[SZ[i] SUBSEP OPS[o]]
            line = line " " v " |"
        }
        print line
    }
}
function R(n, op, f,   ms) {
    if ((n SUBSEP op) in fails) return "failed"
    if (median(n SUBSEP op SUBSEP "ms") == "") return ((n SUBSEP op) in stopped) ? "> " stopped[n SUBSEP op] " s" : "-"
    ms = median(n SUBSEP op SUBSEP "ms") - U[n]
    return ms < 0 ? "- (noise)" : ratio(ms, f)
}
