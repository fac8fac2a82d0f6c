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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(
            name: "PagewaitCore",
            path: "Core",
            swiftSettings: modelSettings
        ),
        .target(
            name: "PagewaitPlugins",
            dependencies: ["PagewaitCore"],
            path: "Plugins",
            swiftSettings: modelSettings
        ),
        .executableTarget(
            name: "pagewait",
            dependencies: [
                "PagewaitCore",
                "PagewaitPlugins",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
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
            dependencies: ["pagewait", "PagewaitCore", "PagewaitPlugins"],
            path: "Tests/AppTests"
        ),
    ]
)
