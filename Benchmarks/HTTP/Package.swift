// swift-tools-version:6.0
// A load-test server for the HTTPServer module, kept out of the product's build graph: it
// depends on the root package by path. compare-with-hummingbird.sh runs the wrk comparison.
import PackageDescription

let package = Package(
    name: "http-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "reward-server", path: "../..")],
    targets: [
        .executableTarget(
            name: "HTTPBenchServer",
            dependencies: [.product(name: "HTTPServer", package: "reward-server")]
        )
    ]
)
