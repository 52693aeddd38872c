import EventJSON
import EventStoreCore

/// The wire forms of projections.
extension JSONWriter {
    /// `{"name", "kind", "types"?, "delete_types"?}`
    mutating func projectionDefinition(_ definition: ProjectionDefinition) {
        self.raw("{")
        self.projectionDefinitionFields(definition)
        self.raw("}")
    }

    /// `{"name", "kind", "types"?, "delete_types"?, "state", "checkpoint", "lag", "generation", "last_error",
    /// "failed_offset", "rebuild", "rebuild_error"}`, open for more fields when `closing` is false.
    mutating func projectionInfo(_ info: ProjectionInfo, closing: Bool = true) {
        self.raw("{")
        self.projectionDefinitionFields(info.definition)
        self.raw(",")
        self.key("state")
        self.string(info.state.rawValue)
        self.raw(",")
        self.key("checkpoint")
        self.int(info.checkpoint)
        self.raw(",")
        self.key("lag")
        self.int(info.lag)
        self.raw(",")
        self.key("generation")
        self.int(info.generation)
        self.raw(",")
        self.key("last_error")
        self.optionalString(info.lastError)
        self.raw(",")
        self.key("failed_offset")
        self.optionalInt(info.failedOffset)
        self.raw(",")
        self.key("rebuild")
        if let rebuild = info.rebuild {
            self.raw("{")
            self.key("generation")
            self.int(rebuild.generation)
            self.raw(",")
            self.key("checkpoint")
            self.int(rebuild.checkpoint)
            self.raw("}")
        } else {
            self.raw("null")
        }
        self.raw(",")
        self.key("rebuild_error")
        self.optionalString(info.rebuildError)
        if closing { self.raw("}") }
    }

    /// The summary, then `"value"` (the whole state) or `"entries": [{"key", "value"}]` and `"next_after"`.
    mutating func projectionView(_ view: ProjectionView) {
        self.projectionInfo(view.info, closing: false)
        if let state = view.state {
            self.raw(",")
            self.key("value")
            self.raw(state.bytes)
        }
        if let entries = view.entries {
            self.raw(",")
            self.key("entries")
            self.raw("[")
            for (index, entry) in entries.enumerated() {
                if index > 0 { self.raw(",") }
                self.projectionEntry(entry.key, entry.value)
            }
            self.raw("],")
            self.key("next_after")
            self.optionalString(view.nextAfter?.text)
        }
        self.raw("}")
    }

    /// `{"key", "value"}`
    mutating func projectionEntry(_ key: ProjectionKey, _ value: RawJSON) {
        self.raw("{")
        self.key("key")
        self.string(key.text)
        self.raw(",")
        self.key("value")
        self.raw(value.bytes)
        self.raw("}")
    }

    private mutating func projectionDefinitionFields(_ definition: ProjectionDefinition) {
        self.key("name")
        self.string(definition.name.rawValue)
        self.raw(",")
        self.key("kind")
        self.string(definition.kind)
        if let types = definition.types {
            self.raw(",")
            self.key("types")
            self.stringArray(types)
        }
        if let deleteTypes = definition.deleteTypes {
            self.raw(",")
            self.key("delete_types")
            self.stringArray(deleteTypes)
        }
    }
}
