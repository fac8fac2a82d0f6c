import Synchronization

/// Every access the steps of an engine made, in order, when it was asked to
/// record them (`Engine.recordingAccesses(into:)`): the tests check them
/// against footprints. An engine without a log pays a load and a branch
/// per access.
///
/// A class, so an engine (a value, and `Sendable`) can carry it to the
/// steps without threading it through them; the lock makes it safe to share
/// between threads, though a log is meant for one run at a time.
final class AccessLog: Sendable {
    private let entries = Mutex<[Access]>([])

    init() {}

    func append(_ access: Access) {
        entries.withLock { $0.append(access) }
    }

    /// The accesses recorded so far, and an empty log.
    func take() -> [Access] {
        entries.withLock { e in
            defer { e.removeAll(keepingCapacity: true) }
            return e
        }
    }
}

extension Engine {
    /// This engine, recording every access its steps make into `log`.
    func recordingAccesses(into log: AccessLog) -> Engine {
        var e = self
        e.accessLog = log
        return e
    }
}
