public import EventStoreCore
public import Testing

/// Expects `body` to throw an `EventStoreError` with exactly `code`: any other error, a 503 for a failed condition
/// say, fails the test.
/// - Returns: the error, for more checks.
@discardableResult
public func expectError<R>(
    _ code: EventStoreError.Code,
    _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> R
) async -> EventStoreError? {
    let error = await #expect(throws: EventStoreError.self, comment, sourceLocation: sourceLocation) { try await body() }
    if let error { #expect(error.code == code, "\(error)", sourceLocation: sourceLocation) }
    return error
}

/// ``expectError(_:_:sourceLocation:_:)`` for synchronous code.
@discardableResult
public func expectError<R>(
    _ code: EventStoreError.Code,
    _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> R
) -> EventStoreError? {
    let error = #expect(throws: EventStoreError.self, comment, sourceLocation: sourceLocation) { try body() }
    if let error { #expect(error.code == code, "\(error)", sourceLocation: sourceLocation) }
    return error
}
