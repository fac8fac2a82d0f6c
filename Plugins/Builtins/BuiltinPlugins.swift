import PagewaitCore

/// Every plugin that ships with pagewait.
public enum BuiltinPlugins {
    public static let all: [any Plugin] = [
        RandomSchedulerPlugin(),
    ]

    /// A registry holding the built-in plugins.
    public static func registry() -> Registry {
        var r = Registry()
        for p in all {
            do { try r.register(p) } catch { preconditionFailure("built-in plugins collide: \(error)") }
        }
        return r
    }
}
