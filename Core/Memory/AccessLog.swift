import Synchronization

/// Every access the steps of an engine made, in order, when it was asked to
/// record them (`Engine.recordingAccesses(into:)`): the tests check them
/// against footprints. Debug builds only (`Engine.canRecordAccesses`): a
/// release build's door has no recording code at all.
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
    /// Whether this build can record accesses: a debug build, as the tests
    /// use (PAGEWAIT_ACCESS_LOG in Package.swift).
    static var canRecordAccesses: Bool {
        #if PAGEWAIT_ACCESS_LOG
        true
        #else
        false
        #endif
    }

    /// This engine, recording every access its steps make into `log`. A
    /// release build traps here rather than record nothing.
    func recordingAccesses(into log: AccessLog) -> Engine {
        #if PAGEWAIT_ACCESS_LOG
        var e = self
        e.accessLog = log
        e.recordsAccesses = true
        return e
        #else
        preconditionFailure("access logs are compiled into debug builds only (PAGEWAIT_ACCESS_LOG)")
        #endif
    }
}
