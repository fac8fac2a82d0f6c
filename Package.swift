// swift-tools-version: 6.1
//
// pagewait: a workbench for the Linux kernel's page-lock wait machinery.
// Layout shows the layers: Core (the model, no dependencies) <- Plugins
// (strategies, actors, scenarios, schedulers, checkers, reporters) <- Apps.
import PackageDescription

/// The model is optimised in debug builds too: the property tests sweep
/// thousands of seeds, which an -Onone engine makes fifteen times slower.
/// Overflow and bounds checks stay on (-O, not -Ounchecked).
let modelSettings: [SwiftSetting] = [
    .unsafeFlags(["-O"], .when(configuration: .debug)),
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "pagewait",
    products: [
        .library(name: "PagewaitCore", targets: ["PagewaitCore"]),
        .library(name: "PagewaitPlugins", targets: ["PagewaitPlugins"]),
        .executable(name: "pagewait", targets: ["pagewait"]),
        // libPagewaitABI.so: the C ABI. `make install` installs it as
        // libpagewait.so.0 (its SONAME) next to include/pagewait.h and
        // pagewait.pc; the name differs here only because a product may
        // not share the executable's name.
        .library(name: "PagewaitABI", type: .dynamic, targets: ["PagewaitSharedLibrary"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(
            name: "PagewaitCore",
            path: "Core",
            // The memory door's access log (Core/Memory/AccessLog.swift) is
            // compiled into debug builds, which the tests use; in a release
            // build the door is the bare load or store.
            swiftSettings: modelSettings + [.define("PAGEWAIT_ACCESS_LOG", .when(configuration: .debug))]
        ),
        .target(
            name: "PagewaitPlugins",
            dependencies: ["PagewaitCore"],
            path: "Plugins",
            swiftSettings: modelSettings
        ),
        // include/pagewait.h, the hand-written C interface, as a module the
        // Swift implementation imports: one set of typedefs and constants.
        .target(
            name: "CPagewait",
            path: "include",
            publicHeadersPath: "."
        ),
        // The C ABI's implementation: handles, sessions, C strategies and
        // the plugin loader. The CLI links it too, to host plugins.
        .target(
            name: "PagewaitABI",
            dependencies: ["PagewaitCore", "PagewaitPlugins", "CPagewait"],
            path: "Apps/CABI"
        ),
        // Only the shared library links this target, so only it gets the
        // version script (export pw_* and nothing else) and the SONAME.
        // A constructor that gives the host back the fatal signals the
        // Swift runtime takes when it loads with the library (host_signals.c).
        .target(
            name: "PagewaitHostSignals",
            path: "Apps/libpagewait/HostSignals"
        ),
        .target(
            name: "PagewaitSharedLibrary",
            dependencies: ["PagewaitABI", "PagewaitHostSignals"],
            path: "Apps/libpagewait",
            exclude: ["exports.map", "HostSignals"],
            linkerSettings: [
                .unsafeFlags([
                    "-Xlinker", "--version-script=\(Context.packageDirectory)/Apps/libpagewait/exports.map",
                    "-Xlinker", "-soname", "-Xlinker", "libpagewait.so.0",
                ]),
            ]
        ),
        // The commands, as a library: the executable is a thin main, and the
        // fuzz target over command lines runs the same code in-process.
        .target(
            name: "PagewaitCommands",
            dependencies: [
                "PagewaitCore",
                "PagewaitPlugins",
                "PagewaitABI",
                "CPagewait",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Apps/Commands"
        ),
        .executableTarget(
            name: "pagewait",
            dependencies: ["PagewaitCommands"],
            path: "Apps/pagewait"
        ),
        .testTarget(
            name: "CoreTests",
            dependencies: ["PagewaitCore"],
            path: "Tests/CoreTests"
        ),
        .testTarget(
            name: "PluginsTests",
            dependencies: ["PagewaitCore", "PagewaitPlugins"],
            path: "Tests/PluginsTests"
        ),
        .testTarget(
            name: "AppTests",
            dependencies: ["pagewait", "PagewaitCommands", "PagewaitCore", "PagewaitPlugins", "ProcessSupport"],
            path: "Tests/AppTests"
        ),
        // Runs a built executable and keeps its status and output, for the
        // test targets that check a command as a user runs it.
        .target(
            name: "ProcessSupport",
            path: "Tests/Support"
        ),
        // libffi, to call every function pagewait.h declares through the
        // shared library exactly as a C caller would.
        .systemLibrary(
            name: "CFFI",
            path: "Tests/CFFI",
            pkgConfig: "libffi",
            providers: [.apt(["libffi-dev"])]
        ),
        .testTarget(
            name: "ABITests",
            dependencies: ["CFFI"],
            path: "Tests/ABITests"
        ),
    ]
)

// Fuzzing (docs/fuzzing.md). The harness — byte decoding, the checks, the
// reports — is an ordinary library, so the corpus-replay tests run every
// committed input through it without the fuzzer runtime.
package.targets += [
    .target(
        name: "PagewaitFuzz",
        dependencies: ["PagewaitCore", "PagewaitPlugins", "PagewaitABI", "PagewaitCommands", "CPagewait"],
        path: "Apps/Fuzz/Harness"
    ),
    .testTarget(
        name: "FuzzTests",
        dependencies: ["PagewaitFuzz", "PagewaitCore", "PagewaitPlugins", "pagewait", "ProcessSupport"],
        path: "Tests/FuzzTests"
    ),
]

// The libFuzzer executables exist only with PW_FUZZ=1, built in their own
// scratch path with -sanitize=fuzzer (Apps/Fuzz/run.sh), so plain
// `swift build` and `swift test` never see them.
if Context.environment["PW_FUZZ"] == "1" {
    package.targets.append(.target(name: "CLibFuzzer", path: "Apps/Fuzz/CLibFuzzer"))
    for name in ["fuzz-schedules", "fuzz-schedules-safe", "fuzz-scenario-file", "fuzz-cabi", "fuzz-command-line"] {
        package.targets.append(.executableTarget(
            name: name,
            dependencies: ["PagewaitFuzz", "CLibFuzzer"],
            path: "Apps/Fuzz/\(name.dropFirst("fuzz-".count))",
            // gold stops with an internal error on these executables; lld links them.
            linkerSettings: [.unsafeFlags(["-use-ld=lld"])]
        ))
    }
}

// The benchmark suite (Benchmarks/PagewaitBenchmarks, docs/performance.md)
// exists only with PW_BENCH=1: package-benchmark adds about 45 s to a clean
// build, which plain `swift build` and `swift test` should not pay.
// Run it with `PW_BENCH=1 swift package benchmark`.
if Context.environment["PW_BENCH"] == "1" {
    package.dependencies += [
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ]
    package.targets += [
        .executableTarget(
            name: "PagewaitBenchmarks",
            dependencies: [
                "PagewaitCore",
                "PagewaitPlugins",
                "CPagewait",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/PagewaitBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
}
