import CPagewait
import PagewaitCore
import PagewaitPlugins

// Numbers from a C caller: each is checked against its limit (Limits, the
// one table pagewait.h's PW_MAX_* defines repeat) before it sizes anything,
// and a number out of range is PW_ERANGE with a message naming the field,
// the value and the allowed range.

/// `value` against `limit`, or PW_ERANGE naming `what` (e.g.
/// "pw_session_run: options->seeds").
func checkLimit<T: BinaryInteger>(_ limit: Limit, _ value: T, _ what: String) throws(ABIError) {
    do { try limit.check(value, what) } catch { throw ABIError(PW_ERANGE, error.description) }
}

/// The `RangeError` behind `error`: the error itself, or one a wrapping
/// error carries as a stored value (an `underlying` property, an enum
/// payload, an optional), searched a few levels deep. A bound checked deep
/// inside a scenario's build reaches the C caller as PW_ERANGE, whatever
/// wraps it on the way.
func rangeError(in error: any Error) -> RangeError? {
    func search(_ value: Any, depth: Int) -> RangeError? {
        if let r = value as? RangeError { return r }
        guard depth < 4 else { return nil }
        for child in Mirror(reflecting: value).children {
            if child.value is any Error || Mirror(reflecting: child.value).displayStyle == .optional,
               let r = search(child.value, depth: depth + 1) {
                return r
            }
        }
        return nil
    }
    return search(error, depth: 0)
}

/// An error from building, choosing or parsing as an ABIError: PW_ERANGE if
/// a range error is behind it, else `otherwise`.
func abiError(_ error: any Error, _ function: String, otherwise code: Int32) -> ABIError {
    guard let r = rangeError(in: error) else { return ABIError(code, "\(function): \(error)") }
    let text = "\(error)"
    return ABIError(PW_ERANGE, "\(function): \(text)\(text.contains(r.description) ? "" : ": \(r)")")
}

extension SessionObject {
    /// Why a build that failed without a range error failed on a number
    /// after all: a parameter above the bound every parameter has, a
    /// `mappings` beyond the processes the model has, or actor counts that
    /// add up to more tasks than a scenario may have. Nil if none is the
    /// reason. (Scenarios report these bounds as build errors; the C caller
    /// is owed PW_ERANGE.)
    static func parameterRange(_ scenario: any Scenario, _ parameters: Parameters) -> RangeError? {
        let mappings = Limit(0...Int64(LockID.maxProcesses))
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            if name == "mappings", !mappings.contains(value) {
                return RangeError(what: "parameter 'mappings'", value: "\(value)", allowed: "\(mappings) (PW_MAX_MAPPINGS)")
            }
            if value > ScenarioSpec.maxParameterValue {
                return RangeError(what: "parameter '\(name)'", value: "\(value)", allowed: "at most \(ScenarioSpec.maxParameterValue) (PW_MAX_PARAMETER)")
            }
        }
        guard let spec = scenario as? ScenarioSpec else { return nil }
        var merged = spec.parameters
        merged.merge(parameters) { $1 }
        let counts = spec.actors.map { (name: $0.name + "s", count: merged[$0.name + "s"] ?? Int64($0.count)) }
        let tasks = counts.reduce(Int64(0)) { $0 + max(0, $1.count) }
        // The count the caller set that breaks the bound, with the room the
        // other actors leave it.
        let set = counts.filter { parameters[$0.name] != nil }
        guard let culprit = set.first(where: { $0.count < 0 }) ?? (tasks > Int64(TaskSet.capacity) ? set.last : nil) else { return nil }
        let room = Int64(TaskSet.capacity) - (tasks - max(0, culprit.count))
        return RangeError(what: "parameter '\(culprit.name)'", value: "\(culprit.count)",
                          allowed: "0...\(max(0, room)) (with the other actors, at most \(TaskSet.capacity) tasks: PW_MAX_TASKS)")
    }
}
