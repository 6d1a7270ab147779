// swift-tools-version: 6.1
// Benchmarks that need the project's libraries: a nested package, so benchmark-only code
// never enters the main build.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, whatever the clone is called.
let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "imgeda-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "../")],
    targets: [
        .executableTarget(
            name: "duplicate-scale",
            dependencies: [.product(name: "DatasetAnalysis", package: project)],
            path: "Sources/duplicate-scale"
        ),
        .executableTarget(
            name: "parquet-scale",
            dependencies: [.product(name: "DatasetIO", package: project)],
            path: "Sources/parquet-scale"
        ),
        .executableTarget(
            name: "window-scan",
            dependencies: [
                .product(name: "DatasetAnalysis", package: project), .product(name: "ImageDecoding", package: project),
            ],
            path: "Sources/window-scan"
        ),
    ],
    swiftLanguageModes: [.v6]
)
