public import Foundation
import Synchronization

/// A child process for tests, spawned with `posix_spawn` rather than Foundation's `Process`.
///
/// - Its standard output and error go to a file, never a pipe: nothing reads them through Dispatch I/O (whose
///   `readabilityHandler` crashes on Linux, swift-corelibs-foundation#3276), and a chatty child can never fill a
///   pipe nobody drains.
/// - Standard input comes from a file (or `/dev/null`), so feeding input can never deadlock against output.
/// - With `setpriv` (util-linux) present, the child gets a parent-death signal (SIGKILL): when the test process dies,
///   however it dies, its children die with it. The signal is tied to the spawning *thread*, so every child is
///   spawned by one thread that lives as long as the test process.
/// - It is reaped by ``waitForExit(timeout:)``, ``waitBlocking()`` or, as a last resort, when it is released.
public final class ChildProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    private let outputPath: String
    private let status = Mutex<Int32?>(nil)

    /// Spawns `executable` with `arguments`.
    /// - Parameters:
    ///   - environment: the child's whole environment; the test process's by default.
    ///   - input: bytes for its standard input (written to a file first); `/dev/null` when nil.
    /// - Throws: when the input cannot be written or the program cannot be started.
    ///   - deathSignal: what the child gets when the test process dies (`KILL`; `TERM` lets it clean up).
    public static func spawn(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        input: Data? = nil,
        deathSignal: String = "KILL"
    ) async throws -> ChildProcess {
        try await blocking {
            try Self.spawnBlocking(executable, arguments, environment: environment, input: input, deathSignal: deathSignal)
        }
    }

    /// Spawns like ``spawn(_:_:environment:input:)``, blocking the calling thread until the child is started (call
    /// it inside ``blocking(_:)``).
    public static func spawnBlocking(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        input: Data? = nil,
        deathSignal: String = "KILL"
    ) throws -> ChildProcess {
        let job = SpawnJob(executable: executable, arguments: arguments, environment: environment, input: input, deathSignal: deathSignal)
        let result = Mutex<Result<ChildProcess, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Spawner.shared.submit {
            let spawned = Result { try job.spawn() }
            result.withLock { $0 = spawned }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }

    fileprivate init(pid: pid_t, outputPath: String) {
        self.pid = pid
        self.outputPath = outputPath
    }

    /// Everything the child has written to standard output and error so far.
    public var output: String {
        (try? String(contentsOfFile: self.outputPath, encoding: .utf8)) ?? ""
    }

    /// Whether the child has not exited yet (reaps it when it has).
    public var isRunning: Bool { self.reap(blocking: false) == nil }

    /// The exit status once the child has exited: its exit code, or 128 plus the signal that ended it.
    public var exitStatus: Int32? { self.reap(blocking: false) }

    /// Sends `signal` to the child, if it still runs.
    public func signal(_ signal: Int32) {
        self.status.withLock { status in
            if status == nil { kill(self.pid, signal) }
        }
    }

    /// Waits until the child exits, polling without holding a thread.
    /// - Returns: the exit status (see ``exitStatus``).
    /// - Throws: ``Timeout`` when it still runs after `timeout` (it is left running), or `CancellationError`.
    public func waitForExit(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = self.exitStatus { return status }
            guard ContinuousClock.now < deadline else { throw Timeout(pid: self.pid, output: self.output) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits until the child exits, blocking the calling thread (call it inside ``blocking(_:)``).
    /// - Returns: the exit status (see ``exitStatus``).
    public func waitBlocking() -> Int32 {
        self.reap(blocking: true) ?? -1
    }

    /// Reaps the child if it has exited. A blocking reap happens outside the lock, so `signal` stays usable meanwhile.
    private func reap(blocking: Bool) -> Int32? {
        if blocking {
            if let known = self.status.withLock({ $0 }) { return known }
            var raw: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(self.pid, &raw, 0) } while result == -1 && errno == EINTR
            return self.status.withLock { status in
                if status == nil, result == self.pid { status = Self.decode(raw) }
                return status
            }
        }
        return self.status.withLock { status in
            if status == nil {
                var raw: Int32 = 0
                if waitpid(self.pid, &raw, WNOHANG) == self.pid { status = Self.decode(raw) }
            }
            return status
        }
    }

    private static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    /// Removes the file the child's output went to, for a child that lives as long as the process (its release
    /// would remove it, but a process exiting releases nothing).
    public func removeOutput() {
        try? FileManager.default.removeItem(atPath: self.outputPath)
    }

    deinit {
        if self.reap(blocking: false) == nil {
            kill(self.pid, SIGKILL)
            _ = self.reap(blocking: true)
        }
        try? FileManager.default.removeItem(atPath: self.outputPath)
    }

    /// A child that did not exit in time.
    public struct Timeout: Error, CustomStringConvertible {
        public var pid: pid_t
        public var output: String
        public var description: String { "process \(self.pid) did not exit in time; its output:\n\(self.output)" }
    }

    /// A program that could not be started.
    public struct SpawnFailed: Error, CustomStringConvertible {
        public var executable: String
        public var error: Int32
        public var description: String { "cannot start \(self.executable): \(String(cString: strerror(self.error)))" }
    }
}

/// What to spawn; runs on the spawner thread.
private struct SpawnJob: Sendable {
    var executable: String
    var arguments: [String]
    var environment: [String: String]?
    var input: Data?
    var deathSignal: String

    /// `setpriv --pdeathsig KILL` makes the child die with the test process; absent elsewhere (macOS), children are
    /// then only killed when released or stopped.
    static let setpriv: String? = FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") ? "/usr/bin/setpriv" : nil

    func spawn() throws -> ChildProcess {
        let outputPath = TestScratch.path("child", suffix: ".log")
        var inputPath: String?
        if let input {
            let path = TestScratch.path("child", suffix: ".in")
            try input.write(to: URL(fileURLWithPath: path))
            inputPath = path
        }
        defer { if let inputPath { try? FileManager.default.removeItem(atPath: inputPath) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        Self.closeInheritedDescriptors(&actions)

        let command =
            if let setpriv = Self.setpriv {
                [setpriv, "--pdeathsig", self.deathSignal, "--", self.executable] + self.arguments
            } else {
                [self.executable] + self.arguments
            }
        let argv = command.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let environment = (self.environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for entry in environment { free(entry) } }

        // The child starts with no signal blocked and default handlers: the spawning thread (like most threads of a
        // test process) blocks signals, and a child inheriting that mask would never see SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, command[0], &actions, &attributes, argv, environment)
        guard spawned == 0 else {
            try? FileManager.default.removeItem(atPath: outputPath)
            throw ChildProcess.SpawnFailed(executable: self.executable, error: spawned)
        }
        return ChildProcess(pid: pid, outputPath: outputPath)
    }

    /// Makes the child close every descriptor above standard error: a child that outlives its command (`pg_ctl`'s
    /// server) must not hold another test's descriptors open.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        if let addCloseFrom = Self.addCloseFrom {
            _ = addCloseFrom(&actions, 3)
            return
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc module does not show.
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()
}

/// The one thread that spawns every child: a parent-death signal fires when the spawning thread ends, so that
/// thread must live as long as the process.
private final class Spawner: Sendable {
    static let shared = Spawner()

    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let wakeUp = DispatchSemaphore(value: 0)

    private init() {
        let thread = Thread { [self] in
            while true {
                self.wakeUp.wait()
                let job = self.jobs.withLock { $0.removeFirst() }
                job()
            }
        }
        thread.name = "test-spawner"
        thread.start()
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        self.jobs.withLock { $0.append(job) }
        self.wakeUp.signal()
    }
}
