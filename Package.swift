// swift-tools-version:6.0
import PackageDescription

// Module graph (data flows one way, see DESIGN.md §4):
//   HTTPServer ─┐
//   Tokenizer ──┼─> RewardService ─> RewardServer (executable `reward-server`)
//   Inference ──┘
//   Inference ─> CBLAS (OpenBLAS, apt libopenblas-dev)
let package = Package(
    name: "reward-server",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "reward-server", targets: ["RewardServer"]),
        .library(name: "RewardService", targets: ["RewardService"]),
        .library(name: "Inference", targets: ["Inference"]),
        .library(name: "Tokenizer", targets: ["Tokenizer"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "Tokenizer"),
        .target(
            name: "Inference",
            dependencies: ["CBLAS"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .target(name: "CSocket"),
        .target(
            name: "HTTPServer",
            dependencies: ["CSocket", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "RewardService", dependencies: ["Tokenizer", "Inference", "HTTPServer"]),
        .executableTarget(
            name: "RewardServer",
            dependencies: [
                "RewardService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "TestSupport"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "TestSupport"]),
        .testTarget(
            name: "HTTPServerTests",
            dependencies: ["HTTPServer", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "RewardServiceTests",
            dependencies: ["RewardService", "RewardServer", "TestSupport"]
        ),
    ]
)
