// A scratch directory for tests that write files (checkpoints, model directories), removed when the
// value is released. Nothing here asserts.
import Foundation

/// A fresh directory under the system temporary directory, removed when the value is released.
public final class ScratchDirectory {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("reward-server-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)  // Best effort: a leftover temp dir is harmless.
    }

    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file
    }

    @discardableResult
    public func write(_ name: String, text: String) throws -> URL {
        try write(name, Array(text.utf8))
    }
}
