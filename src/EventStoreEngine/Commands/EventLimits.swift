/// Bounds on what a publish may contain. Lengths are in UTF-8 bytes.
public struct EventLimits: Sendable, Hashable {
    public var maxBatchSize: Int
    public var maxTypeLength: Int
    public var maxKeyLength: Int
    public var maxTagLength: Int
    public var maxTagsPerEvent: Int
    public var maxMetadataEntries: Int
    public var maxMetadataKeyLength: Int
    public var maxMetadataValueLength: Int

    public init(
        maxBatchSize: Int = 1000,
        maxTypeLength: Int = 256,
        maxKeyLength: Int = 512,
        maxTagLength: Int = 256,
        maxTagsPerEvent: Int = 64,
        maxMetadataEntries: Int = 64,
        maxMetadataKeyLength: Int = 256,
        maxMetadataValueLength: Int = 4096
    ) {
        self.maxBatchSize = maxBatchSize
        self.maxTypeLength = maxTypeLength
        self.maxKeyLength = maxKeyLength
        self.maxTagLength = maxTagLength
        self.maxTagsPerEvent = maxTagsPerEvent
        self.maxMetadataEntries = maxMetadataEntries
        self.maxMetadataKeyLength = maxMetadataKeyLength
        self.maxMetadataValueLength = maxMetadataValueLength
    }
}
