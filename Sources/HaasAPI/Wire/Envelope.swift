/// `{"Success": bool, "Error": string, "Data": …}`: every channel answers in this envelope.
struct EnvelopeHeader: Decodable {
    let success: Bool
    let error: String?

    enum CodingKeys: String, CodingKey {
        case success = "Success"
        case error = "Error"
    }
}

struct Envelope<Payload: Decodable>: Decodable {
    /// Nil when `Data` is absent or null.
    let data: Payload?

    enum CodingKeys: String, CodingKey {
        case data = "Data"
    }

    init(from decoder: any Decoder) throws {
        data = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Payload.self, forKey: .data)
    }
}

/// A `Data` whose content does not matter (the first login step).
struct IgnoredData: Decodable, Sendable {
    init(from decoder: any Decoder) throws {}
}
