// swift-tools-version:6.0
import PackageDescription

// Module graph (data flows one way, see DESIGN.md §4):
//   HTTPServer ─┐
//   Batching ───┤
//   Tokenizer ──┼─> RewardService ─> RewardServer (executable `reward-server`)
//   Inference ──┘
//   Inference ─> Checkpoint (config.json, safetensors / PyTorch / sharded readers, compared config),
//                CBLAS (OpenBLAS, apt libopenblas-dev), CKernels (packed-weight products)
//   Tokenizer, Checkpoint, RewardService ─> StrictJSON (the one JSON parser and typed field reader:
//                exact keys, integers, limits, errors naming the field's path)
//   Hub (Hugging Face Hub download + cache; Foundation and swift-log only) ─> RewardServer
// Checkpoint parses downloaded files and keeps Swift's bounds and overflow checks; only Inference
// (kernels, encoder, heads) and the engine benchmark are built with -Ounchecked.
let package = Package(
    name: "reward-server",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "reward-server", targets: ["RewardServer"]),
        .executable(name: "engine-bench", targets: ["EngineBench"]),
        .library(name: "RewardService", targets: ["RewardService"]),
        .library(name: "Inference", targets: ["Inference"]),
        .library(name: "Checkpoint", targets: ["Checkpoint"]),
        .library(name: "Tokenizer", targets: ["Tokenizer"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
        .library(name: "Batching", targets: ["Batching"]),
        .library(name: "Hub", targets: ["Hub"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "StrictJSON"),
        .target(name: "Tokenizer", dependencies: ["StrictJSON"]),
        // Packed-weight vector kernels (AVX-512 / AVX2 chosen at run time), plain C.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // Reads untrusted files (config.json, checkpoints): normal checks, never -Ounchecked.
        .target(name: "Checkpoint", dependencies: ["StrictJSON"]),
        .target(
            name: "Inference",
            dependencies: ["Checkpoint", "CBLAS", "CKernels"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .target(name: "CSocket"),
        .target(
            name: "HTTPServer",
            dependencies: ["CSocket", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "Batching"),
        .target(
            name: "Hub",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            // Optimised even in debug builds: checking a 440 MB checkpoint's sha256 unoptimised takes ~50 s.
            swiftSettings: [.unsafeFlags(["-O"])]
        ),
        .target(
            name: "RewardService",
            dependencies: [
                "Tokenizer", "Inference", "HTTPServer", "Batching", "StrictJSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "RewardServer",
            dependencies: [
                "RewardService", "Hub",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Engine benchmark; nothing depends on it. `bash Scripts/bench.sh`.
        .executableTarget(
            name: "EngineBench",
            dependencies: ["Inference", "Checkpoint", "CBLAS"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .target(
            name: "TestSupport",
            dependencies: ["Inference", "HTTPServer", "Batching", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "TestSupport"]),
        .testTarget(
            name: "CheckpointTests",
            dependencies: ["Checkpoint", "TestSupport"],
            exclude: ["Weights/Fixtures"]
        ),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "Checkpoint", "CKernels", "TestSupport"]),
        .testTarget(
            name: "HTTPServerTests",
            dependencies: ["HTTPServer", "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "BatchingTests", dependencies: ["Batching", "TestSupport"]),
        .testTarget(
            name: "RewardServiceTests",
            dependencies: [
                "RewardService", "TestSupport", "HTTPServer", "Batching",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "RewardServerTests", dependencies: ["RewardServer", "RewardService", "HTTPServer", "TestSupport"]),
        .testTarget(
            name: "HubTests",
            dependencies: ["Hub", "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
    ]
)
