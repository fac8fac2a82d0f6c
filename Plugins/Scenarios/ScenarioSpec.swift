import PagewaitCore

/// One line of a scenario: an actor kind, how many tasks run it, and its
/// parameters.
public struct ActorSpec: Sendable {
    public var actor: any ProgramActor
    public var count: Int
    public var parameters: Parameters
    /// What its tasks are called, and its count parameter (`<name>s`);
    /// the actor's name unless two lines of a scenario use the same actor.
    /// Unique within a scenario.
    public var name: String
    /// Where a scenario file wrote this line (nil for one written in Swift).
    public var source: SourceLines?
    /// The CPU this line's tasks are pinned to, in a scenario that declares
    /// CPUs (`ScenarioSpec.cpus`); nil: task `t` of the scenario runs on CPU
    /// `t` mod the CPU count.
    public var cpu: Int?

    public init(_ actor: any ProgramActor, count: Int = 1, _ parameters: Parameters = [:], name: String? = nil,
                source: SourceLines? = nil, cpu: Int? = nil) {
        self.actor = actor
        self.count = count
        self.parameters = parameters
        self.name = name ?? actor.name
        self.source = source
        self.cpu = cpu
    }

    /// The scenario parameter that sets how many tasks run this line.
    public var countParameter: String { name + "s" }
}

/// A scenario as data: the world's shape and the actors in it. Built-in
/// scenarios and scenario files are both this.
///
/// Parameters, from weakest to strongest: an actor's defaults, the
/// `ActorSpec`'s, the scenario's defaults, the caller's. A scenario-level
/// parameter reaches every actor that has a parameter of that name;
/// `mappings` shapes the world; `<actor>s` (e.g. `faulters`) sets how many
/// tasks run that actor. Every value is checked against its limit before
/// any program is built.
///
/// A kernel knob (`kernelParameters`: `walkBreakCount`,
/// WAITQUEUE_WALK_BREAK_CNT, and `waitBuckets`, the wait table's size) is a
/// parameter of the scenarios that give it a default in `parameters`; it
/// overrides the strategy's `KernelConfig`. Scenarios that do not name it
/// run the kernel's value. So is `pages` (`worldParameters`), the file
/// pages besides P that lock chains lock.
public struct ScenarioSpec: Scenario {
    public var name: String
    public var summary: String
    public var reference: String
    public var parameters: Parameters
    public var actors: [ActorSpec]
    public var pageFlags: PageFlags
    /// What the page is and how it is mapped.
    public var shape: WorldShape
    /// Faults of the world this scenario lets a caller inject, with their
    /// defaults (`privateWithoutRef`; see `ScenarioSpec.worldFaults`).
    public var worldFaults: Parameters
    /// Where a scenario file wrote `parameters` (nil for a built-in).
    public var source: SourceLines?
    /// The scenario's CPUs and preemption model (`CPUDeclaration`); nil:
    /// a CPU per task, preemptible anywhere (`CPUModel.cpuPerTask`).
    public var cpus: CPUDeclaration?

    public init(name: String, summary: String, reference: String = "", parameters: Parameters = [:],
                actors: [ActorSpec], pageFlags: PageFlags = [.uptodate, .lru], shape: WorldShape = .filePage,
                worldFaults: Parameters = [:], source: SourceLines? = nil, cpus: CPUDeclaration? = nil) {
        self.cpus = cpus
        self.name = name
        self.summary = summary
        self.reference = reference
        self.parameters = parameters
        self.actors = actors
        self.pageFlags = pageFlags
        self.shape = shape
        self.worldFaults = worldFaults
        self.source = source
    }

    /// Kernel knobs a scenario may make its parameters by giving them a
    /// default, each with its limit: `walkBreakCount` is
    /// WAITQUEUE_WALK_BREAK_CNT (64 in the kernel; an exhaustive search
    /// needs a chunk of a few waiters).
    public static let kernelParameters: [String: Limit] = ["walkBreakCount": Limits.walkBreakCount, "waitBuckets": Limits.waitBuckets]

    /// World knobs a scenario may make its parameters by giving them a
    /// default: `pages`, the file pages (`Layout.pages`).
    public static let worldParameters: [String: Limit] = ["pages": Limits.pages]

    /// The faults a scenario may inject into its world, each with the values
    /// it may take. `privateWithoutRef` (kernel-model F9): PG_private set
    /// without its page reference, as iomap did before 8e47a457321c; the
    /// page must have PG_private.
    public static let worldFaultLimits: [String: Limit] = ["privateWithoutRef": ParameterLimit.flag]

