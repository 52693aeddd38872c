import EventStoreCore
import EventStoreEngine
import EventStoreTesting
import Foundation
import Hummingbird
import Logging
import MemoryStorage
import Testing

@testable import HTTPAPI

@Suite struct OpenAPIDocumentTests {
    /// `METHOD /path` for every operation the document describes.
    static func documentedOperations() -> Set<String> {
        var operations: Set<String> = []
        var inPaths = false
        var currentPath: String?
        for line in OpenAPIDocument.yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            if inPaths, !line.hasPrefix(" "), !line.isEmpty { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if let currentPath, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "patch", "delete", "head"].contains(String(method)) {
                    operations.insert("\(method.uppercased()) \(currentPath)")
                }
            }
        }
        return operations
    }

    static func servedOperations() throws -> Set<String> {
        let registry = TopicRegistry()
        let reader = EventReader(topics: registry, limits: ReadLimits())
        let projections = ProjectionService(registry: registry, reader: reader, logger: Logger(label: "test"))
        let topics = TopicService(
            registry: registry,
            adapters: [MemoryStorageAdapter()],
            catalog: MemoryTopicCatalog(),
            projections: projections,
            memoryProjectionStore: { MemoryProjectionStore() },
            logger: Logger(label: "test")
        )
        let subscriptions = SubscriptionService(registry: registry, reader: reader, sender: RefusingSender(), logger: Logger(label: "test"))
        let router = EventStoreRouter.build(
            .init(
                topicCommands: topics,
                topicQueries: topics,
                eventCommands: EventPublisher(topics: registry, limits: EventLimits()),
                eventQueries: reader,
                eventStreams: EventStreamer(reader: reader, registry: registry, pageSize: 100),
                subscriptionCommands: subscriptions,
                subscriptionQueries: subscriptions,
                projectionCommands: topics,
                projectionQueries: projections,
                limits: HTTPLimits(),
                defaultPageSize: 100,
                version: "test",
                renderMetrics: { [] }
            )
        )
        return Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
    }

    @Test func everyServedRouteIsDocumented() throws {
        let served = try Self.servedOperations()
        let documented = Self.documentedOperations()
        #expect(served.count >= 10)
        #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
    }

    /// Each operation's `x-required-role` is what the server enforces (``AccessRules``), and every served route says.
    @Test func everyOperationDocumentsTheRoleTheServerRequires() throws {
        var roles: [String: String] = [:]
        var currentPath: String?
        var currentMethod: String?
        for line in OpenAPIDocument.yaml.split(separator: "\n") {
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                currentMethod = String(line.trimmingCharacters(in: .whitespaces).dropLast())
            } else if let currentPath, let currentMethod, line.trimmingCharacters(in: .whitespaces).hasPrefix("x-required-role: ") {
                roles["\(currentMethod.uppercased()) \(currentPath)"] = String(line.split(separator: ": ")[1])
            }
        }
        let policy = AccessPolicy(tokens: nil)
        for operation in try Self.servedOperations() {
            let parts = operation.split(separator: " ")
            let requirement = AccessRules.requirement(method: .init(String(parts[0]))!, endpoint: String(parts[1]), policy: policy)
            let expected =
                switch requirement {
                case .everyone: "public"
                case .anyToken: "any"
                case .role(let role): role.rawValue
                }
            #expect(roles[operation] == expected, "\(operation): documented \(roles[operation] ?? "nothing"), enforced \(expected)")
        }
    }

    /// The reference validator (Python `openapi-spec-validator`, installed by `.ci/run`) accepts the document.
    /// Without it the check is skipped with a message, except under CI (`CI` set), where it must run.
    @Test func documentIsValidOpenAPI31() async throws {
        guard await ExternalTool.pythonModuleIsAvailable("openapi_spec_validator") else {
            print("note: the OpenAPI document was not checked by the reference validator; pip install openapi-spec-validator to check it")
            return
        }
        let file = URL(fileURLWithPath: TestScratch.path("openapi", suffix: ".yaml"))
        try Data(OpenAPIDocument.yaml.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try await ExternalTool.run(["python3", "-m", "openapi_spec_validator", file.path])
        #expect(status == 0, "\(output)")
    }
}

/// A callback sender for tests that only need the routes: it refuses every destination.
private struct RefusingSender: CallbackSender {
    func checkDestination(_ url: CallbackURL, logger: Logger) async throws(EventStoreError) {
        throw EventStoreError(.callbackRefused, "no callbacks in this test")
    }

    func deliver(_ callback: Callback, logger: Logger) async -> CallbackOutcome {
        .failed(reason: "no callbacks in this test", retryAfter: nil)
    }
}
