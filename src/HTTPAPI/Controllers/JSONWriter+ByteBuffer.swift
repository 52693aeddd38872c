import EventJSON
import NIOCore

extension JSONWriter {
    /// The written JSON as a `ByteBuffer`, copied once.
    var buffer: ByteBuffer { ByteBuffer(bytes: self.bytes) }
}
