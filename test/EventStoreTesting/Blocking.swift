import Foundation

/// Runs blocking work (a child process, `initdb`, `psql`) on a thread of its own, so tests never hold one of the
/// few threads of Swift's cooperative pool while they wait: a blocked pool stalls every other test running at once.
public func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.name = "test-blocking"
        thread.start()
    }
}
