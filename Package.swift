// swift-tools-version: 6.1
//
// pagewait: a workbench for the Linux kernel's page-lock wait machinery.
// Layout shows the layers: Core (the model, no dependencies) <- Plugins
// (strategies, actors, scenarios, schedulers, checkers, reporters) <- Apps.
import PackageDescription

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
            swiftSettings: [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]
        ),
        .target(
            name: "PagewaitPlugins",
            dependencies: ["PagewaitCore"],
            path: "Plugins",
            swiftSettings: [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]
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
    ]
)
