/// A part of the model's state that says, beside its definition, what of it
/// is the state's identity: everything a future step can read. Exploration
/// merges two worlds whose identities are equal, so a stored field that is
/// neither fed to the hasher nor named in `fieldsOutsideIdentity` would
/// silently merge distinct states; StateIdentityTests fails on such a field.
public protocol StateIdentity {
    /// Feed the identity to `h`, in a fixed order (fingerprints are stable
    /// across processes and name states in a shard's output).
    func combineIdentity(into h: inout StableHasher)

    /// Stored fields deliberately left out of identity (statistics, hints
    /// for the scheduler), so that states that behave alike are one state.
    static var fieldsOutsideIdentity: Set<String> { get }
}

extension StateIdentity {
    public static var fieldsOutsideIdentity: Set<String> { [] }

    /// The identity alone, hashed: what the tests compare.
    public var identityHash: UInt64 {
        var h = StableHasher()
        combineIdentity(into: &h)
        return h.value
    }
}
