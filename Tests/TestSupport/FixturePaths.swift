// Where the package's test fixtures live, found from this file's path so tests run from any
// working directory. Paths only; no fixture is read or generated here.

import Foundation

public enum Fixtures {
    /// `<package root>/Tests/Fixtures`.
    public static let directory: URL = packageRoot.appendingPathComponent("Tests/Fixtures", isDirectory: true)

    /// The package root (this file is `<root>/Tests/TestSupport/FixturePaths.swift`).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A path below `Tests/Fixtures`.
    public static func url(_ relativePath: String) -> URL {
        directory.appendingPathComponent(relativePath)
    }
}
