public import Logging

/// Durable list of the topics attached to the service, so they survive restarts; several processes may share one.
public protocol TopicCatalog: Sendable {
    /// Every stored configuration.
    func load(logger: Logger) async throws -> [TopicConfiguration]

    /// Stores a configuration durably before returning, unless the catalog already holds one under its name.
    /// - Returns: `.added`, or the configuration already stored under that name (which may differ from this one: a
    ///   shared catalog decides between processes that create the same topic at once).
    func add(_ configuration: TopicConfiguration, logger: Logger) async throws -> CatalogAddition

    /// Replaces the stored configuration of the same name durably before returning (its projections changed).
    /// - Throws: `EventStoreError.topicNotFound` when none is stored under the name.
    func replace(_ configuration: TopicConfiguration, logger: Logger) async throws

    /// Removes a configuration durably before returning; removing an absent one is not an error.
    func remove(_ name: TopicName, logger: Logger) async throws

    /// Asks to be told whenever another process changes the catalog (or may have while it was not listening), so this
    /// process attaches and detaches topics the same way. A catalog only this process uses need not do anything.
    func observeChanges(_ onChange: @escaping @Sendable () -> Void)

    /// Ends what the catalog runs (a listener thread, connections); it is not used afterwards.
    func close(logger: Logger) async
}

extension TopicCatalog {
    /// Only this process changes the catalog: nothing to observe.
    public func observeChanges(_ onChange: @escaping @Sendable () -> Void) {}

    /// Nothing runs beside the catalog.
    public func close(logger: Logger) async {}
}

/// What ``TopicCatalog/add(_:logger:)`` found.
public enum CatalogAddition: Sendable, Equatable {
    /// The configuration is now stored.
    case added
    /// The catalog already held this configuration under the name; nothing was written.
    case alreadyStored(TopicConfiguration)
}
