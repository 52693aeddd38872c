/// Optimistic concurrency for an append; the append writes nothing when the condition does not hold.
///
/// - `expectedNextOffset`: the topic's head (the offset the next event gets) must equal this value.
/// - `failIfEventsMatch` (with `after`): no event matching the filter may exist at an offset greater than `after`
///   (any offset when `after` is nil). This is the Dynamic Consistency Boundary form: "nothing relevant to my
///   decision happened since I read up to `after`".
///
/// Both may be given; then both must hold.
public struct AppendCondition: Sendable, Hashable {
    public var expectedNextOffset: Int64?
    public var failIfEventsMatch: EventFilter?
    public var after: Int64?

    public init(expectedNextOffset: Int64? = nil, failIfEventsMatch: EventFilter? = nil, after: Int64? = nil) {
        self.expectedNextOffset = expectedNextOffset
        self.failIfEventsMatch = failIfEventsMatch
        self.after = after
    }

    /// Checks that the condition is meaningful.
    /// - Throws: `EventStoreError.invalidArgument` when it states nothing, or `after` appears without a filter.
    public func validate() throws(EventStoreError) {
        if self.expectedNextOffset == nil, self.failIfEventsMatch == nil {
            throw EventStoreError(.invalidArgument, "condition needs expected_next_offset or fail_if_events_match")
        }
        if self.after != nil, self.failIfEventsMatch == nil {
            throw EventStoreError(.invalidArgument, "condition.after is only meaningful with fail_if_events_match")
        }
        if let expected = self.expectedNextOffset, expected < 0 {
            throw EventStoreError(.invalidArgument, "condition.expected_next_offset must be 0 or greater")
        }
        if let after = self.after, after < -1 {
            throw EventStoreError(.invalidArgument, "condition.after must be -1 or greater")
        }
        try self.failIfEventsMatch?.validate(as: "condition.fail_if_events_match")
    }
}
