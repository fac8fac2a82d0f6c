import PagewaitCore

/// What an actor needs to write its task's program.
public struct ActorContext: Sendable {
    public var strategy: any Strategy
    /// The actor's defaults with the scenario's overrides applied.
    public var parameters: Parameters
    public var layout: Layout
    /// Which instance of this actor kind the task is (faulter 0, 1, ...).
    public var index: Int
    /// The scenario's CPUs (0: none declared): what `lru_add_drain_all()`
    /// queues work on.
    public var cpus: Int = 0
    /// The scenario line's name (`ActorSpec.name`), for errors; empty when
    /// the actor is built outside a scenario.
    public var line: String = ""

    public func int(_ key: String) -> Int { Int(parameters[key] ?? 0) }
}

/// An actor that contributes one task running a program it writes.
public protocol ProgramActor: ScenarioActor {
    func program(_ context: ActorContext) throws(BuildError) -> Program
    /// The values each parameter means something for, declared next to
    /// `parameters`. A parameter without one gets `ParameterLimit.undeclared`;
    /// every limit is also held to `ScenarioSpec.maxParameterValue`.
    var limits: [String: Limit] { get }
    /// Limits that depend on the world or on the other parameters (a
    /// signal's target must be a task): checked, like `limits`, before
    /// any program is built.
    func dependentLimits(_ context: LimitContext) -> [DependentLimit]
}

extension ProgramActor {
    public var limits: [String: Limit] { [:] }
    public func dependentLimits(_ context: LimitContext) -> [DependentLimit] { [] }

    /// The limit a parameter's value is checked against.
    public func limit(of key: String) -> Limit {
        ParameterLimit.bounded(limits[key] ?? ParameterLimit.undeclared)
    }
}

/// What an actor's dependent limits may look at.
public struct LimitContext: Sendable {
    /// The actor's parameters: its defaults with the scenario's values applied.
    public var parameters: Parameters
    /// Processes mapping the page.
    public var mappings: Int
    /// Tasks in the scenario.
    public var tasks: Int

    public init(parameters: Parameters, mappings: Int, tasks: Int) {
        self.parameters = parameters
        self.mappings = mappings
        self.tasks = tasks
    }
}

/// A limit on one value (an actor parameter, or the scenario's `mappings`)
/// that holds only given other values, and why.
public struct DependentLimit: Sendable {
    public var key: String
    public var limit: Limit
    public var because: String

    public init(_ key: String, _ limit: Limit, because: String) {
        self.key = key
        self.limit = limit
        self.because = because
    }
}

/// Limits the built-in actors' parameters share.
public enum ParameterLimit {
    /// Steps of a pause (think, hold, delay, unmapCost): a pause is that
    /// many instructions of a program.
    public static let steps = Limit(0...ScenarioSpec.maxParameterValue)
    /// Repetitions with 0 meaning "until the experiment is done".
    public static let repetitions = Limit(0...ScenarioSpec.maxParameterValue)
    /// Repetitions that must happen at least once.
    public static let atLeastOnce = Limit(1...ScenarioSpec.maxParameterValue)
    /// A chance in per mille.
    public static let permille = Limit(0...1000)
    /// A switch: 0 or 1 (`true`/`false` in a scenario file).
    public static let flag = Limit(0...1)
    /// A parameter its actor gives no limit for.
    public static let undeclared = Limit(-ScenarioSpec.maxParameterValue...ScenarioSpec.maxParameterValue)

    /// `limit` within the outer bound every parameter is held to.
    static func bounded(_ limit: Limit) -> Limit {
        let outer = undeclared.range
        func clamp(_ v: Int64) -> Int64 { min(max(v, outer.lowerBound), outer.upperBound) }
        return Limit(clamp(limit.range.lowerBound)...clamp(limit.range.upperBound))
    }
}

extension ProgramActor {
    /// Build and name the program, turning a program error into a build
    /// error. The builder's helpers (`unlockPage`) follow the strategy's
    /// kernel configuration.
    func build(_ name: String, _ context: ActorContext? = nil, _ body: (inout ProgramBuilder) throws(BuildError) -> Void) throws(BuildError) -> Program {
        var b = ProgramBuilder(name: name)
        b.pageLockWord = context?.strategy.kernel.pageLockWord ?? .shared
        try body(&b)
        do { return try b.build() } catch { throw BuildError("actor '\(self.name)': \(error)") }
    }

    /// Emit the strategy's code for `hook`, or fail naming both.
    func emit(_ hook: Hook, _ context: ActorContext, into b: inout ProgramBuilder, _ hookContext: HookContext) throws(BuildError) {
        guard try context.strategy.emit(hook, into: &b, context: hookContext) else {
            throw BuildError("strategy '\(context.strategy.name)' has no code for hook '\(hook)' needed by actor '\(name)'")
        }
    }
}
