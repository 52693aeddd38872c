public import Foundation

/// Runs programs written by others that tests check the project against (reference validators and verifiers).
public enum ExternalTool {
    /// Runs `arguments` through `/usr/bin/env`, feeding `input` on standard input.
    /// - Returns: the exit status and everything written to standard output and error.
    public static func run(_ arguments: [String], input: Data = Data()) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
