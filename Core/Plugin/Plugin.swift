/// The kinds of plugin the registry holds.
public enum PluginKind: String, CaseIterable, Sendable, Comparable {
    case strategy, scenario, actor, scheduler, checker, reporter, bug

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// What every plugin says about itself: a name to select it by, a one-line
/// summary, and the kernel function or commit it models.
public protocol Plugin: Sendable {
    static var kind: PluginKind { get }
    var name: String { get }
    var summary: String { get }
    /// Kernel function and commit (or paper) the plugin models; may be empty.
    var reference: String { get }
}

/// A place in a kernel path where strategies differ. Actors emit their
/// program up to a hook, and the strategy emits the hook's code.
public struct Hook: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// A fault found MIGRATION(P) (`__migration_entry_wait` and successors).
    public static let migrationEntryWait = Hook(rawValue: "migration_entry_wait")
    /// Reclaim has frozen the page and must clear PG_locked (`shrink_page_list`).
    public static let reclaimClearLocked = Hook(rawValue: "reclaim_clear_locked")
    /// A fault found a PMD migration entry for a huge page
    /// (`pmd_migration_entry_wait`, v4.14 616b8371539a, and successors).
    /// `HookContext.slot` is the PMD slot, `mm` its process; the code takes
    /// the PMD lock itself, as the PTE hook takes the ptl.
    public static let pmdMigrationEntryWait = Hook(rawValue: "pmd_migration_entry_wait")
    /// The NUMA hinting fault on a huge PMD found its page locked by a
    /// migration (`do_huge_pmd_numa_page`, both waits: "pmd_trans_migrating"
    /// and "Migration could have started"). Entered holding the PMD lock of
    /// `HookContext.mm`, with `page` holding `pmd_page()`; the code waits for
    /// PG_locked to clear and must release the PMD lock on every path.
    public static let hugePMDNumaWait = Hook(rawValue: "huge_pmd_numa_wait")
    /// Reclaim has frozen the page (`__remove_mapping`): a strategy may
    /// refuse to free it by branching to `HookContext.bail`, which unfreezes
    /// and keeps the page locked.
    public static let reclaimFrozen = Hook(rawValue: "reclaim_frozen")
}

/// What a hook's code may use.
public struct HookContext: Sendable {
    /// Register holding the page (for migrationEntryWait: receives it).
    public var page: Register
    /// Registers the hook may use freely.
    public var temporaries: [Register]
    /// The PTE slot and its process (migrationEntryWait).
    public var slot: Int32
    public var mm: Int
    /// Where to go when the hook decides the path cannot proceed
    /// (reclaimFrozen: unfreeze and keep the page locked).
    public var bail: Label?
    /// The actor's parameters (e.g. `window`, pauses inside the fault path).
    public var parameters: Parameters

    public init(page: Register, temporaries: [Register] = [], slot: Int32 = -1, mm: Int = 0, bail: Label? = nil, parameters: Parameters = [:]) {
        self.page = page
        self.temporaries = temporaries
        self.slot = slot
        self.mm = mm
        self.bail = bail
        self.parameters = parameters
    }
}

/// A waiting strategy: a choice of wait core, kernel knobs and behaviours,
/// and the code it puts at each hook. Programs over kernel primitives, so a
/// strategy reads like the kernel code it models.
public protocol Strategy: Plugin {
    var kernel: KernelConfig { get }
    /// Behaviours beyond EXCLUSIVE, SHARED, DROP; they get indices from 3 on.
    var extraBehaviors: [any WaitBehavior] { get }
    /// Emit the code for `hook`; false if the strategy has none for it.
    /// Throws when it cannot (a C strategy's callback refused, say), so the
    /// scenario build fails naming the strategy and the reason.
    func emit(_ hook: Hook, into builder: inout ProgramBuilder, context: HookContext) throws(BuildError) -> Bool
}

extension Strategy {
    public static var kind: PluginKind { .strategy }
    public var extraBehaviors: [any WaitBehavior] { [] }
}

