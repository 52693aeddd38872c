import EventStoreCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

import Foundation

/// Shows a rebuild's progress on standard error: on a terminal, a bar with events/s and the time left; otherwise a
/// line every few seconds. A summary line per projection goes to standard output.
final class ProgressDisplay: Sendable {
    private struct State {
        var projection: ProjectionName?
        var started = ContinuousClock.now
        var lastShown = ContinuousClock.now
        var position: Int64 = 0
        var head: Int64 = 0
    }

    private let topic: TopicName
    private let isTerminal = isatty(2) == 1
    private let state = Mutex(State())

    init(topic: TopicName) {
        self.topic = topic
    }

    func start(_ projection: ProjectionName) {
        self.state.withLock { $0 = State(projection: projection) }
    }

    func update(_ position: Int64, of head: Int64) {
        let line = self.state.withLock { state -> String? in
            state.position = position
            state.head = head
            let now = ContinuousClock.now
            guard now - state.lastShown >= (self.isTerminal ? .milliseconds(100) : .seconds(5)) else { return nil }
            state.lastShown = now
            return self.line(state, now: now)
        }
        if let line { self.show(line) }
    }

    func finish(_ projection: ProjectionName, generation: Int64, checkpoint: Int64) {
        let (elapsed, line) = self.state.withLock { state in
            (ContinuousClock.now - state.started, self.line(state, now: .now))
        }
        if self.isTerminal { self.show(line + "\n") }
        let seconds = max(elapsed.inSeconds, 0.001)
        print(
            "rebuilt projection '\(projection)' of topic '\(self.topic)': \(checkpoint) events in \(Self.format(seconds)) s "
                + "(\(Int((Double(checkpoint) / seconds).rounded())) events/s), generation \(generation) now served"
        )
    }

    func abandon() {
        if self.isTerminal { self.show("\n") }
    }

    func note(_ text: String) {
        print(text)
    }

    private func line(_ state: State, now: ContinuousClock.Instant) -> String {
        let elapsed = max((now - state.started).inSeconds, 0.001)
        let rate = Double(state.position) / elapsed
        let fraction = state.head > 0 ? min(1, Double(state.position) / Double(state.head)) : 1
        let remaining = rate > 0 ? Double(state.head - state.position) / rate : 0
        let name = state.projection?.rawValue ?? ""
        guard self.isTerminal else {
            return "\(name): \(state.position)/\(state.head) events, \(Int(rate)) events/s, \(Self.format(remaining)) s left\n"
        }
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return "\r\(name) [\(bar)] \(Int(fraction * 100))% \(state.position)/\(state.head) \(Int(rate)) ev/s ETA \(Self.format(remaining)) s  "
    }

    private func show(_ text: String) {
        FileHandle.standardError.write(text)
    }

    private static func format(_ seconds: Double) -> String {
        String(Double(Int(seconds * 10)) / 10)
    }
}

extension FileHandle {
    func write(_ text: String) {
        self.write(Data(text.utf8))
    }
}
