import EventLog
import JSON

/// One kind of event the ledger records: its type name, the schema version writers use today, the stream it
/// goes on, and the payload members readers may rely on.
///
/// Writers and readers name types through `EventType` values (`EventType.metricsComputed.name`), never through
/// string literals, so a type is spelled once. A shape change is a new `version` plus an upcaster from the old
/// one: the log is never rewritten, and readers see every event in the current shape (`EventType.current`).
public struct EventType: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    /// The schema version written today.
    public let version: UInt32
    /// The stream the event goes on, as a pattern (`backtest:<id>`).
    public let stream: String
    /// What happened, for the catalog's documentation.
    public let summary: String
    /// The members every event of this type carries (writers may add others only where `extensible`).
    public let members: [Member]
    /// True where the payload also carries members that vary with the writer (a run's options and counts).
    public let extensible: Bool
    /// Turns a payload of version `n` into version `n + 1`, for every `n` below `version`.
    let upcasters: [UInt32: @Sendable (JSONValue) -> JSONValue]

    public struct Member: Sendable, Hashable {
        public let name: String
        public let meaning: String
    }

    init(
        _ name: String, version: UInt32 = 1, stream: String, _ summary: String, members: [(String, String)],
        extensible: Bool = false, upcasters: [UInt32: @Sendable (JSONValue) -> JSONValue] = [:]
    ) {
        self.name = name
        self.nameBytes = Array(name.utf8)
        self.version = version
        self.stream = stream
        self.summary = summary
        self.members = members.map { Member(name: $0.0, meaning: $0.1) }
        self.extensible = extensible
        self.upcasters = upcasters
    }

    public var description: String { name }

    /// The type name's UTF-8 bytes, for comparing with a record's type where it lies in the log (kept, not
    /// computed: replays compare millions of records with it).
    public let nameBytes: [UInt8]

    public static func == (lhs: EventType, rhs: EventType) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    /// A payload recorded under `schemaVersion`, upcast to this type's current version.
    public func current(_ payload: JSONValue, schemaVersion: UInt32) throws(CatalogError) -> JSONValue {
        guard schemaVersion <= version else { throw .newerVersion(type: name, version: schemaVersion, known: version) }
        var value = payload
        var at = schemaVersion
        while at < version {
            guard let upcast = upcasters[at] else { throw .noUpcaster(type: name, from: at) }
            value = upcast(value)
            at += 1
        }
        return value
    }

    /// The members the catalog promises that `payload` lacks (empty when it has them all).
    public func missingMembers(of payload: JSONValue) -> [String] {
        members.map(\.name).filter { payload[$0] == nil }
    }

    /// Members `payload` carries that the catalog does not list (always empty for an extensible type).
    public func unlistedMembers(of payload: JSONValue) -> [String] {
        guard !extensible, case .object(let present) = payload else { return [] }
        let listed = Set(members.map(\.name))
        return present.map(\.key).filter { !listed.contains($0) }
    }
}

/// Why a payload cannot be brought to the current shape.
public enum CatalogError: Error, CustomStringConvertible, Equatable, Sendable {
    case newerVersion(type: String, version: UInt32, known: UInt32)
    case noUpcaster(type: String, from: UInt32)

    public var description: String {
        switch self {
        case let .newerVersion(type, version, known):
            "\(type) version \(version) was written by a newer haasledger (this one knows up to \(known))"
        case let .noUpcaster(type, from): "\(type) has no upcaster from version \(from)"
        }
    }
}

extension EventDraft {
    /// A draft of a catalogued type, written under the type's current schema version.
    public init(
        _ type: EventType, id: EventID = .generate(), stream: String, payload: Payload,
        expectedVersion: UInt64? = nil, observedAt: Int64? = nil, correlationID: EventID? = nil,
        causation: UInt64? = nil, source: String = "", blobs: [Blob] = []
    ) {
        self.init(
            id: id, stream: stream, type: type.name, schemaVersion: type.version, payload: payload,
            expectedVersion: expectedVersion, observedAt: observedAt, correlationID: correlationID,
            causation: causation, source: source, blobs: blobs)
    }
}

extension EventType {
    /// A type outside the catalog at version 3, for testing the upcasting chain.
    package static func testingOnly(upcasters: [UInt32: @Sendable (JSONValue) -> JSONValue]) -> EventType {
        EventType("testing.renamed", version: 3, stream: "test:<id>", "", members: [], upcasters: upcasters)
    }
}

extension RecordedEvent {
    /// The payload in its type's current shape: upcast from the version it was written under, refused when a
    /// newer build wrote it. Types outside the catalog are returned as written.
    public func currentPayload() throws -> JSONValue {
        let json = try payload.json
        guard let type = EventCatalog.type(named: self.type) else { return json }
        return try type.current(json, schemaVersion: schemaVersion)
    }
}

extension EventType {
    /// For readers that take a payload in place, without a tree: the event must already be in the current shape.
    public func requireCurrent(_ schemaVersion: UInt32) throws(CatalogError) {
        if schemaVersion > version { throw .newerVersion(type: name, version: schemaVersion, known: version) }
        if schemaVersion < version { throw .noUpcaster(type: name, from: schemaVersion) }
    }
}
