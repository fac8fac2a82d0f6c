// The sleeping locks' part of a world's identity, and who sleeps on which.

extension World {
    /// The sleeping locks' part of the identity (task numbers renamed by
    /// `image`; nil: as they are). Nothing is fed while no program uses a
    /// sleeping lock, so every fingerprint from before them is unchanged.
    @inlinable
    public func combineSleepLockIdentity(renamedBy image: UnsafeBufferPointer<Int>?, into h: inout StableHasher) {
        guard !sleepLocks.isEmpty else { return }
        h.combine(0x736C_6565_706C_6B73 as UInt64)
        h.combine(sleepLocks.count)
        for l in sleepLocks { l.combineIdentity(renamedBy: image, into: &h) }
    }

    /// The sleeping lock on whose wait list task `t` is, with its entry, or nil.
    public func sleepLockWait(of t: Int) -> (lock: SleepLockID, waiter: SleepWaiter)? {
        for i in sleepLocks.indices {
            if let j = sleepLocks[i].waiterIndex(t) {
                return (SleepLockID(raw: UInt8(i)), sleepLocks[i].waiters[j])
            }
        }
        return nil
    }
}
