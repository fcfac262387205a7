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
            guard let first = secret.first, result.count >= secret.count else { continue }
            var output: [UInt8] = []
            var index = 0
            var found = false
            while index < result.count {
                if result[index] == first, result.count - index >= secret.count,
                    result[index..<(index + secret.count)].elementsEqual(secret)
                {
                    if !found {
                        output.reserveCapacity(result.count)
                        output.append(contentsOf: result[0..<index])
                        found = true
                    }
                    output.append(contentsOf: Redactor.marker)
                    replacements += 1
                    index += secret.count
                } else {
                    if found { output.append(result[index]) }
                    index += 1
                }
            }
            if found { result = output }
        }
        return (result, replacements)
    }
}
