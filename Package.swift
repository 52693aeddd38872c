// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "eventstore",
    platforms: [.macOS(.v15)],  // Mutex on macOS; production is Linux
    products: [
        .executable(name: "eventstore-api", targets: ["eventstore-api"]),
        .executable(name: "eventstore-replay", targets: ["eventstore-replay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.30.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
    ],
    targets: [
        // The hexagon's centre: domain types and ports. No I/O, no adapters, no HTTP, no C.
        .target(
            name: "EventStoreCore",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            path: "src/EventStoreCore"
        ),
        // The CQRS core implementing the inbound ports on top of the outbound ports.
        .target(
            name: "EventStoreEngine",
            dependencies: [
                "EventStoreCore",
                "AsyncLocking",
                "EventJSON",
                "EventWire",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "src/EventStoreEngine"
        ),
        // Shared building blocks with no knowledge of the domain.
        .target(name: "EventJSON", path: "src/EventJSON"),
        .target(name: "POSIXFiles", path: "src/Support/POSIXFiles"),
        .target(name: "IPAddresses", path: "src/Support/IPAddresses"),
        .target(name: "AsyncLocking", path: "src/Support/AsyncLocking"),
        // The JSON wire form of events, shared by the REST API and webhook callbacks.
        .target(name: "EventWire", dependencies: ["EventStoreCore", "EventJSON"], path: "src/EventWire"),
        // Outbound adapters.
        .target(
            name: "AppendGroups",
            dependencies: ["EventStoreCore", .product(name: "Metrics", package: "swift-metrics")],
            path: "src/Adapters/AppendGroups"
        ),
        .target(
            name: "EventRecords",
            dependencies: ["EventStoreCore", "EventJSON"],
            path: "src/Adapters/EventRecords"
        ),
        .target(
            name: "MemoryStorage",
            dependencies: ["EventStoreCore", .product(name: "Logging", package: "swift-log")],
            path: "src/Adapters/MemoryStorage"
        ),
        .target(
            name: "FileSystemStorage",
            dependencies: [
                "EventStoreCore",
                "AppendGroups",
                "EventJSON",
                "EventRecords",
                "POSIXFiles",
                "SQLiteProjections",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "src/Adapters/FileSystemStorage"
        ),
        .systemLibrary(
            name: "CSQLite",
            path: "src/Adapters/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "SQLiteProjections",
            dependencies: [
                "EventStoreCore",
                "CSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "src/Adapters/SQLiteProjections"
        ),
        .target(
            name: "FileSystemCatalog",
            dependencies: [
                "EventStoreCore",
                "POSIXFiles",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "src/Adapters/FileSystemCatalog"
        ),
        .systemLibrary(
            name: "CLibPQ",
            path: "src/Adapters/CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            path: "src/Adapters/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CLibXML2",
            path: "src/Adapters/CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(
            name: "AzureBlobStorage",
            dependencies: [
                "EventStoreCore",
                "AppendGroups",
                "AsyncLocking",
                "EventJSON",
                "EventRecords",
                "CCurl",
                "CLibXML2",
                "IPAddresses",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "src/Adapters/AzureBlobStorage"
        ),
        .target(
            name: "PostgresStorage",
            dependencies: [
                "EventStoreCore",
                "AppendGroups",
                "EventJSON",
                "CLibPQ",
                "IPAddresses",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "src/Adapters/PostgresStorage"
        ),
        .target(
            name: "WebhookCallbacks",
            dependencies: [
                "EventStoreCore",
                "EventJSON",
                "EventWire",
                "IPAddresses",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "src/Adapters/WebhookCallbacks"
        ),
        // Inbound adapter: the REST API.
        .target(
            name: "HTTPAPI",
            dependencies: [
                "EventStoreCore",
                "EventJSON",
                "EventWire",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "src/HTTPAPI"
        ),
        // Composition root without HTTP, shared by both executables: settings, catalog, adapters, engine, lifecycle.
        .target(
            name: "EventStoreRuntime",
            dependencies: [
                "EventStoreCore", "EventStoreEngine", "AppendGroups", "AsyncLocking", "AzureBlobStorage", "MemoryStorage", "FileSystemStorage", "FileSystemCatalog", "PostgresStorage",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "src/EventStoreRuntime"
        ),
        // The HTTP server on top of the runtime.
        .target(
            name: "EventStoreServer",
            dependencies: [
                "EventStoreCore", "EventStoreEngine", "EventStoreRuntime", "HTTPAPI", "WebhookCallbacks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "src/EventStoreServer"
        ),
        .executableTarget(
            name: "eventstore-api",
            dependencies: [
                "EventStoreServer", "EventStoreRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "src/eventstore-api"
        ),
        .executableTarget(
            name: "eventstore-replay",
            dependencies: [
                "EventStoreRuntime", "EventStoreEngine", "EventStoreCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "src/eventstore-replay"
        ),

        // Tests.
        .target(
            name: "EventStoreTesting",
            dependencies: ["EventStoreCore", .product(name: "Logging", package: "swift-log")],
            path: "test/EventStoreTesting"
        ),
        .testTarget(
            name: "EventStoreCoreTests",
            dependencies: ["EventStoreCore", "EventStoreTesting"],
            path: "test/EventStoreCoreTests"
        ),
        .testTarget(
            name: "EventStoreEngineTests",
            dependencies: [
                "EventStoreEngine", "EventStoreTesting", "MemoryStorage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            path: "test/EventStoreEngineTests"
        ),
        .testTarget(
            name: "EventJSONTests",
            dependencies: ["EventJSON"],
            path: "test/EventJSONTests"
        ),
        .testTarget(
            name: "AppendGroupsTests",
            dependencies: ["AppendGroups", "EventStoreCore", "EventStoreTesting"],
            path: "test/AppendGroupsTests"
        ),
        .testTarget(
            name: "AzureBlobStorageTests",
            dependencies: [
                "AzureBlobStorage", "EventStoreCore", "EventStoreTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "test/AzureBlobStorageTests",
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "MemoryStorageTests",
            dependencies: ["MemoryStorage", "EventStoreTesting"],
            path: "test/MemoryStorageTests"
        ),
        .testTarget(
            name: "FileSystemStorageTests",
            dependencies: [
                "FileSystemStorage", "EventRecords", "EventStoreTesting", "POSIXFiles", "SQLiteProjections", "EventStoreCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "test/FileSystemStorageTests"
        ),
        .testTarget(
            name: "FileSystemCatalogTests",
            dependencies: ["FileSystemCatalog", "EventStoreTesting", .product(name: "Logging", package: "swift-log")],
            path: "test/FileSystemCatalogTests"
        ),
        .testTarget(
            name: "PostgresStorageTests",
            dependencies: [
                "PostgresStorage", "EventStoreTesting", "EventStoreCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "test/PostgresStorageTests"
        ),
        .testTarget(
            name: "WebhookCallbacksTests",
            dependencies: [
                "WebhookCallbacks", "EventStoreCore", "EventStoreTesting", "EventJSON", "EventWire", "IPAddresses",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "test/WebhookCallbacksTests"
        ),
        .testTarget(
            name: "HTTPAPITests",
            dependencies: [
                "HTTPAPI", "EventJSON", "EventWire", "EventStoreServer", "EventStoreTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "test/HTTPAPITests"
        ),
        .testTarget(
            name: "EventStoreRuntimeTests",
            dependencies: [
                "EventStoreRuntime", "EventStoreServer", "EventStoreEngine", "EventStoreCore", "EventStoreTesting",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "test/EventStoreRuntimeTests"
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "EventStoreTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "test/IntegrationTests"
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("MemberImportVisibility"),
            .enableUpcomingFeature("InternalImportsByDefault"),
            .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
        ]
}
