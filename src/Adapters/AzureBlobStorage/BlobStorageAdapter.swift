public import EventStoreCore
public import Logging
public import NIOPosix

/// The `blob` adapter: a topic is a sequence of append-blob segments in an Azure Blob Storage container (or the
/// Azurite emulator), reached over the REST API with libcurl (see ``BlobEventLog``).
///
/// `connection`: an Azure Storage connection string or a SAS URL (see ``BlobAccount``). Options (strings):
/// `container` (required unless a SAS URL names one), `prefix` (the topic's blobs are `<prefix>/seg-...`; default
/// the topic's name), `createContainerIfNotExist` (`true`/`false`, default false), `segmentBytes` (8 MiB to 190 GiB,
/// default 64 MiB). The endpoint must pass the ``BlobEndpointPolicy``.
public final class BlobStorageAdapter: StorageAdapter {
    public static let knownOptions: Set<String> = ["container", "prefix", "createContainerIfNotExist", "segmentBytes"]
    /// At least two frames fit a segment.
    static let segmentBytesRange: ClosedRange<Int64> = Int64(2 * BlobFrame.maxBytes)...(190 << 30)

    private let transport: CurlTransport
    private let policy: BlobEndpointPolicy
    private let defaults: BlobEventLog.Options
    private let projectionOptions: BlobProjectionStore.Options

    /// - Parameters:
    ///   - threadPool: runs every libcurl call (they block).
    ///   - policy: which endpoints topics may name.
    ///   - defaults: the logs' tunables (`segmentBytes` unless a topic sets it).
    ///   - projectionOptions: the projection stores' tunables.
    ///   - timeout: the most one request to the Blob service may take.
    public init(
        threadPool: NIOThreadPool,
        policy: BlobEndpointPolicy = .unrestricted,
        defaults: BlobEventLog.Options = .init(),
        projectionOptions: BlobProjectionStore.Options = .init(),
        timeout: Duration = .seconds(30)
    ) {
        self.transport = CurlTransport(threadPool: threadPool, timeout: timeout, connectTimeout: .seconds(5))
        self.policy = policy
        self.defaults = defaults
        self.projectionOptions = projectionOptions
    }

    public var kind: AdapterKind { .azureBlob }

    /// Where a topic lives, read from its configuration.
    struct Place {
        var account: BlobAccount
        var container: String
        var prefix: String
        var createContainer: Bool
        var options: BlobEventLog.Options
    }

    public func validate(_ configuration: TopicConfiguration) throws {
        _ = try self.place(of: configuration)
    }

    func place(of configuration: TopicConfiguration) throws(EventStoreError) -> Place {
        if let unknown = configuration.options.keys.filter({ !Self.knownOptions.contains($0) }).sorted().first {
            throw EventStoreError(.unsupportedConfiguration, "unknown blob option '\(unknown.prefix(100))'; known: \(Self.knownOptions.sorted().joined(separator: ", "))")
        }
        let account: BlobAccount
        do {
            account = try BlobAccount(connection: configuration.connection ?? "")
        } catch {
            throw EventStoreError(.unsupportedConfiguration, "connection: \(error)")
        }
        if let refusal = self.policy.refusal(account) { throw EventStoreError(.unsupportedConfiguration, refusal) }
        guard let container = configuration.options["container"] ?? account.container else {
            throw EventStoreError(.unsupportedConfiguration, "adapter 'blob' requires options.container (or a SAS URL that names the container)")
        }
        if let named = account.container, named != container {
            throw EventStoreError(.unsupportedConfiguration, "options.container differs from the container the SAS URL names")
        }
        guard Self.isContainerName(container) else {
            throw EventStoreError(.unsupportedConfiguration, "options.container must be 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit")
        }
        let prefix = configuration.options["prefix"] ?? configuration.name.rawValue
        guard Self.isPrefix(prefix) else {
            throw EventStoreError(.unsupportedConfiguration, "options.prefix must be 1 to 512 printable characters, without leading, trailing or doubled '/', '.' or '..' segments")
        }
        let create = configuration.options["createContainerIfNotExist"] ?? "false"
        guard create == "true" || create == "false" else {
            throw EventStoreError(.unsupportedConfiguration, "options.createContainerIfNotExist must be \"true\" or \"false\"")
        }
        var options = self.defaults
        if let text = configuration.options["segmentBytes"] {
            guard let bytes = Int64(text), Self.segmentBytesRange.contains(bytes) else {
                throw EventStoreError(.unsupportedConfiguration, "options.segmentBytes must be an integer from 8388608 (8 MiB) to 204010946560 (190 GiB)")
            }
            options.segmentBytes = bytes
        }
        return Place(account: account, container: container, prefix: prefix, createContainer: create == "true", options: options)
    }

    public func openLog(for configuration: TopicConfiguration, logger: Logger) async throws -> any EventLog {
        try await self.open(configuration, readOnly: false, logger: logger)
    }

    /// The same log, opened without creating anything; appends are refused. What `eventstore-replay` reads.
    public func openSnapshot(for configuration: TopicConfiguration, logger: Logger) async throws -> any EventLog {
        try await self.open(configuration, readOnly: true, logger: logger)
    }

    private func open(_ configuration: TopicConfiguration, readOnly: Bool, logger: Logger) async throws -> BlobEventLog {
        let place = try self.place(of: configuration)
        let client = BlobContainerClient(account: place.account, container: place.container, transport: self.transport)
        do {
            if place.createContainer, !readOnly { _ = try await client.createContainer() }
            return try await BlobEventLog.open(
                client: client,
                prefix: place.prefix,
                topic: configuration.name.rawValue,
                options: place.options,
                readOnly: readOnly,
                logger: logger
            )
        } catch let error as EventStoreError {
            throw error
        } catch let error as BlobServiceError where error.code == "ContainerNotFound" {
            throw EventStoreError(
                .storageUnavailable,
                "container '\(place.container)' does not exist at \(place.account.endpoint); create it, or set options.createContainerIfNotExist"
            )
        } catch let error as BlobServiceError where error.isAuthenticationFailure {
            throw EventStoreError(.storageUnavailable, "the Blob service at \(place.account.endpoint) refused the credentials (\(error.status) \(error.code))")
        } catch {
            throw EventStoreError(.storageUnavailable, "the Blob service at \(place.account.endpoint) cannot be used: \(error)")
        }
    }

    /// The topic's projections, in its container under `<prefix>/projections/` (see ``BlobProjectionStore``).
    public func openProjectionStore(for configuration: TopicConfiguration, logger: Logger) async throws -> (any ProjectionStore)? {
        let place = try self.place(of: configuration)
        let client = BlobContainerClient(account: place.account, container: place.container, transport: self.transport)
        return BlobProjectionStore(client: client, prefix: place.prefix, options: self.projectionOptions)
    }

    /// Masks `AccountKey`, `SharedAccessSignature` and a SAS URL's `sig`.
    public func redactConnection(_ connection: String) -> String {
        SecretRedactor.redactConnection(connection)
    }

    static func isContainerName(_ name: String) -> Bool {
        (3...63).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
            && name.first != "-" && name.last != "-" && !name.contains("--")
    }

    static func isPrefix(_ prefix: String) -> Bool {
        guard (1...512).contains(prefix.unicodeScalars.count), !prefix.hasPrefix("/"), !prefix.hasSuffix("/") else { return false }
        guard prefix.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F && $0 != "\\" }) else { return false }
        return prefix.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }
}