    /// Parameter names a caller may set: the world's, its injectable faults,
    /// the kernel knobs the scenario names, the actor counts, and every
    /// actor's own.
    public var knownParameters: [String] {
        var names: Set<String> = ["mappings"]
        if cpus != nil { names.insert(CPUDeclaration.preemptionParameter) }
        names.formUnion(worldFaults.keys)
        for key in Self.kernelParameters.keys where parameters[key] != nil { names.insert(key) }
        for key in Self.worldParameters.keys where parameters[key] != nil { names.insert(key) }
        for a in actors {
            names.insert(a.countParameter)
            names.formUnion(a.actor.parameters.keys)
        }
        return names.sorted()
    }

    /// The value a parameter takes when the caller does not set it: the
    /// scenario's default, else the first actor's that has it, else the
    /// count of that actor kind.
    public func defaultValue(of name: String) -> Int64 {
        if let v = parameters[name] { return v }
        if let v = worldFaults[name] { return v }
        if name == "mappings" { return 1 }
        if name == CPUDeclaration.preemptionParameter, let c = cpus { return Int64(c.preemption.rawValue) }
        for a in actors {
            if let v = a.parameters[name] ?? a.actor.parameters[name] { return v }
            if name == a.countParameter { return Int64(a.count) }
        }
        return 0
    }

    /// The largest value a parameter may take: the outer bound of every
    /// limit. Steps of a pause are instructions of a program (`delay =
    /// 10^12` would build for ever), and counts, passes and budgets beyond
    /// it mean nothing within a run's step budget; `unfair-N` has the same
    /// bound.
    public static let maxParameterValue: Int64 = 10_000
    /// Processes mapping the page: each has a ptl, a lock of the model.
    public static let mappingsLimit = Limits.mappings
    /// Tasks of one actor line.
    public static let countLimit = Limit(0...Int64(TaskSet.capacity))
    /// Tasks of a scenario: at least one, and what a `TaskSet` holds.
    public static let tasksLimit = Limit(1...Int64(TaskSet.capacity))

    /// The limit a scenario parameter's value is checked against: the
    /// world's, a count's, or what every actor it reaches allows.
    public func limit(of key: String) -> Limit? {
        if key == "mappings" { return Self.mappingsLimit }
        if key == CPUDeclaration.preemptionParameter && cpus != nil { return CPUDeclaration.preemptionLimit }
        if let k = Self.kernelParameters[key] ?? Self.worldParameters[key], parameters[key] != nil { return k }
        if worldFaults[key] != nil { return Self.worldFaultLimits[key] ?? ParameterLimit.flag }
        if actors.contains(where: { $0.countParameter == key }) { return Self.countLimit }
        let reached = actors.filter { $0.actor.parameters[key] != nil }.map { $0.actor.limit(of: key).range }
        guard let first = reached.first else { return nil }
        let lower = reached.map(\.lowerBound).max()!, upper = reached.map(\.upperBound).min()!
        return lower <= upper ? Limit(lower...upper) : Limit(first)
    }

    /// Every parameter a caller may set, with its default and limit, as
    /// `pagewait list --parameters` shows them.
    public var parameterTable: [ParameterInfo] {
        knownParameters.map { ParameterInfo(name: $0, defaultValue: defaultValue(of: $0), limit: limit(of: $0)) }
    }

