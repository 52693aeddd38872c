public import EventStoreCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Checks drafts against ``EventLimits`` and the domain's rules, and turns them into ``NewEvent``s.
///
/// Every adapter receives only events that passed here, so no adapter repeats these checks.
public struct EventValidator: Sendable {
    public var limits: EventLimits

    public init(limits: EventLimits) {
        self.limits = limits
    }

    /// Validates a batch and fixes each event's id (generated when absent, time-ordered) and timestamp.
    /// - Throws: `EventStoreError.invalidArgument` or `.limitExceeded`, naming the offending field.
    public func prepare(_ drafts: [EventDraft], condition: AppendCondition?, timestamp: Date) throws(EventStoreError) -> [NewEvent] {
        guard !drafts.isEmpty else {
            throw EventStoreError(.invalidArgument, "a batch needs at least one event")
        }
        guard drafts.count <= self.limits.maxBatchSize else {
            throw EventStoreError(.limitExceeded, "a batch holds at most \(self.limits.maxBatchSize) events; got \(drafts.count)")
        }
        try condition?.validate()
        var seen = Set<UUID>()
        if drafts.count > 1 { seen.reserveCapacity(drafts.count) }
        var events: [NewEvent] = []
        events.reserveCapacity(drafts.count)
        for (index, draft) in drafts.enumerated() {
            let field = drafts.count == 1 ? "" : "events[\(index)]."
            try self.check(draft, field: field)
            let id = draft.id ?? UUID.timeOrdered(at: timestamp)
            guard drafts.count == 1 || seen.insert(id).inserted else {
                throw EventStoreError(.invalidArgument, "\(field)id \(id) appears more than once in the batch")
            }
            events.append(
                NewEvent(
                    id: id,
                    type: draft.type,
                    key: draft.key,
                    tags: draft.tags,
                    data: draft.data,
                    metadata: draft.metadata,
                    timestamp: timestamp,
                    idWasGenerated: draft.id == nil
                )
            )
        }
        return events
    }

    private func check(_ draft: EventDraft, field: String) throws(EventStoreError) {
        try Self.checkLength(draft.type, field: "\(field)type", max: self.limits.maxTypeLength)
        if let key = draft.key {
            try Self.checkLength(key, field: "\(field)key", max: self.limits.maxKeyLength)
        }
        guard draft.tags.count <= self.limits.maxTagsPerEvent else {
            throw EventStoreError(.limitExceeded, "\(field)tags holds at most \(self.limits.maxTagsPerEvent) tags")
        }
        for (index, tag) in draft.tags.enumerated() {
            try Self.checkLength(tag, field: "\(field)tags[\(index)]", max: self.limits.maxTagLength)
        }
        guard draft.metadata.count <= self.limits.maxMetadataEntries else {
            throw EventStoreError(.limitExceeded, "\(field)metadata holds at most \(self.limits.maxMetadataEntries) entries")
        }
        for (key, value) in draft.metadata {
            try Self.checkLength(key, field: "\(field)metadata key", max: self.limits.maxMetadataKeyLength)
            guard value.utf8.count <= self.limits.maxMetadataValueLength else {
                throw EventStoreError(
                    .limitExceeded,
                    "\(field)metadata['\(key)'] is longer than \(self.limits.maxMetadataValueLength) bytes"
                )
            }
        }
    }

    private static func checkLength(_ value: String, field: String, max: Int) throws(EventStoreError) {
        guard !value.isEmpty else {
            throw EventStoreError(.invalidArgument, "\(field) must not be empty")
        }
        guard value.utf8.count <= max else {
            throw EventStoreError(.limitExceeded, "\(field) is longer than \(max) bytes")
        }
    }
}
