/// Every event type the ledger writes (DESIGN §5), in one place. `CATALOG.md` beside this file is generated from
/// it (`EventCatalog.markdown`), and a test keeps the two equal.
extension EventType {
    public static let runStarted = EventType(
        "run.started", stream: "run:<uuid>",
        "a fetch, import, watch or other recording command began: what was asked (one that computes metrics names its `formulas`, which the ledger then keeps complete)",
        members: [("command", "the command that ran")], extensible: true)
    public static let runFinished = EventType(
        "run.finished", stream: "run:<uuid>",
        "the run ended: its counts and error, or `interrupted: true` when a later run closed it",
        members: [], extensible: true)
    public static let responseRecorded = EventType(
        "haas.response.recorded", stream: "backtest:<id>, lab:<id> or server:<url>",
        "one HTTP exchange with the Trade Server, failures included; the body is a blob",
        members: [
            ("channel", "the API channel"), ("endpoint", "the PHP endpoint"), ("method", "GET or POST"),
            ("parameters", "the parameters without credentials"), ("attempt", "1 for the first try"),
            ("http_status", "null when no reply came"), ("latency_us", "time to the reply"),
            ("envelope_success", "the envelope's Success"), ("envelope_error", "the envelope's Error"),
            ("failure", "why the attempt failed, or null"), ("body_sha256", "the body blob, credentials redacted"),
            ("body_bytes", "size of the kept body"), ("redactions", "credentials replaced in the body"),
        ], extensible: true)
    public static let labObserved = EventType(
        "haas.lab.observed", stream: "lab:<id>", "a lab as GET_LABS lists it or GET_LAB_DETAILS describes it",
        members: [
            ("lab_id", "LID"), ("channel", "the channel it came from"), ("name", "N"), ("script_id", "SID"),
            ("status", "S: created 0, queued 1, running 2, completed 3, cancelled 4"),
            ("scheduled_backtests", "SB"), ("completed_backtests", "CB"), ("created_at", "CA"),
            ("updated_at", "UA"), ("parameters", "P, as sent"), ("config", "C, as sent"),
            ("settings", "ST, as sent"), ("body_sha256", "the body blob"),
        ])
    public static let resultObserved = EventType(
        "haas.backtest.result.observed", stream: "backtest:<id>",
        "a lab's result record; an import carries only the members its file states",
        members: [("lab_id", "LID"), ("backtest_id", "BID")], extensible: true)
    public static let resultsReconciled = EventType(
        "haas.lab.results.reconciled", stream: "lab:<id>", "the records paged in, compared with the lab's CB",
        members: [
            ("lab_id", "the lab"), ("expected_completed", "CB"), ("fetched", "records paged in"),
            ("pages", "pages read"), ("duplicates_dropped", "records seen twice"), ("stop", "why paging stopped"),
            ("matches", "fetched equals CB"),
        ])
    public static let runtimeFetched = EventType(
        "haas.backtest.runtime.fetched", stream: "backtest:<id>",
        "a backtest's runtime (the body is a blob) and the server's report values under their true names",
        members: [
            ("lab_id", "the lab, null for a direct backtest"), ("backtest_id", "the backtest"),
            ("market", "PriceMarket"),
            ("script_id", "ScriptId"), ("script_name", "ScriptName"), ("account_id", "AccountId"),
            ("leverage", "Leverage"), ("started_at", "ActivatedSince"), ("ended_at", "LastUpdateTimestamp"),
            ("finished_positions", "how many"), ("reported", "the server's report values (RM is the ROI margin)"),
            ("body_sha256", "the runtime blob"),
        ], extensible: true)
    public static let logFetched = EventType(
        "haas.backtest.log.fetched", stream: "backtest:<id>", "a backtest's log lines (a blob)",
        members: [("lab_id", ""), ("backtest_id", ""), ("body_sha256", "the blob"), ("body_bytes", "its size")])
    public static let chartFetched = EventType(
        "haas.backtest.chart.fetched", stream: "backtest:<id>", "a backtest's chart (a blob)",
        members: [("lab_id", ""), ("backtest_id", ""), ("body_sha256", "the blob"), ("body_bytes", "its size")])
    public static let labExecutionUpdated = EventType(
        "haas.lab.execution.updated", stream: "lab:<id>", "a lab's execution as polled, when it changed",
        members: [
            ("lab_id", "the lab"), ("status", "S"), ("progress", "P, percent"), ("completed_backtests", "CB"),
            ("scheduled_backtests", "SB"), ("raw", "the whole update as sent"),
        ])
    public static let historyStatusObserved = EventType(
        "haas.history.status.observed", stream: "market:<tag>", "a market's history sync status",
        members: [
            ("market", "the market tag"), ("status", "Status"), ("synched", "Status is 3"),
            ("max_months", "MaxMonths"), ("body_sha256", "the body blob"),
        ])
    public static let cutoffRecorded = EventType(
        "history.cutoff.recorded", stream: "market:<tag>", "since when a market has history, and how it was found",
        members: [
            ("market", "the market tag"), ("cutoff", "ISO-8601 date"), ("cutoff_at", "µs since the epoch"),
            ("method", "how it was found: imported, …"), ("precision_hours", "how exact"),
        ], extensible: true)
    public static let fileImported = EventType(
        "cache.file.imported", stream: "import:<sha256>", "a pyHaasAPI cache file (its bytes are a blob)",
        members: [
            ("path", "where it was"), ("kind", "the layout recognised"), ("bytes", "size"),
            ("modified_at", "its mtime"), ("sha256", "of its bytes"), ("server_label", "--server-label"),
            ("facts", "events recorded from it"),
        ], extensible: true)
    public static let importFailed = EventType(
        "import.failed", stream: "import:<sha256 or path>", "a file that could not be imported, with its bytes",
        members: [
            ("path", "where it was"), ("kind", "the layout, if recognised"), ("field", "the member at fault"),
            ("reason", "why"), ("bytes", "size"), ("modified_at", "its mtime"), ("sha256", "of its bytes"),
        ])
    public static let metricsComputed = EventType(
        "metrics.computed", stream: "backtest:<id>",
        "one formula set's values for one runtime; causation is the runtime event",
        members: [
            ("formula", "name@version"), ("formula_id", "name"), ("formula_version", "version"),
            ("parameters", "the formula's parameters"), ("lab_id", "the lab, null for a direct backtest"),
            ("backtest_id", "the backtest"),
            ("values", "metric → number, or \"+inf\", \"-inf\", \"undefined\""),
            ("inputs", "what the values were computed from"), ("unrealized_profits", "kept apart"),
            ("reported", "the server's report values"), ("beats_buy_hold", "ROI / leverage > PC"),
        ])
    public static let metricsFailed = EventType(
        "metrics.failed", stream: "backtest:<id>", "a runtime whose metrics could not be computed",
        members: [("formula", "name@version"), ("backtest_id", "the backtest"), ("error", "why")])
    public static let scriptObserved = EventType(
        "haas.script.observed", stream: "script:<id>",
        "a script as GET_ALL_SCRIPT_ITEMS lists it, or with its source as GET_SCRIPT_RECORD gives it; the version is the source's SHA-256",
        members: [
            ("script_id", "SID"), ("channel", "the channel it came from"), ("name", "SN"),
            ("type", "ST: Lua 0, Visual 1, TradeBot 2"),
            ("compiled", "IC"), ("valid", "IV"), ("created_at", "CU"), ("updated_at", "UU"),
            ("source_sha256", "the source blob: the script's version (GET_SCRIPT_RECORD only)"),
            ("body_sha256", "the reply body"),
        ], extensible: true)
    public static let scriptDebugged = EventType(
        "haas.script.debugged", stream: "script:<id>",
        "a debug run of a script (EXECUTE_DEBUGTEST): its log and compile errors",
        members: [
            ("script_id", "the script"), ("compiled", "no compile error was logged"),
            ("messages", "the log lines, as sent"),
            ("errors", "compile errors read from them: line, column, message"), ("body_sha256", "the reply body"),
        ], extensible: true)
    public static let scriptQuickTested = EventType(
        "haas.script.quicktested", stream: "script:<id>",
        "a quick test of a script (EXECUTE_QUICKTEST): its log, compile errors and the server's report values",
        members: [
            ("script_id", "the script"), ("script_version", "the SHA-256 of its source"),
            ("compiled", "no compile error was logged"), ("messages", "the log lines, as sent"),
            ("errors", "compile errors read from them"), ("settings", "the settings JSON sent"),
            ("positions", "finished positions"), ("reported", "the server's report values"),
            ("body_sha256", "the reply body"),
        ])
    public static let backtestRequested = EventType(
        "haas.backtest.requested", stream: "backtest:<id>",
        "a direct backtest about to be sent (EXECUTE_BACKTEST), committed first so a crash cannot hide it; the id is the client's",
        members: [
            ("backtest_id", "the client-chosen id"), ("script_id", "the script"),
            ("script_version", "the SHA-256 of its source as just fetched"), ("settings", "the settings JSON sent"),
            ("parameters", "input name → value"), ("start", "startunix"), ("end", "endunix"),
        ])
    public static let backtestAccepted = EventType(
        "haas.backtest.accepted", stream: "backtest:<id>",
        "the server took the backtest: by its reply, or (reconciled) because GET_BACKTEST_INFO found it after a lost reply",
        members: [
            ("backtest_id", "the backtest"), ("service_id", "EXECUTE_BACKTEST's Data, null when reconciled"),
            ("requests", "EXECUTE_BACKTEST requests sent"), ("reconciled", "established by asking afterwards"),
        ])
    public static let backtestReconciled = EventType(
        "haas.backtest.reconciled", stream: "backtest:<id>",
        "an EXECUTE_BACKTEST whose outcome was unknown, and what asking the server about the id showed",
        members: [
            ("backtest_id", "the backtest"), ("failure", "why the outcome was unknown"),
            ("found", "the server knows the id (nothing is sent again)"), ("answer", "what it said"),
        ])
    public static let backtestProgressed = EventType(
        "haas.backtest.progress.observed", stream: "backtest:<id>",
        "a direct backtest's status as polled (GET_BACKTEST_INFO), when it changed",
        members: [
            ("backtest_id", "the backtest"), ("status", "Status: queued 1, running 2, completed 3, cancelled 4"),
            ("phase", "the status's name"), ("progress", "Progress, percent"),
            ("record", "the record as sent, without its runtime"),
        ])
    public static let backtestFinished = EventType(
        "haas.backtest.finished", stream: "backtest:<id>",
        "a direct backtest completed and its runtime is recorded (causation is the runtime event)",
        members: [("backtest_id", "the backtest"), ("polls", "status polls it took")])
    public static let backtestCancelled = EventType(
        "haas.backtest.cancelled", stream: "backtest:<id>", "a direct backtest was stopped, or seen stopped",
        members: [
            ("backtest_id", "the backtest"), ("reason", "interrupted, asked, or seen on the server"),
            ("server_stopped_it", "CANCEL_BACKTEST's answer (null when only seen)"),
        ])
    public static let backtestFailed = EventType(
        "haas.backtest.failed", stream: "backtest:<id>",
        "a direct backtest that could not be started, followed or read",
        members: [("backtest_id", "the backtest"), ("stage", "request, start, poll or runtime"), ("error", "why")])
    public static let backtestChanged = EventType(
        "haas.backtest.changed", stream: "backtest:<id>",
        "a stored result archived, unarchived, tagged or deleted on the server",
        members: [
            ("backtest_id", "the backtest"), ("action", "archive, unarchive, tag or delete"), ("tag", "the new tag"),
            ("accepted", "the server's answer"),
        ])
    public static let labChanged = EventType(
        "haas.lab.changed", stream: "lab:<id>",
        "a lab created, cloned, updated, started, cancelled or deleted through the API, or a run of it finished or failed; its state follows as haas.lab.observed",
        members: [
            ("lab_id", "the lab"),
            (
                "action",
                "created, cloned, updated, started, cancelled, deleted; finished, seen cancelled or failed (lab run)"
            ),
            ("requests", "requests of the channel sent"), ("reconciled", "established by asking afterwards"),
            ("request", "what was asked: name, script, parameters, period…"), ("accepted", "the server's answer"),
        ])
    public static let labReconciled = EventType(
        "haas.lab.reconciled", stream: "lab:<id> or server:<url>",
        "a CREATE_LAB, CLONE_LAB or START_LAB_EXECUTION whose outcome was unknown, and what asking the server showed",
        members: [
            ("lab_id", "the lab, when known"), ("channel", "the call"), ("failure", "why the outcome was unknown"),
            ("found", "it had happened (nothing is sent again)"), ("answer", "what the server said"),
        ])
    public static let sweepStarted = EventType(
        "haas.sweep.started", stream: "sweep:<id>",
        "a parameter sweep began: its whole definition (space, objective, sampler and seed, budget), from which a resume replays it",
        members: [
            ("sweep_id", "the sweep"), ("definition", "the definition, in the form a definition file takes"),
            ("budget", "the told trials it ends with"),
        ])
    public static let sweepTrialAsked = EventType(
        "haas.sweep.trial.asked", stream: "sweep:<id>",
        "the sampler chose a trial's parameters; its backtest follows on backtest:<backtest_id>",
        members: [
            ("sweep_id", "the sweep"), ("trial", "its number, from 0"),
            (
                "backtest_id",
                "derived from the sweep id and the number, so a resumed trial is never started twice (null on a lab: the told event names it)"
            ),
            ("lab_id", "the lab it runs on, with runner = labs"), ("parameters", "input name → value"),
            ("informed_by", "told trials the sampler knew (0…n−concurrency)"),
            ("method", "grid, random, random (startup) or tpe"),
        ])
    public static let sweepTrialTold = EventType(
        "haas.sweep.trial.told", stream: "sweep:<id>", "a trial's result as the sweep judges it",
        members: [
            ("sweep_id", "the sweep"), ("trial", "its number"), ("backtest_id", "its backtest"),
            ("state", "complete, infeasible (broke a constraint), failed or cancelled"),
            ("objective", "the objective metric's value (+inf/-inf as strings; null when undefined)"),
            ("formula", "the formula set it was judged under"), ("broken", "the constraints it broke"),
            ("reason", "why it failed or was cancelled"), ("told", "the sweep's told trials, this one included"),
        ])
    public static let sweepFinished = EventType(
        "haas.sweep.finished", stream: "sweep:<id>", "a sweep ended",
        members: [
            ("sweep_id", "the sweep"), ("reason", "budget, grid exhausted, time limit or cancelled"),
            ("told", "trials told"), ("best_trial", "the best feasible trial's number (null: none)"),
            ("best_objective", "its objective"),
        ])
    public static let fetchFailed = EventType(
        "fetch.failed", stream: "backtest:<id>, lab:<id> or server:<url>", "a call that failed after its retries",
        members: [("channel", "the call"), ("lab_id", "its lab"), ("backtest_id", "its backtest"), ("error", "why")])
}

