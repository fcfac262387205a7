import Foundation
import Testing

/// The third-party HaasOnline fixtures in `../shared/fixtures/haas`, found beside the package and never copied
/// into it. Tests that need them are enabled only when the folder is there, so a missing folder shows as
/// skipped tests with `SharedFixtures.absentReason`, never as tests that passed without looking.
public enum SharedFixtures {
    /// `../shared/fixtures/haas`, located from this file (…/Sources/EventLogTesting/SharedFixtures.swift).
    public static let haasRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/fixtures/haas")

    public static var haasAvailable: Bool { FileManager.default.fileExists(atPath: haasRoot.path) }

    public static var absentReason: String { "\(haasRoot.path) is absent (third-party fixtures are read, never copied)" }

    /// The URL of a fixture, e.g. `api/runtime_sample.json`.
    public static func haas(_ path: String) -> URL { haasRoot.appendingPathComponent(path) }

    /// The bytes of a fixture.
    public static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: haas(path))) }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test only where `../shared/fixtures/haas` exists; elsewhere it is reported as skipped, with why.
    public static var needsHaasFixtures: Self {
        .enabled(if: SharedFixtures.haasAvailable, Comment(rawValue: SharedFixtures.absentReason))
    }
}
