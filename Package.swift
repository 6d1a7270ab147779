// swift-tools-version: 6.1
import PackageDescription

// No unsafe flags anywhere: libvips' headers stay inside the C target CVips (see below), so no
// Swift target needs glib's include paths, and the package can be used as a dependency.
let swiftSettings: [SwiftSetting] = [
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
        // For the nested benchmark package, which measures the Parquet reader.
        .library(name: "DatasetIO", targets: ["DatasetIO"]),
        // For the nested benchmark package, which measures the window hashes.
        .library(name: "ImageDecoding", targets: ["ImageDecoding"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Already a dependency of async-http-client; named for the tests' local HTTP server.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // The web app of `imgeda serve` (issue 12); no traits: swift-configuration is not needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        // Already dependencies of hummingbird; named for the server's logger and graceful shutdown.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // libvips' headers, for the C shim only. vips.h needs just glib's include paths, which
        // gobject-2.0's pkg-config file gives cleanly; vips' own file adds `-pthread` (through
        // gmodule and gio), which SwiftPM drops with a warning on every build.
        .systemLibrary(
            name: "CLibvips",
            pkgConfig: "gobject-2.0",
            providers: [.apt(["libvips-dev"])]
        ),
        // libvips behind an opaque header: plain C wrappers (`cvips_*`), the only code that
        // includes vips.h. A C target does not link what a module map names, hence `vips` here.
        .target(name: "CVips", dependencies: ["CLibvips"], linkerSettings: [.linkedLibrary("vips")]),
        // libjpeg-turbo's TurboJPEG API: the fast path for JPEG with DCT scaling.
        .systemLibrary(
            name: "CTurboJPEG",
            pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]
        ),
        // A fast path for ordinary 8-bit PNGs: libdeflate and a tight unfilter loop.
        .target(name: "CFastPNG", linkerSettings: [.linkedLibrary("deflate")]),
        // The codecs of Parquet pages as public URL lists ship them (read by DatasetIO's ParquetReader).
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Process plumbing Swift cannot express safely: signal flags, prctl, spawning.
        .target(name: "CImgedaSupport"),
        // CImgedaSupport: the Hamming-distance kernels with the `popcnt` instruction (hamming.c).
        .target(name: "DatasetAnalysis", dependencies: ["CImgedaSupport"], swiftSettings: swiftSettings),
        .target(
            name: "ImageDecoding",
            dependencies: ["CVips", "CTurboJPEG", "CFastPNG", "DatasetAnalysis"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DatasetIO",
            dependencies: [
                "DatasetAnalysis", "CImgedaSupport", "CSnappy", "CZstd", "CZlib", .product(name: "Yams", package: "Yams"),
            ],
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
        // URL sources, fetching (one pooled HTTP client), the address guard, retries and the
        // download journal; the images it receives are analysed by DatasetPipeline's workers.
        .target(
            name: "Downloader",
            dependencies: [
                "DatasetAnalysis", "DatasetIO", "DatasetPipeline", "ImageDecoding",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // S3 (issue 14): SigV4, the credentials chain, a small client (list, get, put, multipart
        // upload) and the scan of an S3 prefix, whose objects go to the scan's workers.
        // Reuses the Downloader's retry policy.
        .target(
            name: "ObjectStorage",
            dependencies: [
                "DatasetAnalysis", "DatasetIO", "DatasetPipeline", "Downloader",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The library (issue 11): the CatalogStore protocol, the importer from manifest and
        // sidecars, and the library's jobs. Backend-neutral: no database types appear here.
        .target(
            name: "DatasetCatalog",
            dependencies: ["DatasetAnalysis", "DatasetIO", "DatasetPipeline"],
            swiftSettings: swiftSettings
        ),
        // The catalog's embedded backend: SQLite through GRDB (FTS5 over tags, captions, paths).
        .target(
            name: "DatasetCatalogSQLite",
            dependencies: [
                "DatasetAnalysis", "DatasetCatalog", .product(name: "GRDB", package: "GRDB.swift"),
                // sqlite3's own binding calls, for the bulk load's prepared insert.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The catalog's team backend: PostgreSQL through postgres-nio (tsvector/GIN full text).
        .target(
            name: "DatasetCatalogPostgres",
            dependencies: ["DatasetAnalysis", "DatasetCatalog", .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: swiftSettings
        ),
        // `imgeda serve`: the Hummingbird app, its routes, pages, static files, jobs and SSE.
        .target(
            name: "DatasetWebUI",
            dependencies: [
                "DatasetAnalysis", "DatasetIO", "DatasetPipeline", "DatasetCatalog", "DatasetReport", "ImageDecoding",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            resources: ["app.css", "common.js", "gallery.js", "image.js", "duplicates.js", "trash.js", "jobs.js", "openapi.yaml"].map {
                .embedInCode("Static/\($0)")
            },
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "imgeda",
            dependencies: [
                "DatasetAnalysis", "ImageDecoding", "DatasetIO", "DatasetPipeline", "CImgedaSupport", "ExampleData",
                "DatasetReport", "Downloader", "DatasetCatalog", "DatasetCatalogSQLite", "DatasetCatalogPostgres",
                "ObjectStorage",
                "DatasetWebUI",
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
            name: "CommandTests",
            dependencies: ["DatasetAnalysis", "ImageDecoding", "DatasetIO", "DatasetPipeline", "ExampleData", "DatasetReport"],
            exclude: ["Scripts"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Tests. The fixture builders and the command runner live in one target that every test
// target uses (as swift-argument-parser's ArgumentParserTestHelpers do); no product names it,
// so packages that depend on this one never build it.
package.targets += [
    .target(
        name: "TestSupport",
        dependencies: [
            "DatasetAnalysis", "DatasetIO", "ImageDecoding", "ExampleData",
            // The fault-injecting HTTP server on 127.0.0.1 (FaultServer.swift).
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ],
        path: "Tests/TestSupport",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "DatasetIOTests",
        dependencies: ["DatasetAnalysis", "DatasetIO"],
        swiftSettings: swiftSettings
    ),
    // The download engine against a fault-injecting HTTP server on 127.0.0.1 (swift-nio).
    .testTarget(
        name: "DownloaderTests",
        dependencies: ["Downloader", "DatasetAnalysis", "DatasetIO"],
        swiftSettings: swiftSettings
    ),
    // S3 against moto's server on 127.0.0.1 and SigV4 against botocore's signer.
    .testTarget(
        name: "ObjectStorageTests",
        dependencies: ["ObjectStorage", "DatasetAnalysis", "DatasetIO", "Downloader"],
        swiftSettings: swiftSettings
    ),
    // `imgeda serve` on 127.0.0.1: security, the API, Playwright and schemathesis (Scripts/).
    .testTarget(
        name: "DatasetWebUITests",
        dependencies: ["DatasetAnalysis", "ExampleData", "DatasetWebUI"],
        exclude: ["Scripts"],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "DatasetCatalogTests",
        dependencies: [
            "DatasetAnalysis", "DatasetIO", "DatasetCatalog", "DatasetCatalogSQLite", "DatasetCatalogPostgres", "DatasetPipeline",
        ],
        swiftSettings: swiftSettings
    ),
]
for target in package.targets where target.type == .test {
    target.dependencies.append("TestSupport")
}
// Golden files (help texts, `--json` outputs) sit next to the tests that compare them.
package.targets.first { $0.name == "CommandTests" }?.exclude.append("Snapshots")
