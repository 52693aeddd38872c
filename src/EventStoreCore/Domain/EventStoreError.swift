/// The one error type of the event store's core.
///
/// Codes are extensible structs rather than an enum, so adding a code breaks no adapter. The message is meant for
/// the client and never contains a secret.
public struct EventStoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, independent of any transport.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidArgument
            case limitExceeded
            case unsupportedConfiguration
            case topicNotFound
            case eventNotFound
            case topicConflict
            case conditionFailed
            case storageUnavailable
            case storageCorrupted
            case subscriptionNotFound
            case callbackRefused
            case overloaded
            case storageFull
            case projectionNotFound
            case entryNotFound
            case projectionConflict
            case waitTimedOut
            case generationFenced
            case payloadTooLarge
        }
        private let base: Base

        /// The request is malformed or breaks a rule of the domain.
        public static let invalidArgument = Code(base: .invalidArgument)
        /// A configured limit (batch size, field length, ...) was exceeded.
        public static let limitExceeded = Code(base: .limitExceeded)
        /// A topic configuration names an unknown adapter, one not built in, or lacks required fields.
        public static let unsupportedConfiguration = Code(base: .unsupportedConfiguration)
        /// No topic of that name is attached.
        public static let topicNotFound = Code(base: .topicNotFound)
        /// The topic holds no event at that offset.
        public static let eventNotFound = Code(base: .eventNotFound)
        /// A topic of that name exists with a different configuration.
        public static let topicConflict = Code(base: .topicConflict)
        /// An append condition did not hold; nothing was written.
        public static let conditionFailed = Code(base: .conditionFailed)
        /// The topic's storage cannot be reached or is failed; nothing was written.
        public static let storageUnavailable = Code(base: .storageUnavailable)
        /// The topic's storage holds data that fails its integrity checks.
        public static let storageCorrupted = Code(base: .storageCorrupted)
        /// No subscription of that id exists on the topic.
        public static let subscriptionNotFound = Code(base: .subscriptionNotFound)
        /// A callback URL is well formed but the delivery policy forbids its destination.
        public static let callbackRefused = Code(base: .callbackRefused)
        /// The service is at a configured capacity (waiting reads, queued appends) and cannot take this request
        /// now; the same request may succeed shortly.
        public static let overloaded = Code(base: .overloaded)
        /// The topic's storage holds as much as it is allowed to; nothing was written.
        public static let storageFull = Code(base: .storageFull)
        /// The topic has no projection of that name.
        public static let projectionNotFound = Code(base: .projectionNotFound)
        /// The projection's read model holds no entry under that key.
        public static let entryNotFound = Code(base: .entryNotFound)
        /// The topic already has a projection of that name, or a rebuild of it is running.
        public static let projectionConflict = Code(base: .projectionConflict)
        /// A read asked to wait for a projection's checkpoint, and the wait ran out first.
        public static let waitTimedOut = Code(base: .waitTimedOut)
        /// A projection store refused a write: its generation is no longer the one being written (a rebuild swapped
        /// in another, or another writer moved the checkpoint). The writer reloads and goes on from what is stored.
        public static let generationFenced = Code(base: .generationFenced)
        /// A batch is larger than the topic's storage writes at once (a blob topic's 4 MiB frame); nothing was written.
        public static let payloadTooLarge = Code(base: .payloadTooLarge)

        public var description: String { self.base.rawValue }
    }

    public var code: Code
    /// A sentence for the client saying what is wrong. Never contains a secret.
    public var message: String
    /// For `conditionFailed`: the topic's head (the offset the next event would get) when the condition was checked.
    public var head: Int64?

    public init(_ code: Code, _ message: String, head: Int64? = nil) {
        self.code = code
        self.message = message
        self.head = head
    }

    public var description: String { "\(self.code): \(self.message)" }
}
