// Runs Python's huggingface_hub (PyPI, pinned) in a subprocess with a clean environment. A missing
// or different package fails the test with the install command: CI must run these, never skip.
import Foundation
import Synchronization
import Testing

struct ProcessResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

struct PythonRunner {
    static let requiredVersion = "2.4.0"
    static let installHint = "pip install huggingface_hub==\(requiredVersion)"

    /// The interpreter itself (not a pyenv shim), so it runs with an environment we choose.
    let executable: String

    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    static func locate() throws -> PythonRunner {
        let probe = try runProcess(
            "/usr/bin/env", ["python3", "-c", "import sys; print(sys.executable)"],
            environment: ProcessInfo.processInfo.environment)
        let path = probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard probe.status == 0, !path.isEmpty else {
            throw Unavailable(description: "python3 not found (\(probe.stderr)); install Python 3 and \(installHint)")
        }
        return PythonRunner(executable: path)
    }

    /// Fails unless huggingface_hub is importable at the pinned version.
    static func withHuggingFaceHub() throws -> PythonRunner {
        let python = try locate()
        let result = try python.run(["-c", "import huggingface_hub; print(huggingface_hub.__version__)"])
        let version = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, version == requiredVersion else {
            throw Unavailable(
                description: "huggingface_hub \(requiredVersion) is required for the interoperability tests "
                    + "(found: \(result.status == 0 ? version : "none")); run `\(installHint)`")
        }
        return python
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        var clean = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HF_HUB_DISABLE_TELEMETRY": "1", "LANG": "C.UTF-8"]
        clean.merge(environment) { $1 }
        return try runProcess(executable, arguments, environment: clean)
    }
}

func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Read both pipes before waiting, so a chatty child never blocks on a full pipe.
    let errorData = Mutex<Data>(Data())
    let errorsRead = DispatchSemaphore(value: 0)
    Thread {
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        errorData.withLock { $0 = data }
        errorsRead.signal()
    }.start()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    errorsRead.wait()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
        stderr: String(decoding: errorData.withLock { $0 }, as: UTF8.self))
}
