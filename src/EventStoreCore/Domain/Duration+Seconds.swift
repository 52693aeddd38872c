extension Duration {
    /// The duration in seconds, fractions included: for APIs that take a `TimeInterval` or a number of seconds.
    public var inSeconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