    public func build(strategy: any Strategy, parameters overrides: Parameters) throws(BuildError) -> Setup {
        let plan: Plan
        do { plan = try self.plan(overrides) } catch { throw error.buildError(scenario: name) }
        let layout = Layout(mappings: plan.mappings, pages: plan.pages, shape: shape,
                            privateWithoutRef: plan.faults["privateWithoutRef", default: 0] != 0)
        var programs: [Program] = []
        var tasks: [TaskState] = []
        var names: [String] = []
        var pins: [Int] = []
        let cpuCount = plan.cpus?.count ?? 0
        for line in plan.lines {
            let spec = line.spec
            for i in 0..<line.count {
                let ctx = ActorContext(strategy: strategy, parameters: line.parameters, layout: layout, index: i, cpus: cpuCount, line: spec.name)
                programs.append(try spec.actor.program(ctx))
                tasks.append(TaskState(program: programs.count - 1))
                names.append(line.count == 1 && spec.count == 1 ? spec.name : "\(spec.name)\(i)")
                pins.append(spec.cpu ?? (cpuCount > 0 ? (tasks.count - 1) % cpuCount : 0))
            }
        }
        // A kworker per CPU, pinned there, asleep until work is queued.
        var workers: [Int] = []
        for c in 0..<cpuCount {
            programs.append(KWorker.program(cpu: c))
            var k = TaskState(program: programs.count - 1)
            k.state = .idle
            k.blocked = true
            tasks.append(k)
            names.append("kworker/\(c)")
            pins.append(c)
            workers.append(tasks.count - 1)
        }
        // Line names are unique, but "faulter" x2 and a line named
        // "faulter1" would still meet in "faulter1".
        var seen: Set<String> = []
        for n in names where !seen.insert(n).inserted {
            throw BuildError("scenario '\(name)': two tasks named '\(n)'; rename one of the actor lines")
        }
        var kernel = strategy.kernel
        if let k = plan.walkBreakCount { kernel.walkBreakCount = k }
        if let k = plan.waitBuckets { kernel.waitTable.buckets = k }
        var topology: CPUTopology?
        if let c = plan.cpus {
            topology = CPUTopology(count: c.count, preemption: c.preemption, pin: pins, worker: workers)
            kernel.cpus = .cpus(topology!)
        }
        let engine: Engine
        do {
            engine = try Engine(config: kernel, programs: programs, behaviors: strategy.extraBehaviors)
        } catch {
            throw BuildError("scenario '\(name)' with strategy '\(strategy.name)': \(error)")
        }
        var world = layout.world(tasks: tasks, counters: Counter.allCases.count, pageFlags: pageFlags)
        if let topology { world.cpu = CPUState(topology) }
        return Setup(engine: engine, world: world, taskNames: names, counterNames: Counter.names)
    }

    // MARK: - Checking, before anything is built

    /// What `build` builds: every value checked.
    struct Plan {
        var mappings: Int
        /// The world faults to inject, checked.
        var faults: Parameters = [:]
        var lines: [(spec: ActorSpec, count: Int, parameters: Parameters)]
        /// WAITQUEUE_WALK_BREAK_CNT, when the scenario names it.
        var walkBreakCount: Int? = nil
        /// The wait table's buckets, when the scenario names them.
        var waitBuckets: Int? = nil
        /// File pages: P and the lock chains' others.
        var pages: Int = 1
        /// The CPUs, with the preemption model the parameters chose.
        var cpus: CPUDeclaration? = nil
    }

