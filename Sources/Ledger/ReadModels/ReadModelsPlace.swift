import EventLog
import Foundation
import Projections

extension LedgerLocation {
    /// Where the read models live: beside the log, or, when this user may read the ledger but not write to
    /// it, in a private cache (`$XDG_CACHE_HOME/haasledger`, else `~/.cache/haasledger`, else the temporary
    /// folder), one file per ledger. Read models are disposable, so a cache built from the log answers the same.
    public var readModelsPath: String {
        let own = ReadModels.path(ledgerRoot: root)
        if access(root, W_OK) == 0 && (access(own, F_OK) != 0 || access(own, W_OK) == 0) { return own }
        let environment = ProcessEnvironment.values
        let home = environment["HOME"].map { $0 + "/.cache" }
        let candidates =
            [environment["XDG_CACHE_HOME"], home].compactMap { $0 }.map { $0 + "/haasledger" }
            + [NSTemporaryDirectory() + "haasledger-\(getuid())"]
        let name = "readmodels-" + String(SHA256Hash.of(Array(canonicalRoot.utf8)).hex.prefix(16)) + ".sqlite"
        for folder in candidates where Self.makePrivateFolder(folder) { return folder + "/" + name }
        return own
    }

    private var canonicalRoot: String {
        guard let resolved = realpath(root, nil) else { return root }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Creates `path` (and its parents) 0700 if missing; true when this user can write in it.
    private static func makePrivateFolder(_ path: String) -> Bool {
        try? FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return access(path, W_OK) == 0
    }
}
