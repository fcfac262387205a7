#if canImport(Glibc)
    import Glibc
#endif

/// Replaces credential strings found in a response body with `<redacted>`, so the verbatim body can be kept
/// without the login e-mail (real servers echo it as `UserId`), password or interface key.
struct Redactor: Sendable {
    private let secrets: [[UInt8]]
    private static let marker = Array("<redacted>".utf8)

    init(secrets: [String]) {
        self.secrets = secrets.filter { $0.utf8.count >= 4 }.map { Array($0.utf8) }.sorted { $0.count > $1.count }
    }

    func scrub(_ body: [UInt8]) -> (body: [UInt8], replacements: Int) {
        var result = body
        var replacements = 0
        for secret in secrets {
            let found = Redactor.occurrences(of: secret, in: result)
            guard !found.isEmpty else { continue }
            var output: [UInt8] = []
            output.reserveCapacity(result.count)
            var start = 0
            for index in found {
                output.append(contentsOf: result[start..<index])
                output.append(contentsOf: Redactor.marker)
                start = index + secret.count
            }
            output.append(contentsOf: result[start...])
            replacements += found.count
            result = output
        }
        return (result, replacements)
    }

    /// Where `secret` starts in `bytes`, left to right without overlaps; memchr finds each candidate first byte.
    private static func occurrences(of secret: [UInt8], in bytes: [UInt8]) -> [Int] {
        guard let first = secret.first, bytes.count >= secret.count else { return [] }
        return bytes.withUnsafeBytes { haystack in
            secret.withUnsafeBytes { needle in
                guard let base = haystack.baseAddress else { return [] }
                var found: [Int] = []
                var index = 0
                let last = haystack.count - needle.count
                while index <= last {
                    guard let hit = memchr(base + index, Int32(first), last - index + 1) else { break }
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + at, needle.baseAddress!, needle.count) == 0 {
                        found.append(at)
                        index = at + needle.count
                    } else {
                        index = at + 1
                    }
                }
                return found
            }
        }
    }
}
