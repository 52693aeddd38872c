public import Testing

/// Polls `condition` every 20 ms until it holds, or records an issue naming `what` when `timeout` passes.
public func eventually(_ what: Comment, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out waiting: \(what)")
}
