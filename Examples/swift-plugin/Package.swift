// swift-tools-version: 6.1
//
// A waiting strategy written in Swift, registered next to the built-in ones
// and explored exhaustively. Depends on pagewait's library products:
// PagewaitCore (the model, the plugin protocols) and PagewaitPlugins (the
// built-in strategies and scenarios, exploration).
//
//     swift run --package-path Examples/swift-plugin
import PackageDescription

let package = Package(
    name: "swift-plugin",
    dependencies: [
        // `name:` so the products below resolve whatever the checkout's
        // directory is called.
        .package(name: "pagewait", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "swift-plugin",
            dependencies: [
                .product(name: "PagewaitCore", package: "pagewait"),
                .product(name: "PagewaitPlugins", package: "pagewait"),
            ],
            path: "Sources"
        ),
    ]
)
