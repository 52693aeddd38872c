/// A tokens file or an access setting that cannot be used.
public struct AccessConfigurationError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
