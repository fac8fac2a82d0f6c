import PagewaitCore

/// What an actor needs to write its task's program.
public struct ActorContext: Sendable {
    public var strategy: any Strategy
    /// The actor's defaults with the scenario's overrides applied.
    public var parameters: Parameters
    public var layout: Layout
    /// Which instance of this actor kind the task is (faulter 0, 1, ...).
    public var index: Int

    public func int(_ key: String) -> Int { Int(parameters[key] ?? 0) }
}

/// An actor that contributes one task running a program it writes.
public protocol ProgramActor: Actor {
    func program(_ context: ActorContext) throws(BuildError) -> Program
}

extension ProgramActor {
    /// Build and name the program, turning a program error into a build error.
    func build(_ name: String, _ body: (inout ProgramBuilder) throws(BuildError) -> Void) throws(BuildError) -> Program {
        var b = ProgramBuilder(name: name)
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
