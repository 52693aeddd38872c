/// The name of a storage adapter as it appears in a topic configuration (`"memory"`, `"fs"`, ...).
public struct AdapterKind: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    /// Volatile, in-process storage.
    public static let memory = AdapterKind("memory")
    /// JSON Lines segment files on local disk.
    public static let fileSystem = AdapterKind("fs")
    /// Azure Blob Storage append blobs.
    public static let azureBlob = AdapterKind("blob")
    /// A PostgreSQL table per topic.
    public static let postgres = AdapterKind("postgres")

    /// Every adapter the product defines, whether or not this build includes it.
    public static let all: [AdapterKind] = [.memory, .fileSystem, .azureBlob, .postgres]

    public var description: String { self.rawValue }
}