    /// Check the scenario with the caller's `overrides` and say what to
    /// build; a refusal names where the offending value was written.
    func plan(_ overrides: Parameters) throws(ScenarioRefusal) -> Plan {
        try checkShape()
        let known = Set(knownParameters)
        for key in overrides.keys.sorted() where !known.contains(key) {
            throw ScenarioRefusal(nil, "this scenario has no parameter '\(key)'; known: \(knownParameters.joined(separator: ", "))")
        }
        for key in parameters.keys.sorted(by: byLine) where !known.contains(key) {
            throw ScenarioRefusal(origin(of: key, overrides), "no actor in this scenario has a parameter '\(key)'; known: \(knownParameters.joined(separator: ", "))")
        }
        var scenario = parameters
        scenario.merge(overrides) { $1 }
        // The world and the counts first: the dependent limits need them.
        let mappings = scenario["mappings"] ?? 1
        try check(mappings, Self.mappingsLimit, "parameter mappings", at: origin(of: "mappings", overrides))
        for (key, limit) in Self.kernelParameters.merging(Self.worldParameters, uniquingKeysWith: { a, _ in a }).sorted(by: { $0.key < $1.key }) {
            if let v = scenario[key] { try check(v, limit, "parameter \(key)", at: origin(of: key, overrides)) }
        }
        // The CPUs: their count, the preemption model, each line's pin.
        var cpuPlan = cpus
        if let c = cpus {
            try check(Int64(c.count), CPUDeclaration.countLimit, "cpus", at: source?.location(of: "cpus"))
            let key = CPUDeclaration.preemptionParameter
            if let v = scenario[key] {
                try check(v, CPUDeclaration.preemptionLimit, "parameter \(key)", at: origin(of: key, overrides),
                          because: "0 none, 1 voluntary, 2 full")
                cpuPlan?.preemption = Preemption(rawValue: UInt8(v))!
            }
            for spec in actors {
                if let pin = spec.cpu {
                    try check(Int64(pin), Limit(0...Int64(c.count - 1)), "cpu", of: spec.name, at: spec.source?.location(of: "cpu"),
                              because: "the scenario has \(c.count) CPU\(c.count == 1 ? "" : "s")")
                }
            }
        } else if let spec = actors.first(where: { $0.cpu != nil }) {
            throw ScenarioRefusal(spec.source?.location(of: "cpu"), "actor '\(spec.name)': 'cpu' needs CPUs: declare them with cpus = N")
        }
        // Before building any (a count in the millions would take that long
        // to fail): each count within the room the others leave it in a
        // task set; the CPUs' kworkers take one each.
        var counts: [Int64] = []
        var placed: [(at: SourceLocation?, what: String, actor: String?)] = []
        for spec in actors {
            let key = spec.countParameter
            let (value, at, what): (Int64, SourceLocation?, String) = scenario[key].map { ($0, origin(of: key, overrides), "parameter \(key)") }
                ?? (Int64(spec.count), spec.source?.location(of: "count"), "count")
            counts.append(value)
            placed.append((at, what, scenario[key] == nil ? spec.name : nil))
        }
        let capacity = Int64(TaskSet.capacity) - Int64(cpus?.count ?? 0)
        let clamped = counts.map { min(max($0, 0), capacity + 1) }
        // The caller's values first, largest first: the one to blame.
        let order = counts.indices.sorted { (placed[$0].actor != nil ? 1 : 0, -clamped[$0], $0) < (placed[$1].actor != nil ? 1 : 0, -clamped[$1], $1) }
        for i in order {
            let others = clamped.reduce(0, +) - clamped[i]
            let room = Limit(0...max(0, capacity - others))
            try check(counts[i], room, placed[i].what, of: placed[i].actor, at: placed[i].at,
                      because: others == 0 && cpus == nil ? nil
                        : "the other actors have \(others) task\(others == 1 ? "" : "s")"
                        + (cpus.map { ", the CPUs' kworkers \($0.count)" } ?? "") + "; a scenario has \(Self.tasksLimit) tasks")
        }
        let total = Int(counts.reduce(0, +))
        guard total > 0 else {
            let at = actors.indices.compactMap { i in
                scenario[actors[i].countParameter] != nil ? origin(of: actors[i].countParameter, overrides) : actors[i].source?.location(of: "count")
            }.min() ?? source?.location(of: nil)
            throw ScenarioRefusal(at, "the scenario has no tasks: every actor's count is 0 (allowed \(Self.tasksLimit) tasks)",
                                  RangeError(what: "tasks", value: "0", allowed: Self.tasksLimit.description))
        }
        var lines: [(spec: ActorSpec, count: Int, parameters: Parameters)] = []
        for (spec, count) in zip(actors, counts.map { Int($0) }) {
            var params = spec.actor.parameters
            params.merge(spec.parameters) { $1 }
            for key in params.keys { if let v = scenario[key] { params[key] = v } }
            let at = { (key: String) -> SourceLocation? in
                if scenario[key] != nil { return self.origin(of: key, overrides) }
                return spec.source?.location(of: spec.parameters[key] != nil ? key : nil)
            }
            for key in params.keys.sorted() {
                try check(params[key]!, spec.actor.limit(of: key), "parameter \(key)", of: spec.name, at: at(key))
            }
            if count > 0 {
                let context = LimitContext(parameters: params, mappings: Int(mappings), tasks: total)
                for d in spec.actor.dependentLimits(context) {
                    let value: Int64, location: SourceLocation?
                    if d.key == "mappings" {
                        (value, location) = (mappings, origin(of: "mappings", overrides) ?? spec.source?.location(of: nil))
                    } else if let v = params[d.key] {
                        (value, location) = (v, at(d.key))
                    } else { continue }
                    try check(value, d.limit, "parameter \(d.key)", of: spec.name, at: location, because: d.because)
                }
            }
            lines.append((spec, count, params))
        }
        var faults: Parameters = [:]
        for key in worldFaults.keys.sorted() {
            let value = scenario[key] ?? worldFaults[key]!
            try check(value, Self.worldFaultLimits[key] ?? ParameterLimit.flag, "parameter \(key)", at: origin(of: key, overrides))
            if key == "privateWithoutRef" && value != 0 && !pageFlags.contains(.private) {
                throw ScenarioRefusal(origin(of: key, overrides), "parameter privateWithoutRef needs a page with PG_private")
            }
            faults[key] = value
        }
        return Plan(mappings: Int(mappings), faults: faults, lines: lines, walkBreakCount: scenario["walkBreakCount"].map { Int($0) },
                    waitBuckets: scenario["waitBuckets"].map { Int($0) }, pages: Int(scenario["pages"] ?? 1), cpus: cpuPlan)
    }

