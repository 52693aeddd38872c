import EventStoreCore
import EventStoreTesting
import Testing

@Suite struct TopicNameTests {
    @Test(arguments: ["orders", "a", "A1", "order_events.v2", "x-y_z.0", String(repeating: "n", count: 128)])
    func acceptsValidNames(_ name: String) throws {
        #expect(try TopicName(name).rawValue == name)
    }

    @Test(arguments: [
        "", "-orders", ".hidden", "_x", "has space", "slash/name", "dot..ok?", "ü", "..", String(repeating: "n", count: 129), "a\u{0}b",
    ])
    func refusesInvalidNames(_ name: String) {
        expectError(.invalidArgument) { try TopicName(name) }
    }
}