public enum EventCatalog {
    /// Every type, in the order the catalog documents them.
    public static let all: [EventType] = [
        .runStarted, .runFinished, .responseRecorded, .labObserved, .resultObserved, .resultsReconciled,
        .runtimeFetched, .logFetched, .chartFetched, .labExecutionUpdated, .historyStatusObserved, .cutoffRecorded,
        .fileImported, .importFailed, .metricsComputed, .metricsFailed, .fetchFailed, .scriptObserved, .scriptDebugged,
        .backtestRequested, .backtestAccepted, .backtestReconciled, .backtestProgressed, .backtestFinished,
        .backtestCancelled, .backtestFailed, .backtestChanged, .labChanged, .labReconciled, .scriptQuickTested,
        .sweepStarted, .sweepTrialAsked, .sweepTrialTold, .sweepFinished,
    ]

    private static let byName: [String: EventType] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The type named `name`, if the catalog has it.
    public static func type(named name: String) -> EventType? { byName[name] }

    /// The catalog as Markdown: what `CATALOG.md` holds.
    public static var markdown: String {
        var lines = [
            "# Event catalog", "",
            "Generated from `Sources/LedgerEvents/EventCatalog.swift` (`EventCatalog.markdown`); a test keeps this file",
            "equal to the code. Members marked … may be joined by others that vary with the writer.", "",
            "| type | version | stream | what | members |", "|---|---:|---|---|---|",
        ]
        for type in all {
            let members =
                type.members.map { "`\($0.name)`" + ($0.meaning.isEmpty ? "" : " (\($0.meaning))") }
                + (type.extensible ? ["…"] : [])
            lines.append(
                "| `\(type.name)` | \(type.version) | `\(type.stream)` | \(type.summary) | \(members.joined(separator: ", ")) |"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
