import PagewaitCore

/// One line of a scenario: an actor kind, how many tasks run it, and its
/// parameters.
public struct ActorSpec: Sendable {
    public var actor: any ProgramActor
    public var count: Int
    public var parameters: Parameters
    /// What its tasks are called, and its count parameter (`<name>s`);
    /// the actor's name unless two lines of a scenario use the same actor.
    public var name: String

    public init(_ actor: any ProgramActor, count: Int = 1, _ parameters: Parameters = [:], name: String? = nil) {
        self.actor = actor
        self.count = count
        self.parameters = parameters
        self.name = name ?? actor.name
    }
}

/// A scenario as data: the world's shape and the actors in it. Built-in
/// scenarios and scenario files are both this.
///
/// Parameters, from weakest to strongest: an actor's defaults, the
/// `ActorSpec`'s, the scenario's defaults, the caller's. A scenario-level
/// parameter reaches every actor that has a parameter of that name;
/// `mappings` shapes the world; `<actor>s` (e.g. `faulters`) sets how many
/// tasks run that actor.
public struct ScenarioSpec: Scenario {
    public var name: String
    public var summary: String
    public var reference: String
    public var parameters: Parameters
    public var actors: [ActorSpec]
    public var pageFlags: PageFlags

    public init(name: String, summary: String, reference: String = "", parameters: Parameters = [:],
                actors: [ActorSpec], pageFlags: PageFlags = [.uptodate, .lru]) {
        self.name = name
        self.summary = summary
        self.reference = reference
        self.parameters = parameters
        self.actors = actors
        self.pageFlags = pageFlags
    }

    /// Parameter names a caller may set: the world's, the actor counts, and
    /// every actor's own.
    public var knownParameters: [String] {
        var names: Set<String> = ["mappings"]
        for a in actors {
            names.insert(a.name + "s")
            names.formUnion(a.actor.parameters.keys)
        }
        return names.sorted()
    }

    /// The value a parameter takes when the caller does not set it: the
    /// scenario's default, else the first actor's that has it, else the
    /// count of that actor kind.
    public func defaultValue(of name: String) -> Int64 {
        if let v = parameters[name] { return v }
        if name == "mappings" { return 1 }
        for a in actors {
            if let v = a.parameters[name] ?? a.actor.parameters[name] { return v }
            if name == a.name + "s" { return Int64(a.count) }
        }
        return 0
    }

    /// The largest value a parameter may take. Steps of a pause are
    /// instructions of a program (`delay = 10^12` would build for ever), and
    /// counts, passes and budgets beyond it mean nothing within a run's step
    /// budget; `unfair-N` has the same bound.
    public static let maxParameterValue: Int64 = 10_000

    static func checkRange(_ parameters: Parameters, _ owner: String) throws(BuildError) {
        for key in parameters.keys.sorted() where parameters[key]! > maxParameterValue {
            throw BuildError("\(owner): parameter '\(key)' is \(parameters[key]!); at most \(maxParameterValue)")
        }
    }

    public func build(strategy: any Strategy, parameters overrides: Parameters) throws(BuildError) -> Setup {
        let known = Set(knownParameters)
        for key in overrides.keys.sorted() where !known.contains(key) {
            throw BuildError("scenario '\(name)' has no parameter '\(key)'; known: \(knownParameters.joined(separator: ", "))")
        }
        var scenario = parameters
        scenario.merge(overrides) { $1 }
        try Self.checkRange(scenario, "scenario '\(name)'")
        let mappings = Int(scenario["mappings"] ?? 1)
        guard (0...LockID.maxProcesses).contains(mappings) else {
            throw BuildError("scenario '\(name)': mappings must be 0...\(LockID.maxProcesses), not \(mappings)")
        }
        let layout = Layout(mappings: mappings)
        var programs: [Program] = []
        var tasks: [TaskState] = []
        var names: [String] = []
        for spec in actors {
            let count = Int(scenario[spec.name + "s"] ?? Int64(spec.count))
            guard count >= 0 else { throw BuildError("scenario '\(name)': \(spec.name)s must not be negative") }
            // Before building any: a count in the millions would take that long to fail.
            guard tasks.count + count <= TaskSet.capacity else {
                throw BuildError("scenario '\(name)': \(tasks.count + count) tasks; at most \(TaskSet.capacity)")
            }
            var params = spec.actor.parameters
            params.merge(spec.parameters) { $1 }
            for key in params.keys { if let v = scenario[key] { params[key] = v } }
            try Self.checkRange(params, "scenario '\(name)', actor '\(spec.name)'")
            for i in 0..<count {
                let ctx = ActorContext(strategy: strategy, parameters: params, layout: layout, index: i)
                programs.append(try spec.actor.program(ctx))
                tasks.append(TaskState(program: programs.count - 1))
                names.append(count == 1 && spec.count == 1 ? spec.name : "\(spec.name)\(i)")
            }
        }
        guard tasks.count <= TaskSet.capacity else {
            throw BuildError("scenario '\(name)': \(tasks.count) tasks; at most \(TaskSet.capacity)")
        }
        let engine: Engine
        do {
            engine = try Engine(config: strategy.kernel, programs: programs, behaviors: strategy.extraBehaviors)
        } catch {
            throw BuildError("scenario '\(name)' with strategy '\(strategy.name)': \(error)")
        }
        let world = layout.world(tasks: tasks, counters: Counter.allCases.count, pageFlags: pageFlags)
        return Setup(engine: engine, world: world, taskNames: names, counterNames: Counter.names)
    }
}
