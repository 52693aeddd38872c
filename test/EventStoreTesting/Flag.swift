import Synchronization

/// A flag set once and read from any task: lets a test see whether concurrent work has finished yet.
public final class Flag: Sendable {
    private let value = Atomic(false)

    public init() {}

    public var isSet: Bool { self.value.load(ordering: .acquiring) }

    public func set() { self.value.store(true, ordering: .releasing) }
}
