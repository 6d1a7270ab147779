// swift-tools-version: 6.1
import PackageDescription

// libvips' headers include glib's, whose configuration header lives in a multiarch folder.
// These are the only include paths vips.h needs; naming them here instead of asking
// pkg-config keeps SwiftPM from warning about the `-pthread` in glib's pkg-config flags.
#if arch(arm64)
let multiarch = "aarch64-linux-gnu"
#else
let multiarch = "x86_64-linux-gnu"
#endif
let glibIncludes: [String] = ["/usr/include/glib-2.0", "/usr/lib/\(multiarch)/glib-2.0/include"]
    .flatMap { ["-Xcc", "-I\($0)"] }

// Every Swift target gets glib's include paths: a module that imports one that imports CVips
// (even internally) may have to load it.
let swiftSettings: [SwiftSetting] = [
    .unsafeFlags(glibIncludes),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "imgeda",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "imgeda", targets: ["imgeda"]),
        // For the nested benchmark package (Benchmarks/), which measures the analysis code.
        .library(name: "DatasetAnalysis", targets: ["DatasetAnalysis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // libvips, through non-variadic wrappers in the module's header.
        .systemLibrary(
            name: "CVips",
            providers: [.apt(["libvips-dev"])]
        ),
        // libjpeg-turbo's TurboJPEG API: the fast path for JPEG with DCT scaling.
        .systemLibrary(
            name: "CTurboJPEG",
            pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]
        ),
        // A fast path for ordinary 8-bit PNGs: libdeflate and a tight unfilter loop.
        .target(name: "CFastPNG", linkerSettings: [.linkedLibrary("deflate")]),
        // Process plumbing Swift cannot express safely: signal flags, prctl, spawning.
        .target(name: "CImgedaSupport"),
        .target(name: "DatasetAnalysis", swiftSettings: swiftSettings),
        .target(
            name: "ImageDecoding",
            dependencies: ["CVips", "CTurboJPEG", "CFastPNG", "DatasetAnalysis"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DatasetIO",
            dependencies: ["DatasetAnalysis", "CImgedaSupport", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DatasetPipeline",
            dependencies: [
                "DatasetAnalysis", "ImageDecoding", "DatasetIO", "CImgedaSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Charts (SVG), plots and, later, the HTML report: presentation, from manifests alone.
        .target(
            name: "DatasetReport",
            dependencies: ["DatasetAnalysis"],
            swiftSettings: swiftSettings
        ),
        // Synthetic pictures and the example dataset, for `imgeda example`, the demo and tests.
        .target(
            name: "ExampleData",
            dependencies: ["DatasetAnalysis", "ImageDecoding"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "imgeda",
            dependencies: [
                "DatasetAnalysis", "ImageDecoding", "DatasetIO", "DatasetPipeline", "CImgedaSupport", "ExampleData",
                "DatasetReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DatasetAnalysisTests",
            dependencies: ["DatasetAnalysis", "DatasetIO"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ScanPipelineTests",
            dependencies: ["DatasetAnalysis", "ImageDecoding", "DatasetIO", "DatasetPipeline", "ExampleData", "DatasetReport"],
            exclude: ["Scripts"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
