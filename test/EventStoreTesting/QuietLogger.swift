public import Logging

/// A logger that discards everything.
public let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
