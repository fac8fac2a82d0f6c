/// Which hardware ordering the weak-memory machine (Core/Memory/Weak)
/// gives the accesses it runs. `sc` is sequential consistency, the engine's
/// own semantics; `tso` is x86-TSO (store buffers); `arm` is an ARMv8-like
/// view semantics (docs/memory-model.md says what it does and does not
/// model).
public enum MemoryModel: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case sc, tso, arm

    public var description: String { rawValue }

    /// The model `text` names, or an error that lists the accepted names.
    public init(parsing text: String) throws(MemoryModelError) {
        guard let m = MemoryModel(rawValue: text) else { throw MemoryModelError(text: text) }
        self = m
    }
}

/// A memory-model name that is not one of `sc`, `tso`, `arm`.
public struct MemoryModelError: Error, CustomStringConvertible, Sendable {
    public let text: String
    public var description: String {
        "unknown memory model '\(text)': expected one of \(MemoryModel.allCases.map(\.rawValue).joined(separator: ", "))"
    }
}
