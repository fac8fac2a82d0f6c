/// What is wrong with a registration or a lookup.
public enum RegistryError: Error, Hashable, Sendable, CustomStringConvertible {
    case duplicate(kind: PluginKind, name: String)
    case unknown(kind: PluginKind, name: String, known: [String])
    case emptyName(kind: PluginKind)
    /// The name belongs to a family of names a built-in resolves (`unfair-N`).
    case reserved(kind: PluginKind, name: String, family: String)

    public var description: String {
        switch self {
        case .duplicate(let kind, let name):
            return "a \(kind.rawValue) named '\(name)' is already registered"
        case .emptyName(let kind):
            return "a \(kind.rawValue) needs a non-empty name"
        case .reserved(let kind, let name, let family):
            return "the \(kind.rawValue) name '\(name)' belongs to the built-in family \(family); a plugin may not take it (choose another name)"
        case .unknown(let kind, let name, let known):
            let near = known.filter { $0.hasPrefix(String(name.prefix(3))) || name.hasPrefix(String($0.prefix(3))) }
            let hint = near.isEmpty ? "" : " (did you mean \(near.map { "'\($0)'" }.joined(separator: " or "))?)"
            return "no \(kind.rawValue) named '\(name)'\(hint); known: \(known.joined(separator: ", "))"
        }
    }
}

/// One line of `pagewait list`.
public struct PluginInfo: Hashable, Sendable {
    public var kind: PluginKind
    public var name: String
    public var summary: String
    public var reference: String
}

/// Name -> plugin, for every plugin kind: the one place plugins meet.
/// Built-in plugins, dlopen'ed libraries, C hosts and Swift packages all
/// register here. A value: build one at start-up and pass it along.
public struct Registry: Sendable {
    private var plugins: [PluginKind: [String: any Plugin]] = [:]
    private var families: [PluginKind: [NameFamily]] = [:]

    /// Names a lookup resolves without a registered plugin (`unfair-N`).
    /// A plugin registered under one would shadow what the name means.
    public struct NameFamily: Sendable {
        /// How the family is written in messages, e.g. "unfair-N".
        public var pattern: String
        public var contains: @Sendable (String) -> Bool

        public init(_ pattern: String, contains: @escaping @Sendable (String) -> Bool) {
            self.pattern = pattern
            self.contains = contains
        }
    }

    public init() {}

    /// Register a plugin under its kind and name; a second plugin of the
    /// same kind and name is refused, and so is a name of a reserved family.
    public mutating func register(_ plugin: any Plugin) throws(RegistryError) {
        let kind = type(of: plugin).kind
        guard !plugin.name.isEmpty else { throw .emptyName(kind: kind) }
        if plugins[kind]?[plugin.name] != nil { throw .duplicate(kind: kind, name: plugin.name) }
        if let family = families[kind]?.first(where: { $0.contains(plugin.name) }) {
            throw .reserved(kind: kind, name: plugin.name, family: family.pattern)
        }
        plugins[kind, default: [:]][plugin.name] = plugin
    }

    /// Reserve a family of names of `kind`: later registrations of any of
    /// them are refused. Names already registered stay.
    public mutating func reserve(_ kind: PluginKind, _ family: NameFamily) {
        families[kind, default: []].append(family)
    }

    /// The plugin of `kind` named `name`, as `P`.
    public func lookup<P>(_ kind: PluginKind, _ name: String, as _: P.Type = P.self) throws(RegistryError) -> P {
        guard let p = plugins[kind]?[name] as? P else {
            throw .unknown(kind: kind, name: name, known: names(kind))
        }
        return p
    }

    public func strategy(_ name: String) throws(RegistryError) -> any Strategy { try lookup(.strategy, name) }
    public func scenario(_ name: String) throws(RegistryError) -> any Scenario { try lookup(.scenario, name) }
    public func scheduler(_ name: String) throws(RegistryError) -> any SchedulerPlugin { try lookup(.scheduler, name) }
    public func checker(_ name: String) throws(RegistryError) -> any CheckerPlugin { try lookup(.checker, name) }
    public func reporter(_ name: String) throws(RegistryError) -> any Reporter { try lookup(.reporter, name) }

    /// Names registered under `kind`, sorted.
    public func names(_ kind: PluginKind) -> [String] {
        (plugins[kind] ?? [:]).keys.sorted()
    }

    /// Every plugin of `kind`, sorted by name.
    public func all(_ kind: PluginKind) -> [any Plugin] {
        names(kind).compactMap { plugins[kind]?[$0] }
    }

    /// Every registered plugin, by kind then name.
    public func list() -> [PluginInfo] {
        PluginKind.allCases.flatMap { kind in
            all(kind).map { PluginInfo(kind: kind, name: $0.name, summary: $0.summary, reference: $0.reference) }
        }
    }
}
