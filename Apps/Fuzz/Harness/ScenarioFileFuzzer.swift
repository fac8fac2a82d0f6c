import PagewaitCore
import PagewaitPlugins

/// The scenario-file fuzz target: the input is a scenario file's text.
/// `ScenarioFile.parse` must return a scenario or a `ScenarioFileError`
/// naming the file and a line of the text, never crash or hang; a parsed
/// scenario must build under a strategy (or fail with a `BuildError`), and
/// a short seeded run of what was built must not crash either.
public final class ScenarioFileFuzzer: Sendable {
    public let registry: Registry
    let strategies: [any Strategy]
    public static let path = "fuzz.toml"
    /// Steps of the run after a successful build.
    public static let runSteps = 300

    public init() {
        registry = BuiltinPlugins.registry()
        strategies = BuiltinPlugins.strategies
    }

    /// What one input did.
    public enum Outcome: Equatable, Sendable {
        case rejected(ScenarioFileError)
        case buildFailed(String)
        case ran(RunEnd)
    }

    /// A broken promise of the parser or the builder.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Parse, build and briefly run one input; a `Problem` when a promise
    /// is broken (a crash would have stopped the process before that).
    public func evaluate(_ bytes: [UInt8]) -> Result<Outcome, Problem> {
        let text = String(decoding: bytes, as: UTF8.self)
        // The same file with Windows line ends must mean the same thing.
        if !bytes.contains(UInt8(ascii: "\r")) {
            let crlf = text.replacingNewlines()
            switch (Result { () throws(ScenarioFileError) in try ScenarioFile.parse(text, path: Self.path, registry: registry) },
                    Result { () throws(ScenarioFileError) in try ScenarioFile.parse(crlf, path: Self.path, registry: registry) }) {
            case (.success(let a), .success(let b)) where Self.summary(a) != Self.summary(b):
                return .failure(Problem(description: "with CRLF line ends the file means something else: \(Self.summary(b)), not \(Self.summary(a))"))
            case (.success, .failure(let e)):
                return .failure(Problem(description: "the file parses, but not with CRLF line ends: \(e)"))
            case (.failure(let e), .success):
                return .failure(Problem(description: "the file is rejected (\(e)), but parses with CRLF line ends"))
            case (.failure(let a), .failure(let b)) where a.line != b.line:
                return .failure(Problem(description: "rejected at line \(a.line), but at line \(b.line) with CRLF line ends: \(a) / \(b)"))
            default: break
            }
        }
        let spec: ScenarioSpec
        do {
            spec = try ScenarioFile.parse(text, path: Self.path, registry: registry)
        } catch {
            // Lines as the parser counts them: split on "\n", empty lines kept.
            let lines = text.utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            guard error.path == Self.path else {
                return .failure(Problem(description: "rejection names file '\(error.path)', not '\(Self.path)': \(error)"))
            }
            guard (1...lines).contains(error.line) else {
                return .failure(Problem(description: "rejection names line \(error.line) of a \(lines)-line text: \(error)"))
            }
            guard !error.message.isEmpty else {
                return .failure(Problem(description: "rejection at line \(error.line) has no message"))
            }
            return .success(.rejected(error))
        }
        // The strategy: a function of the text, so every input is one case.
        let h = fnv1a(bytes)
        let strategy = strategies[Int(h % UInt64(strategies.count))]
        let setup: Setup
        do {
            setup = try spec.build(strategy: strategy, parameters: [:])
        } catch {
            guard !error.message.isEmpty else {
                return .failure(Problem(description: "a build error without a message (strategy \(strategy.name))"))
            }
            return .success(.buildFailed(error.message))
        }
        var scheduler = RandomScheduler(seed: h, wakeLatency: 10, preemptLength: 10)
        var checkers = Checkers.standard(for: setup)
        let r = setup.engine.run(setup.world, scheduler: &scheduler, checkers: &checkers, options: RunOptions(maxSteps: Self.runSteps))
        return .success(.ran(r.end))
    }

    /// What a parsed scenario says, to compare two parses.
    static func summary(_ s: ScenarioSpec) -> String {
        let params = s.parameters.keys.sorted().map { "\($0)=\(s.parameters[$0]!)" }.joined(separator: ",")
        let actors = s.actors.map { a in
            "\(a.name)/\(a.actor.name)x\(a.count)[" + a.parameters.keys.sorted().map { "\($0)=\(a.parameters[$0]!)" }.joined(separator: ",") + "]"
        }
        return "\(s.name)|\(s.summary)|\(params)|\(actors.joined(separator: ";"))|\(s.pageFlags.rawValue)"
    }

    /// The libFuzzer entry: trap on a broken promise.
    public func fuzz(_ data: UnsafeRawBufferPointer) {
        if case .failure(let p) = evaluate(Array(data)) {
            fuzzerFail("pagewait fuzz-scenario-file: \(p)")
        }
    }
}
