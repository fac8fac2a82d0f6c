import Dispatch
import Foundation
import Synchronization

/// Ctrl-C as a request to stop: while `catching`, SIGINT sets a flag the
/// long loops (searches, seed sweeps) poll, so they stop at their next
/// check and the command prints what it has, marked interrupted, and exits
/// 130 (128 + SIGINT, as a shell reports a process killed by it). A second
/// Ctrl-C ends the process at once, also with 130.
final class Interrupt: @unchecked Sendable {
    /// Exit status after an interrupt.
    static let exitStatus: Int32 = 130

    private let flag = Atomic<Bool>(false)
    /// Only touched in `catching`, on the caller's thread.
    private var source: DispatchSourceSignal?

    var requested: Bool { flag.load(ordering: .relaxed) }

    /// What a signal would do: set the flag (tests call this).
    func request() { flag.store(true, ordering: .relaxed) }

    /// Run `body` with SIGINT caught as a stop request, then restore the
    /// default action.
    func catching<T>(_ body: () throws -> T) rethrows -> T {
        // The signal source sees SIGINT only once its default action (death)
        // is off; a second one, after the first was noted, ends the process.
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler { [self] in
            if flag.exchange(true, ordering: .relaxed) { Foundation.exit(Interrupt.exitStatus) }
            FileHandle.standardError.write(Data("  ... interrupted: stopping (Ctrl-C again to quit at once)\n".utf8))
        }
        s.resume()
        source = s
        defer {
            s.cancel()
            source = nil
            signal(SIGINT, SIG_DFL)
        }
        return try body()
    }
}
