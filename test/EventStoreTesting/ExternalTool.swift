public import Foundation

/// Runs programs written by others that tests check the project against (reference validators and verifiers).
public enum ExternalTool {
    /// Runs `arguments` (the program is looked up in `PATH`), feeding `input` on standard input from a file, so
    /// large input and large output can never deadlock on pipe buffers.
    /// - Returns: the exit status and everything written to standard output and error.
    public static func run(_ arguments: [String], input: Data = Data()) async throws -> (status: Int32, output: String) {
        let child = try await ChildProcess.spawn(arguments[0], Array(arguments.dropFirst()), input: input)
        let status = try await blocking { child.waitBlocking() }
        return (status, child.output)
    }

    /// Whether `program` is on `PATH`; true under CI, like ``pythonModuleIsAvailable(_:)``.
    public static func programIsAvailable(_ program: String) async -> Bool {
        if ProcessInfo.processInfo.environment["CI"] != nil { return true }
        return (try? await Self.run(["/bin/sh", "-c", "command -v \(program)"]).status) == 0
    }

    /// Whether `python3` can import `module`. Under CI (`CI` set) a missing module is the CI's fault and must fail the
    /// run, not skip it: then this answers true and the check that needs the module fails on its own.
    public static func pythonModuleIsAvailable(_ module: String) async -> Bool {
        if ProcessInfo.processInfo.environment["CI"] != nil { return true }
        return (try? await Self.run(["python3", "-c", "import \(module)"]).status) == 0
    }
}
