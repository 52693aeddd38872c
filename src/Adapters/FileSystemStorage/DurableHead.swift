import EventStoreCore
import POSIXFiles

/// The `durable-head` file of an fs topic: the head its writer has made durable, as 20 digits and a line break.
enum DurableHead {
    static let fileName = "durable-head"

    static func path(in directory: String) -> String {
        directory + "/" + Self.fileName
    }

    static func encode(_ head: Int64) -> [UInt8] {
        Array(Segment.fileName(head, "\n").utf8)
    }

    /// The head the file holds; nil when it is missing. A read that meets the writer's rewrite half done is tried
    /// again.
    /// - Throws: `storageCorrupted` when it holds anything else.
    static func read(in directory: String, topic: String) throws -> Int64? {
        for _ in 0..<3 {
            guard let bytes = try PosixFile.readIfExists(Self.path(in: directory)) else { return nil }
            if bytes.count == 21, bytes.last == UInt8(ascii: "\n"), let head = Int64(String(decoding: bytes.prefix(20), as: UTF8.self)), head >= 0 {
                return head
            }
        }
        throw EventStoreError(.storageCorrupted, "topic '\(topic)': its durable-head file is not a head")
    }
}