/// Named integer parameters of a scenario or actor (`faulters`, `mappings`,
/// `passes`, ...). Plain data, so scenario files and the CLI can set them.
public typealias Parameters = [String: Int64]

/// Why a scenario or actor could not be built.
public struct BuildError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    /// The error underneath, for a caller that tells kinds of failure apart
    /// (a number outside its allowed range, say); `message` already says
    /// it. Not part of equality.
    public var underlying: (any Error & Sendable)?

    public init(_ message: String, underlying: (any Error & Sendable)? = nil) {
        self.message = message
        self.underlying = underlying
    }

    public var description: String { message }
    public static func == (a: Self, b: Self) -> Bool { a.message == b.message }
    public func hash(into hasher: inout Hasher) { hasher.combine(message) }
}

/// A ready-to-run instance: the engine, the initial world, and the names a
/// report needs.
public struct Setup: Sendable {
    public var engine: Engine
    public var world: World
    public var taskNames: [String]
    public var counterNames: [String]

    public init(engine: Engine, world: World, taskNames: [String], counterNames: [String] = []) {
        self.engine = engine
        self.world = world
        self.taskNames = taskNames
        self.counterNames = counterNames
    }

    /// This setup under memory model `model` (`--memory`).
    public func withMemory(_ model: MemoryModel) throws(BuildError) -> Setup {
        var s = self
        do { s.engine = try engine.withMemory(model, taskCount: world.tasks.count) } catch {
            throw BuildError(error.message, underlying: error)
        }
        return s
    }
}

/// An actor: one kind of kernel task (migrator, faulter, reclaimer, ...)
/// whose program a scenario places in a world. Named `ScenarioActor`, not
/// `Actor`, so it never reads as Swift's concurrency `Actor`.
public protocol ScenarioActor: Plugin {
    /// Parameter names the actor reads, with their defaults.
    var parameters: Parameters { get }
}

extension ScenarioActor {
    public static var kind: PluginKind { .actor }
}

/// A named scenario: pages, mappings and actors, built for a strategy.
public protocol Scenario: Plugin {
    /// Parameter names the scenario reads, with their defaults.
    var parameters: Parameters { get }
    func build(strategy: any Strategy, parameters: Parameters) throws(BuildError) -> Setup
}

extension Scenario {
    public static var kind: PluginKind { .scenario }
}

/// Chooses the next task at every step.
public protocol Scheduler {
    /// Pick one of the runnable tasks — enabled, and on a CPU
    /// (`Engine.runnableTasks`; never empty) — or nil to stop the run here.
    mutating func pick(runnable: TaskSet, world: World, step: Int) -> Int?
}

/// Makes schedulers, one per run.
public protocol SchedulerPlugin: Plugin {
    func make(seed: UInt64) -> any Scheduler
}

extension SchedulerPlugin {
    public static var kind: PluginKind { .scheduler }
}

/// Watches a run: after every step, and once at its end.
public protocol Checker {
    mutating func afterStep(_ event: StepEvent, world: World, engine: Engine) -> Violation?
    mutating func atEnd(_ end: RunEnd, world: World, engine: Engine) -> Violation?
}

/// Makes checkers, one per run.
public protocol CheckerPlugin: Plugin {
    func make() -> any Checker
}

extension CheckerPlugin {
    public static var kind: PluginKind { .checker }
}

/// A report as data: titled tables and notes. Reporters render it.
public struct ReportDocument: Hashable, Sendable {
    public struct Table: Hashable, Sendable {
        public var title: String
        public var columns: [String]
        public var rows: [[String]]
        public init(title: String, columns: [String], rows: [[String]]) {
            self.title = title
            self.columns = columns
            self.rows = rows
        }
    }
    public var title: String
    public var tables: [Table]
    public var notes: [String]
    public init(title: String, tables: [Table] = [], notes: [String] = []) {
        self.title = title
        self.tables = tables
        self.notes = notes
    }
}

/// Renders a report: as a text table, JSON, and so on.
public protocol Reporter: Plugin {
    func render(_ document: ReportDocument) -> String
}

extension Reporter {
    public static var kind: PluginKind { .reporter }
}
