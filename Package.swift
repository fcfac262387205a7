// swift-tools-version:6.1
import PackageDescription

/// Settings shared by every Swift target: Swift 6 language mode plus the upcoming features that keep
/// existentials and imports explicit.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "HaasLedger",
    products: [
        .executable(name: "haasledger", targets: ["haasledger"]),
        .library(name: "EventLog", targets: ["EventLog"]),
        .library(name: "Ledger", targets: ["Ledger"]),
        .library(name: "BacktestMetrics", targets: ["BacktestMetrics"]),
        .library(name: "SQLiteKit", targets: ["SQLiteKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // System libraries: Debian ships lmdb.pc and sqlite3.pc; the modulemaps also say `link`, so a
        // machine without the .pc files still links.
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"]), .brew(["lmdb"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]
        ),
        // LZ4 for event records (liblz4-dev). Linked statically by EventLog: see the shim.
        .systemLibrary(
            name: "CLZ4",
            providers: [.apt(["liblz4-dev"]), .brew(["lz4"])]
        ),
        .systemLibrary(
            name: "CXlsxWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"]), .brew(["libxlsxwriter"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),

        // Layers, lowest first. Dependencies point down this list only.
        // The one JSON layer: values, the pull scanner, the tree parser and decoder, the canonical writer and
        // the in-place canonical reader. A leaf: it depends on nothing.
        .target(
            name: "JSON",
            swiftSettings: strictSettings
        ),
        // The lock box and the system-call wrapper (errno and EINTR, once). A leaf too.
        .target(
            name: "Platform",
            swiftSettings: strictSettings
        ),
        .target(
            name: "EventLog",
            dependencies: [
                "JSON", "Platform", "CLMDB", "CZstd", "CLZ4", .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["FORMAT.md"],
            swiftSettings: strictSettings,
            // The static archive: LZ4_attach_dictionary is not exported by the shared library (Sources/CLZ4/shim.h).
            linkerSettings: [.linkedLibrary(":liblz4.a")]
        ),
        .target(
            name: "SQLiteKit",
            dependencies: ["CSQLite"],
            swiftSettings: strictSettings
        ),
        // Excel workbooks through libxlsxwriter in constant-memory mode: the C handles stay inside.
        .target(
            name: "XLSXKit",
            dependencies: ["CXlsxWriter"],
            swiftSettings: strictSettings
        ),
        // Pure metric formulas and their versioned registry (no storage, no HaasOnline).
        .target(
            name: "BacktestMetrics",
            swiftSettings: strictSettings
        ),
        // The event catalog: every type name and payload shape, versioned, with upcasters.
        .target(
            name: "LedgerEvents",
            dependencies: ["JSON", "EventLog"],
            exclude: ["CATALOG.md"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Projections",
            dependencies: ["JSON", "Platform", "SQLiteKit", "EventLog", "LedgerEvents", "BacktestMetrics"],
            swiftSettings: strictSettings,
            plugins: ["EmbedMigrations"]
        ),
        .executableTarget(
            name: "migrations-embedder",
            dependencies: ["SQLiteKit"],
            swiftSettings: strictSettings
        ),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["migrations-embedder"]
        ),
        // The read models projected into PostgreSQL: one schema shared by several ledgers, each under its
        // ledger id, filled from the SQLite read models by COPY and then by the rows each new event changed.
        .target(
            name: "PostgresProjection",
            dependencies: [
                "Platform", "SQLiteKit", "JSON", "EventLog", "LedgerEvents", "Projections",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings,
            plugins: ["EmbedMigrations"]
        ),
        .target(
            name: "HaasAPI",
            dependencies: [
                "JSON", "Platform", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HaasSimulator",
            dependencies: [
                "SQLiteKit", "Platform", "JSON", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Ledger",
            dependencies: [
                "JSON", "Platform", "EventLog", "LedgerEvents", "HaasAPI", "HaasSimulator", "BacktestMetrics",
                "Projections", "PostgresProjection", "SQLiteKit", "XLSXKit",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "haasledger",
            dependencies: [
                "Ledger", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),

        // Test support that ships with the package, like HummingbirdTesting.
        .target(
            name: "EventLogTesting",
            dependencies: ["JSON", "Platform", "EventLog", "CLMDB"],
            swiftSettings: strictSettings
        ),
        // The child process of the crash test: appends batches and reports each commit on stdout.
        .executableTarget(
            name: "eventlog-crash-writer",
            dependencies: ["JSON", "Platform", "EventLog"],
            swiftSettings: strictSettings
        ),
        // The crash drill driven by tools/crash: SIGKILLs haasledger commands and checks what survives.
        .executableTarget(
            name: "haasledger-crash",
            dependencies: ["EventLog", "EventLogTesting", "HaasSimulator", "Platform"],
            swiftSettings: strictSettings
        ),
        // libFuzzer's driver, reached through a weak symbol so that a plain build links without it.
        .target(name: "CFuzzerDriver"),
        // The libFuzzer targets driven by tools/fuzz (which adds coverage, ASan and libFuzzer); a plain build runs
        // the files it is given once each, as the test suite does with the corpus and the regressions.
        .executableTarget(
            name: "haasledger-fuzz",
            dependencies: ["BacktestMetrics", "CFuzzerDriver", "EventLog", "HaasAPI", "JSON", "Ledger", "Platform"],
            swiftSettings: strictSettings
        ),
        // The benchmark harness driven by tools/bench.
        .executableTarget(
            name: "haasledger-bench",
            dependencies: [
                "JSON", "EventLog", "EventLogTesting", "Ledger", "HaasSimulator", "Projections", "PostgresProjection",
                "HaasAPI", "BacktestMetrics",
            ],
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "EventLogTests",
            dependencies: ["JSON", "EventLog", "EventLogTesting", "CLMDB", "eventlog-crash-writer"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ProjectionsTests",
            dependencies: [
                "EventLog", "HaasAPI", "JSON", "Projections", "Ledger", "HaasSimulator", "EventLogTesting", "SQLiteKit",
                "BacktestMetrics",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SQLiteKitTests",
            dependencies: ["SQLiteKit", "Projections", "EventLogTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BacktestMetricsTests",
            dependencies: ["BacktestMetrics", "EventLogTesting"],
            resources: [.copy("Vectors")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HaasAPITests",
            dependencies: ["JSON", "HaasAPI", "HaasSimulator", "EventLogTesting", "Platform"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HaasSimulatorTests",
            dependencies: ["HaasSimulator"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LedgerTests",
            dependencies: [
                "EventLog", "HaasAPI", "BacktestMetrics", "LedgerEvents", "JSON", "Ledger", "HaasSimulator",
                "EventLogTesting", "Projections", "SQLiteKit", "Platform",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "haasledgerTests",
            dependencies: [
                "EventLog", "JSON", "haasledger", "haasledger-crash", "haasledger-fuzz", "EventLogTesting",
                "HaasSimulator", "Projections",
            ],
            exclude: ["Help", "Goldens"],
            swiftSettings: strictSettings
        ),
    ]
)