    /// Actor lines with distinct names, whose count parameters mean one thing.
    private func checkShape() throws(ScenarioRefusal) {
        var lineNames: Set<String> = []
        let actorParameters = Set(actors.flatMap { $0.actor.parameters.keys })
        for spec in actors {
            let at = spec.source?.location(of: "name")
            guard !spec.name.isEmpty else { throw ScenarioRefusal(at, "an actor line needs a non-empty name") }
            guard lineNames.insert(spec.name).inserted else {
                throw ScenarioRefusal(at, "two actor lines are named '\(spec.name)': their tasks and their count parameter '\(spec.countParameter)' would be ambiguous; give one another name")
            }
            if spec.countParameter == "mappings" || actorParameters.contains(spec.countParameter) {
                throw ScenarioRefusal(at, "an actor line named '\(spec.name)' would have the count parameter '\(spec.countParameter)', which is already a parameter; give it another name")
            }
            for key in spec.parameters.keys.sorted() where spec.actor.parameters[key] == nil {
                throw ScenarioRefusal(spec.source?.location(of: key),
                                      "actor '\(spec.actor.name)' has no parameter '\(key)'; known: \(spec.actor.parameters.keys.sorted().joined(separator: ", "))")
            }
        }
    }

    /// Where the scenario-level value of `key` came from: nil for the caller's.
    private func origin(of key: String, _ overrides: Parameters) -> SourceLocation? {
        overrides[key] != nil ? nil : source?.location(of: key)
    }

    /// Scenario parameters in the order a file wrote them.
    private func byLine(_ a: String, _ b: String) -> Bool {
        let la = source?.keys[a] ?? 0, lb = source?.keys[b] ?? 0
        return la != lb ? la < lb : a < b
    }

    /// `value` within `limit`, or a refusal naming `what` (of actor line
    /// `actor`), the value, the limit and `because`.
    private func check(_ value: Int64, _ limit: Limit, _ what: String, of actor: String? = nil, at: SourceLocation?,
                       because: String? = nil) throws(ScenarioRefusal) {
        do { try limit.check(value, what) } catch {
            let message = (actor.map { "actor '\($0)': " } ?? "") + error.description + (because.map { " (\($0))" } ?? "")
            throw ScenarioRefusal(at, message, error)
        }
    }
}

/// One parameter as `pagewait list --parameters` and docs/scenarios.md
/// show it: its name, default and allowed range.
public struct ParameterInfo: Sendable, CustomStringConvertible {
    public var name: String
    public var defaultValue: Int64
    public var limit: Limit?

    public var description: String { "\(name)=\(defaultValue)" + (limit.map { " [\($0)]" } ?? "") }
}

extension ProgramActor {
    /// The actor's parameters with their defaults and limits.
    public var parameterTable: [ParameterInfo] {
        parameters.keys.sorted().map { ParameterInfo(name: $0, defaultValue: parameters[$0]!, limit: limit(of: $0)) }
    }
}

/// Where a scenario file wrote a table's values.
public struct SourceLines: Hashable, Sendable {
    public var path: String
    /// The line that brought the values `keys` does not list: the
    /// table's header, or `base = ...` for what a base scenario brought.
    public var line: Int
    /// The line of each key the file gave.
    public var keys: [String: Int]

    public init(path: String, line: Int, keys: [String: Int] = [:]) {
        self.path = path
        self.line = line
        self.keys = keys
    }

    /// The line of `key`, or the table's if the file did not give it.
    public func location(of key: String?) -> SourceLocation {
        SourceLocation(path: path, line: key.flatMap { keys[$0] } ?? line)
    }
}

/// A line of a file.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var path: String
    public var line: Int

    public var description: String { "\(path):\(line)" }
    public static func < (a: Self, b: Self) -> Bool { (a.path, a.line) < (b.path, b.line) }
}

/// Why a scenario cannot be built as asked, and where the value at fault
/// was written (nil: the caller's, or a built-in's).
struct ScenarioRefusal: Error {
    var location: SourceLocation?
    var message: String
    var range: RangeError?

    init(_ location: SourceLocation?, _ message: String, _ range: RangeError? = nil) {
        self.location = location
        self.message = message
        self.range = range
    }

    func buildError(scenario: String) -> BuildError {
        BuildError("\(location.map { "\($0)" } ?? "scenario '\(scenario)'"): \(message)", underlying: range)
    }
}
