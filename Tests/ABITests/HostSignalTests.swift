// libpagewait in a C host must leave the host's signals alone: the Swift
// runtime it loads takes SIGSEGV, SIGABRT and the other fatal signals for
// its backtracer unless the host already handles them, and the library
// gives them back (Apps/libpagewait/HostSignals). A C host built here
// loads the library, checks who handles each signal and then crashes in its
// own code; what ran is read from its exit status and its output.

import Foundation
import Testing

/// The host: `host LIBRARY MODE`. MODE is `none` (no handler of its own),
/// `before` / `after` (its SIGSEGV handler installed before / after loading
/// the library) or `look` (report the dispositions, do not crash). Built with
/// -DLINKED it links the library instead of loading it with dlopen.
private let hostSource = #"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "pagewait.h"

static void host_handler(int sig)
{
    static const char text[] = "host handler ran\n";
    (void)sig;
    write(STDOUT_FILENO, text, sizeof text - 1);
    _exit(42);
}

static void install(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = host_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    const char *mode = argv[2];
    if (strcmp(mode, "before") == 0)
        install(SIGSEGV);
#ifdef LINKED
    int (*context_new)(pw_context **) = pw_context_new;
    int (*context_free)(pw_context *) = pw_context_free;
#else
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        printf("dlopen: %s\n", dlerror());
        return 3;
    }
    int (*context_new)(pw_context **) = (int (*)(pw_context **))dlsym(lib, "pw_context_new");
    int (*context_free)(pw_context *) = (int (*)(pw_context *))dlsym(lib, "pw_context_free");
#endif
    /* Use the library, so its runtime is surely up. */
    pw_context *ctx = NULL;
    if (!context_new || !context_free || context_new(&ctx) != PW_OK || context_free(ctx) != PW_OK)
        return 4;
    if (strcmp(mode, "after") == 0)
        install(SIGSEGV);

    const int signals[] = { SIGQUIT, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP };
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction sa;
        sigaction(signals[i], NULL, &sa);
        void *h = (sa.sa_flags & SA_SIGINFO) ? (void *)sa.sa_sigaction : (void *)sa.sa_handler;
        printf("signal %d: %s\n", signals[i], h == (void *)SIG_DFL ? "default" : h == (void *)host_handler ? "host" : "other");
    }
    fflush(stdout);
    if (strcmp(mode, "look") == 0)
        return 0;
    /* The host's own bug: a store to an unmapped page. */
    *(volatile int *)(uintptr_t)16 = 1;
    return 5;
}
"""#

/// The host, built once into a temporary folder: a dlopen build and a
/// linked build (the library under its SONAME, as an installed one is).
private struct Hosts {
    let loading: String
    let linked: String
    let library: String

    static let shared: Result<Hosts, CallError> = Result { () throws(CallError) in
        do { return try Hosts() } catch let e as CallError { throw e } catch { throw CallError(message: "\(error)") }
    }

    private init() throws {
        library = try PagewaitLibrary.get().path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pagewait-host-signals-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let source = dir.appendingPathComponent("host.c")
        try hostSource.write(to: source, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("libpagewait.so.0").path,
                                                   withDestinationPath: library)
        let include = packageRoot.appendingPathComponent("include").path
        loading = dir.appendingPathComponent("host-dlopen").path
        linked = dir.appendingPathComponent("host-linked").path
        try Self.compile(["-std=c99", "-Wall", "-Werror", "-I", include, source.path, "-ldl", "-o", loading])
        try Self.compile(["-std=c99", "-Wall", "-Werror", "-DLINKED", "-I", include, source.path, library,
                          "-Wl,-rpath,\(dir.path)", "-o", linked])
    }

    /// $CC, else cc, else clang.
    static func compile(_ arguments: [String]) throws {
        let env = ProcessInfo.processInfo.environment
        let path = (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        let cc = env["CC"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (path.contains { FileManager.default.isExecutableFile(atPath: "\($0)/cc") } ? "cc" : "clang")
        let r = try HostRun(["/usr/bin/env", cc] + arguments, environment: [:])
        guard r.exited && r.status == 0 else { throw CallError(message: "\(cc) \(arguments.joined(separator: " ")): \(r)") }
    }
}

/// A finished child process.
private struct HostRun: CustomStringConvertible {
    var exited: Bool
    var status: Int32
    var output: String

    /// Run `argv` with the test's environment less SWIFT_BACKTRACE, plus `environment`.
    init(_ argv: [String], environment: [String: String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = nil
        p.environment = env.merging(environment) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        exited = p.terminationReason == .exit
        status = p.terminationStatus
        output = String(decoding: data, as: UTF8.self)
    }

    var description: String { "\(exited ? "exit status" : "killed by signal") \(status)\n\(output)" }

    /// "default", "host" or "other" for each signal the host listed.
    var dispositions: [Int32: String] {
        var d: [Int32: String] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("signal ") {
            let parts = line.dropFirst("signal ".count).split(separator: ":")
            if parts.count == 2, let n = Int32(parts[0]) { d[n] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return d
    }
}

/// The signals the Swift runtime's crash handler takes (CrashHandlerLinux.cpp).
private let runtimeSignals: [Int32] = [SIGQUIT, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP]

@Suite("Host signals", .serialized)
struct HostSignalTests {
    @Test("a C host with no handlers keeps SIG_DFL on every fatal signal and dies of its own segfault, with no Swift backtrace",
          arguments: ["dlopen", "linked"])
    func noHandler(build: String) throws {
        let hosts = try Hosts.shared.get()
        let r = try HostRun([build == "dlopen" ? hosts.loading : hosts.linked, hosts.library, "none"], environment: [:])
        for s in runtimeSignals {
            #expect(r.dispositions[s] == "default", "signal \(s) after loading the library: \(r)")
        }
        #expect(!r.exited && r.status == SIGSEGV, "\(r)")
        #expect(!r.output.contains("Backtracing") && !r.output.contains("Program crashed"), "\(r)")
    }

    @Test("the host's own SIGSEGV handler, installed before or after loading the library, is the one that runs",
          arguments: ["before", "after"])
    func hostHandler(when: String) throws {
        let hosts = try Hosts.shared.get()
        for host in [hosts.loading, hosts.linked] where when == "after" || host == hosts.loading {
            let r = try HostRun([host, hosts.library, when], environment: [:])
            #expect(r.dispositions[SIGSEGV] == "host", "\(r)")
            #expect(r.exited && r.status == 42, "\(r)")
            #expect(r.output.contains("host handler ran") && !r.output.contains("Backtracing"), "\(r)")
        }
    }

    @Test("SWIFT_BACKTRACE in the environment is the host asking for the Swift backtracer: the runtime's handlers stay")
    func optIn() throws {
        let hosts = try Hosts.shared.get()
        let r = try HostRun([hosts.loading, hosts.library, "look"], environment: ["SWIFT_BACKTRACE": "enable=yes"])
        #expect(r.exited && r.status == 0, "\(r)")
        #expect(r.dispositions[SIGSEGV] == "other", "\(r)")
    }
}
