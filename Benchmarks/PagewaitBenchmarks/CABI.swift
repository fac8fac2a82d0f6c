import CPagewait
import Foundation
import PagewaitCore
import PagewaitPlugins

/// libpagewait as a C program uses it: the shared library product
/// `PagewaitABI` (libPagewaitABI.so) loaded with dlopen, and a session run
/// through its C entry points, as `pagewait bench-abi` does.
///
/// The benchmark plugin builds only the benchmark executable, so the
/// library comes from a build of the `PagewaitABI` product into the same
/// build folder (`swift build -c release --product PagewaitABI`), or from
/// the path in `PW_ABI_LIBRARY`.
final class CSession: @unchecked Sendable {
    typealias ContextNew = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    typealias Free = @convention(c) (OpaquePointer?) -> Int32
    typealias SessionNew = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    typealias SetStrategy = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Int32
    typealias SetParam = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int64) -> Int32
    typealias RunOptionsInit = @convention(c) (UnsafeMutablePointer<pw_run_options>?, Int) -> Int32
    typealias SessionRun = @convention(c) (OpaquePointer?, UnsafePointer<pw_run_options>?, UnsafeMutablePointer<pw_run_stats>?) -> Int32
    typealias Errmsg = @convention(c) (UnsafeRawPointer?) -> UnsafePointer<CChar>?

    let path: String
    private let sessionRun: SessionRun
    private let errmsg: Errmsg
    private let contextFree: Free
    private let sessionFree: Free
    private var context: OpaquePointer?
    private var session: OpaquePointer?
    private var options = pw_run_options()

    /// The library's path: `PW_ABI_LIBRARY`, else libPagewaitABI.so next
    /// to this executable.
    static var libraryPath: String {
        if let p = ProcessInfo.processInfo.environment["PW_ABI_LIBRARY"], !p.isEmpty { return p }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("libPagewaitABI.so").path
    }

    /// A session on `scenario` under `strategy` with `parameters`, running
    /// `seeds` seeds from 1 on one thread; nil when the library is missing.
    init?(scenario: String, strategy: String, parameters: Parameters, seeds: Int) {
        let path = Self.libraryPath
        guard FileManager.default.fileExists(atPath: path), let lib = dlopen(path, RTLD_NOW | RTLD_LOCAL) else { return nil }
        self.path = path
        func symbol<T>(_ name: String) -> T {
            guard let p = dlsym(lib, name) else { fatalError("\(path) has no \(name)") }
            return unsafeBitCast(p, to: T.self)
        }
        let contextNew: ContextNew = symbol("pw_context_new")
        let sessionNew: SessionNew = symbol("pw_session_new")
        let setStrategy: SetStrategy = symbol("pw_session_set_strategy")
        let setParam: SetParam = symbol("pw_session_set_param")
        let runOptionsInit: RunOptionsInit = symbol("pw_run_options_init")
        sessionRun = symbol("pw_session_run")
        errmsg = symbol("pw_errmsg")
        contextFree = symbol("pw_context_free")
        sessionFree = symbol("pw_session_free")

        check(contextNew(&context), nil, "pw_context_new")
        check(sessionNew(context, scenario, &session), context, "pw_session_new")
        check(setStrategy(session, strategy), session, "pw_session_set_strategy")
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            check(setParam(session, name, value), session, "pw_session_set_param")
        }
        check(runOptionsInit(&options, MemoryLayout<pw_run_options>.size), nil, "pw_run_options_init")
        options.seeds = UInt32(seeds)
        options.jobs = 1
    }

    deinit {
        _ = sessionFree(session)
        _ = contextFree(context)
    }

    /// One pw_session_run over the session's seeds.
    @inline(never)
    func run() -> pw_run_stats {
        var stats = pw_run_stats()
        stats.size = MemoryLayout<pw_run_stats>.size
        check(sessionRun(session, &options, &stats), session, "pw_session_run")
        return stats
    }

    private func check(_ rc: Int32, _ handle: OpaquePointer?, _ function: String) {
        guard rc == PW_OK else {
            let message = errmsg(handle.map { UnsafeRawPointer($0) }).map { String(cString: $0) } ?? ""
            fatalError("\(function) returned \(rc): \(message)")
        }
    }
}
