import JSON

/// `{"Success": bool, "Error": string, "Data": …}`: every channel answers in this envelope.
struct EnvelopeHeader: Sendable {
    let success: Bool
    let error: String?
}

/// Why a body is not the envelope its channel should return.
enum EnvelopeProblem: Error {
    case notAnEnvelope
    case unexpectedData(String)
}

/// A channel's `Data`, read from the body in one pass.
protocol WireReply {
    /// The header, and `Data` (nil when absent or null, or when `Success` is false).
    static func fromEnvelope(_ body: [UInt8]) throws(EnvelopeProblem) -> (EnvelopeHeader, Self?)
}

extension WireReply where Self: Decodable {
    /// Small wire types: the body is parsed once into a tree (exact numbers) and `Data` decoded from it.
    static func fromEnvelope(_ body: [UInt8]) throws(EnvelopeProblem) -> (EnvelopeHeader, Self?) {
        guard let tree = try? JSONParser.parse(body), case .bool(let success)? = tree["Success"] else {
            throw .notAnEnvelope
        }
        let header = EnvelopeHeader(success: success, error: tree["Error"]?.stringValue)
        guard success, let data = tree["Data"], data != .null else { return (header, nil) }
        do {
            return (header, try JSONTreeDecoder.decode(Self.self, from: data))
        } catch {
            throw .unexpectedData(String(describing: error))
        }
    }
}

extension BacktestRuntime: WireReply {
    /// Runtimes are large and many: read by `RuntimeDecoder` straight from the bytes, never as a tree.
    static func fromEnvelope(_ body: [UInt8]) throws(EnvelopeProblem) -> (EnvelopeHeader, BacktestRuntime?) {
        let document: RuntimeDocument
        do {
            document = try RuntimeDecoder.decode(body)
        } catch {
            // A refusal may carry anything as `Data`: the header decides before the runtime does.
            if let tree = try? JSONParser.parse(body), case .bool(false)? = tree["Success"] {
                return (EnvelopeHeader(success: false, error: tree["Error"]?.stringValue), nil)
            }
            throw error.path.hasPrefix("Data") ? .unexpectedData(error.description) : .notAnEnvelope
        }
        guard let success = document.success else { throw .notAnEnvelope }
        return (EnvelopeHeader(success: success, error: document.error), success ? document.runtime : nil)
    }
}

extension JSONValue: WireReply {}
extension Array: WireReply where Element: Decodable {}
extension Dictionary: WireReply where Key == String, Value: Decodable {}
extension LabRecord: WireReply {}
extension BacktestResultPage: WireReply {}
extension LabExecutionUpdate: WireReply {}
extension LoginResult: WireReply {}

/// A `Data` whose content does not matter (the first login step).
struct IgnoredData: Decodable, WireReply {
    init(from decoder: any Decoder) throws {}
}
