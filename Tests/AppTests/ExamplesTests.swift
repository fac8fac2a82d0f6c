// The C-facing product, used as its users use it: libpagewait installed with
// Scripts/install-lib.sh into a temporary prefix, the C examples built with
// cc and pkg-config against it, and C plugins loaded by the `pagewait`
// command with --plugin. The debug build's libPagewaitABI.so and `pagewait`
// sit next to this test executable.

import Foundation
import Testing

/// The package's root directory.
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// PW_VERSION of include/pagewait.h.
func headerVersion() throws -> String {
    let header = try String(contentsOf: packageRoot.appendingPathComponent("include/pagewait.h"), encoding: .utf8)
    let line = header.split(separator: "\n").first { $0.hasPrefix("#define PW_VERSION ") }
    guard let version = line?.split(separator: "\"").dropFirst().first else {
        throw ExampleError(description: "no PW_VERSION in include/pagewait.h")
    }
    return String(version)
}

struct ExampleError: Error, CustomStringConvertible {
    var description: String
}

/// Run a build step; fail with everything it printed if it fails.
@discardableResult
func mustRun(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessOutput {
    let r = try runProcess(executable, arguments, environment: environment)
    guard r.status == 0 else {
        throw ExampleError(description: "\(executable) \(arguments.joined(separator: " ")) failed: \(r)")
    }
    return r
}

/// libpagewait installed once, for every test of this file.
struct Installation: Sendable {
    let prefix: URL
    let buildDirectory: URL
    /// A directory for what the tests build.
    let work: URL

    var pkgConfigEnvironment: [String: String] {
        ["PKG_CONFIG_PATH": prefix.appendingPathComponent("lib/pkgconfig").path]
    }
    var pagewait: String { buildDirectory.appendingPathComponent("pagewait").path }

    /// `pkg-config ARGUMENTS pagewait`, split into compiler arguments.
    func pkgConfig(_ arguments: String...) throws -> [String] {
        let r = try mustRun("pkg-config", arguments + ["pagewait"], environment: pkgConfigEnvironment)
        return r.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
    }

    /// The C compiler: $CC, else cc, else the clang every Swift toolchain has.
    var cc: String {
        let environment = ProcessInfo.processInfo.environment
        if let cc = environment["CC"], !cc.isEmpty { return cc }
        let path = (environment["PATH"] ?? "").split(separator: ":")
        let found = path.contains { FileManager.default.isExecutableFile(atPath: "\($0)/cc") }
        return found ? "cc" : "clang"
    }

    static let shared: Result<Installation, ExampleError> = {
        do {
            let build = try testBuildDirectory()
            let library = build.appendingPathComponent("libPagewaitABI.so")
            guard FileManager.default.fileExists(atPath: library.path) else {
                return .failure(ExampleError(description: "no libPagewaitABI.so in \(build.path): the PagewaitABI product was not built"))
            }
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("pagewait-examples-\(getpid())")
            try? FileManager.default.removeItem(at: root)
            let prefix = root.appendingPathComponent("prefix"), work = root.appendingPathComponent("work")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            try mustRun(packageRoot.appendingPathComponent("Scripts/install-lib.sh").path, [library.path, prefix.path],
                        environment: ["DESTDIR": ""])
            return .success(Installation(prefix: prefix, buildDirectory: build, work: work))
        } catch let e as ExampleError {
            return .failure(e)
        } catch {
            return .failure(ExampleError(description: "\(error)"))
        }
    }()

    static func get() throws -> Installation { try shared.get() }

    /// Build Examples/c-plugin/cond_reclaim.c into a plugin, once.
    static let plugin: Result<String, ExampleError> = {
        do {
            let install = try get()
            let output = install.work.appendingPathComponent("cond_reclaim.so").path
            try mustRun(install.cc, ["-std=c99", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                                     packageRoot.appendingPathComponent("Examples/c-plugin/cond_reclaim.c").path]
                        + install.pkgConfig("--cflags") + ["-o", output])
            return .success(output)
        } catch let e as ExampleError {
            return .failure(e)
        } catch {
            return .failure(ExampleError(description: "\(error)"))
        }
    }()
}

@Suite("C examples against the installed library")
struct ExamplesTests {
    @Test("install-lib.sh installs libpagewait.so.0, the libpagewait.so link, pagewait.h and a pagewait.pc with the header's version")
    func installLayout() throws {
        let install = try Installation.get()
        let fm = FileManager.default
        let lib = install.prefix.appendingPathComponent("lib")
        #expect(fm.fileExists(atPath: lib.appendingPathComponent("libpagewait.so.0").path))
        #expect(try fm.destinationOfSymbolicLink(atPath: lib.appendingPathComponent("libpagewait.so").path) == "libpagewait.so.0")
        let header = try String(contentsOf: packageRoot.appendingPathComponent("include/pagewait.h"), encoding: .utf8)
        let installed = try String(contentsOf: install.prefix.appendingPathComponent("include/pagewait.h"), encoding: .utf8)
        #expect(header == installed)

        let modversion = try mustRun("pkg-config", ["--modversion", "pagewait"], environment: install.pkgConfigEnvironment)
        #expect(modversion.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == (try headerVersion()))
        let libs = try install.pkgConfig("--libs")
        #expect(libs.contains("-L\(lib.path)") && libs.contains("-lpagewait") && libs.contains("-Wl,-rpath,\(lib.path)"), "\(libs)")
        #expect(try install.pkgConfig("--cflags").contains("-I\(install.prefix.appendingPathComponent("include").path)"))
    }

    @Test("c-embed, built with cc and pkg-config, finds the lost wakeup under put-and-wait-unlockless, proves put-and-wait safe, and prints a replay command that reproduces the violation")
    func cEmbed() throws {
        let install = try Installation.get()
        let exe = install.work.appendingPathComponent("c-embed").path
        try mustRun(install.cc, ["-std=c99", "-Wall", "-Wextra", "-Werror",
                                 packageRoot.appendingPathComponent("Examples/c-embed/main.c").path]
                    + install.pkgConfig("--cflags", "--libs") + ["-o", exe])
        // No LD_LIBRARY_PATH: the rpath from pagewait.pc finds libpagewait,
        // and libpagewait's own run path finds the Swift runtime.
        let r = try runProcess(exe, [], environment: ["LD_LIBRARY_PATH": ""])
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.isEmpty, "\(r)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("reclaim-race under put-and-wait-unlockless: violation LOST_WAKEUP"), "\(r)")
        #expect(lines.contains("reclaim-race under put-and-wait: no violation, a proof: every reachable state visited, every run ends"), "\(r)")
        #expect(lines.contains { $0.hasPrefix("  minimal schedule (") && $0.contains("pw1:") }, "\(r)")

        let replay = try #require(lines.first { $0.hasPrefix("  replay: pagewait replay 'pw1:") }, "\(r)")
        #expect(replay.hasSuffix("' --scenario reclaim-race --strategy put-and-wait-unlockless"), "\(r)")
        let schedule = try #require(replay.split(separator: "'").dropFirst().first)
        let replayed = try runProcess(install.pagewait, ["replay", String(schedule), "--scenario", "reclaim-race",
                                                         "--strategy", "put-and-wait-unlockless"])
        #expect(replayed.status == 1, "\(replayed)")
        #expect(replayed.stdout.contains("LOST_WAKEUP"), "\(replayed)")
    }

    @Test("The C plugin's c-cond-reclaim is proved safe on reclaim-race (exit 0); its c-unlockless loses a wakeup (exit 1)")
    func cPlugin() throws {
        let install = try Installation.get()
        let plugin = try Installation.plugin.get()
        let safe = try runProcess(install.pagewait, ["explore", "reclaim-race", "--strategy", "c-cond-reclaim", "--plugin", plugin, "--quiet"])
        #expect(safe.status == 0, "\(safe)")
        #expect(safe.stdout.contains("explore reclaim-race under c-cond-reclaim (exhaustive"), "\(safe)")
        #expect(safe.stdout.contains("verdict: no violation; every reachable state visited"), "\(safe)")

        let unsafe = try runProcess(install.pagewait, ["explore", "reclaim-race", "--strategy", "c-unlockless", "--plugin", plugin, "--quiet"])
        #expect(unsafe.status == 1, "\(unsafe)")
        #expect(unsafe.stdout.contains("verdict: VIOLATION LOST_WAKEUP"), "\(unsafe)")
        #expect(unsafe.stdout.contains("replay: pagewait replay 'pw1:"), "\(unsafe)")
    }

    @Test("The C plugin refuses a host API that lacks what it uses, or of another major version, with PW_EVERSION and a message")
    func cPluginVersionCheck() throws {
        let install = try Installation.get()
        let plugin = try Installation.plugin.get()
        let source = install.work.appendingPathComponent("old_host.c")
        try """
            #include <pagewait.h>
            #include <dlfcn.h>
            #include <stdio.h>
            #include <string.h>

            static void try_init(pw_plugin_init_fn init, const char *what, size_t size, int version)
            {
                pw_host_api api;
                memset(&api, 0, sizeof api);
                api.size = size;
                api.version = version;
                const char *error = NULL;
                int rc = init(&api, NULL, &error);
                printf("%s: %d %s\\n", what, rc, error ? error : "(no message)");
            }

            int main(int argc, char **argv)
            {
                void *library = argc > 1 ? dlopen(argv[1], RTLD_NOW | RTLD_LOCAL) : NULL;
                if (!library)
                    return 3;
                pw_plugin_init_fn init = (pw_plugin_init_fn)dlsym(library, PW_PLUGIN_INIT_SYMBOL);
                if (!init)
                    return 4;
                try_init(init, "short table", offsetof(pw_host_api, emit_non_atomic_clear_locked), PW_VERSION_NUMBER);
                try_init(init, "older version", sizeof(pw_host_api), PW_VERSION_NUMBER - 1);
                try_init(init, "next major", sizeof(pw_host_api), PW_VERSION_NUMBER + 1000000);
                return 0;
            }

            """.write(to: source, atomically: true, encoding: .utf8)
        let exe = install.work.appendingPathComponent("old_host").path
        try mustRun(install.cc, ["-Wall", source.path] + install.pkgConfig("--cflags") + ["-ldl", "-o", exe])
        let r = try runProcess(exe, [plugin])
        #expect(r.status == 0, "\(r)")
        let message = "cond_reclaim needs a pagewait host of version \(try headerVersion()) or a later one of the same major version"
        for what in ["short table", "older version", "next major"] {
            #expect(r.stdout.contains("\(what): \(-9) \(message)"), "\(r)")
        }
    }

    /// The host table's sleeping-lock members (0.5) emit what they name: a
    /// reclaim hook that takes and drops a mutex and both sides of two
    /// rwsems around its unlock_page is still proved safe, with more states
    /// than without them; one that drops a read lock it never took is
    /// LOCK_MISUSE at `up_read`.
    @Test("a C plugin's hook emits mutex and rwsem operations through its host table")
    func cPluginSleepingLocks() throws {
        let install = try Installation.get()
        let source = install.work.appendingPathComponent("locked_reclaim.c")
        try """
            #include <pagewait.h>

            static const pw_host_api *host;

            static int emit(void *user, pw_builder *b, const pw_hook_context *hook)
            {
                int wrong = user != NULL;
                if (hook->hook != PW_HOOK_RECLAIM_CLEAR_LOCKED)
                    return PW_DECLINE;
                int rc = host->emit_mutex_lock(b, 0);
                if (rc == PW_OK) rc = host->emit_down_write(b, 1);
                if (rc == PW_OK) rc = host->emit_up_write(b, 1);
                if (rc == PW_OK && !wrong) rc = host->emit_down_read(b, 2);
                if (rc == PW_OK) rc = host->emit_up_read(b, 2);
                if (rc == PW_OK) rc = host->emit_unlock_page(b, hook->page);
                if (rc == PW_OK) rc = host->emit_mutex_unlock(b, 0);
                return rc;
            }

            static int add(pw_context *ctx, const char *name, void *user)
            {
                pw_strategy_def def;
                int rc = host->strategy_def_init(&def, sizeof def);
                if (rc != PW_OK)
                    return rc;
                def.name = name;
                def.emit = emit;
                def.user = user;
                return host->register_strategy(ctx, &def);
            }

            int pw_plugin_init(const pw_host_api *api, pw_context *ctx, const char **error)
            {
                static int marker;
                if (!PW_HOST_API_HAS(api, emit_up_write)) {
                    *error = "locked_reclaim needs the sleeping-lock members of the host table";
                    return PW_EVERSION;
                }
                host = api;
                int rc = add(ctx, "c-locked-reclaim", NULL);
                return rc == PW_OK ? add(ctx, "c-unheld-up-read", &marker) : rc;
            }

            """.write(to: source, atomically: true, encoding: .utf8)
        let library = install.work.appendingPathComponent("locked_reclaim.so").path
        try mustRun(install.cc, ["-shared", "-fPIC", "-Wall", source.path] + install.pkgConfig("--cflags") + ["-o", library])
        let scope = ["--param", "passes=2", "--quiet"]
        let plain = try runProcess(install.pagewait, ["explore", "reclaim-race", "--strategy", "put-and-wait"] + scope)
        let locked = try runProcess(install.pagewait, ["explore", "reclaim-race", "--strategy", "c-locked-reclaim", "--plugin", library] + scope)
        #expect(plain.status == 0 && locked.status == 0, "\(plain)\n\(locked)")
        func states(_ out: String) -> Int? {
            out.split(separator: "\n").first { $0.hasPrefix("  states ") }
                .flatMap { Int($0.dropFirst(9).prefix { $0.isNumber }) }
        }
        let before = try #require(states(plain.stdout)), after = try #require(states(locked.stdout))
        #expect(after > before, "the locks' steps add states: \(after) vs \(before)")

        let wrong = try runProcess(install.pagewait, ["explore", "reclaim-race", "--strategy", "c-unheld-up-read", "--plugin", library] + scope)
        #expect(wrong.status == 1, "\(wrong)")
        #expect(wrong.stdout.contains("LOCK_MISUSE") && wrong.stdout.contains("up_read"), "\(wrong)")
    }

    @Test("--plugin is accepted before the subcommand too")
    func pluginBeforeSubcommand() throws {
        let install = try Installation.get()
        let plugin = try Installation.plugin.get()
        let r = try runProcess(install.pagewait, ["--plugin", plugin, "explore", "reclaim-race", "--strategy", "c-unlockless", "--quiet"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stdout.contains("verdict: VIOLATION LOST_WAKEUP"), "\(r)")
    }

    @Test("--plugin with a file that is not a plugin fails with exit status 2 and a message naming it")
    func notAPlugin() throws {
        let install = try Installation.get()
        // A shared library without pw_plugin_init, a file that is no library, and no file at all.
        let source = install.work.appendingPathComponent("not_a_plugin.c")
        try "int not_a_plugin(void) { return 0; }\n".write(to: source, atomically: true, encoding: .utf8)
        let library = install.work.appendingPathComponent("not_a_plugin.so").path
        try mustRun(install.cc, ["-shared", "-fPIC", source.path, "-o", library])
        let notELF = packageRoot.appendingPathComponent("README.md").path
        let missing = install.work.appendingPathComponent("missing.so").path

        for (path, reason) in [(library, "pw_plugin_init"), (notELF, nil), (missing, nil)] as [(String, String?)] {
            let r = try runProcess(install.pagewait, ["explore", "reclaim-race", "--strategy", "put-and-wait", "--plugin", path, "--quiet"])
            #expect(r.status == 2, "\(path): \(r)")
            #expect(r.stderr.contains(path), "\(path): \(r)")
            #expect(r.stderr.lowercased().contains("plugin"), "\(path): \(r)")
            if let reason { #expect(r.stderr.contains(reason), "\(path): \(r)") }
            #expect(!r.stdout.contains("verdict"), "\(path): \(r)")
        }
    }

    @Test("A plugin's strategy is unknown without --plugin")
    func strategyNeedsPlugin() throws {
        let install = try Installation.get()
        let r = try runProcess(install.pagewait, ["explore", "reclaim-race", "--strategy", "c-cond-reclaim", "--quiet"])
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("c-cond-reclaim"), "\(r)")
    }
}
