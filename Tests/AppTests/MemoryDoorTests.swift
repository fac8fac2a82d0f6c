// One door to memory: the steps reach page words, the reference ledger,
// PTEs, page-cache slots and wait-entry flags only through Core/Memory's
// `load`, `store` and `rmw`, which record each access and carry its memory
// order. Every step lives in Core, so a direct subscript of the world's
// arrays anywhere else in Core fails this scan, except in the code below
// that must read whole state and is no step. (Plugins and Apps build
// initial worlds and look at them between steps; they take no step.)

import Foundation
import Testing

enum MemoryDoorScan {
    /// A direct read or write of a location the door guards.
    static let patterns = [".pages[", ".refs[", ".ptes[", ".cache[", ".entry.flags"]
    /// What may still use them, by path (a folder ends in "/"), and why.
    static let exceptions: [(path: String, why: String)] = [
        ("Core/Memory/", "the door: its cells, and the rights check, which reads the ledger and the mappings as the model's oracle"),
        ("Core/Engine/World.swift", "the world's own queries over the whole ledger: references(of:on:), I1's ledger count"),
        ("Core/State/", "state identity and hashing"),
        ("Core/Task/TaskState.swift", "a task's identity and its diff between two states read its wait entry's flags whole; no step is here"),
    ]
    /// Text that matches a pattern but names another array: LocalReach's
    /// per-instruction page bits in Footprint.swift.
    static let otherArrays = ["reach.pages["]

    /// Every line of `text` (the text of `file`) that reaches past the door:
    /// a pattern, or an `extension World`, which could subscript the arrays
    /// without naming the world.
    static func findings(in text: String, file: String) -> [String] {
        if exceptions.contains(where: { file == $0.path || ($0.path.hasSuffix("/") && file.hasPrefix($0.path)) }) { return [] }
        var out: [String] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var rest = String(line)
            for other in otherArrays { rest = rest.replacingOccurrences(of: other, with: "") }
            let code = rest.components(separatedBy: "//").first ?? rest
            if patterns.contains(where: code.contains) || code.range(of: #"\bextension World\b"#, options: .regularExpression) != nil {
                out.append("\(file):\(n + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        return out
    }

    /// The Swift files under Core, relative to the package root.
    static func coreFiles(root: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root.appendingPathComponent("Core").path) else { return [] }
        var files: [String] = []
        while let path = walker.nextObject() as? String {
            if path.hasSuffix(".swift") { files.append("Core/" + path) }
        }
        return files.sorted()
    }
}

@Suite("Memory door")
struct MemoryDoorTests {
    @Test("no step reads or writes a page word, the ledger, a PTE, a page-cache slot or a wait entry's flags except through Core/Memory")
    func everyAccessGoesThroughTheDoor() throws {
        let files = MemoryDoorScan.coreFiles(root: packageRoot)
        #expect(files.count > 40, "the scan found Core's sources")
        #expect(files.contains("Core/Ops/Op+References.swift") && files.contains("Core/WaitQueue/WakeWalk.swift"))
        for file in files {
            let text = try String(contentsOf: packageRoot.appendingPathComponent(file), encoding: .utf8)
            for finding in MemoryDoorScan.findings(in: text, file: file) {
                Issue.record("\(finding): reaches memory past the door (use load, store or rmw from Core/Memory, or World.peek in a footprint)")
            }
        }
    }

    @Test("the scan flags a direct access, a wait entry's flags and an extension of World, and leaves comments, other arrays and the exceptions alone")
    func scanFindsWhatItShould() {
        let text = """
        w.pages[Int(pfn)].refcount += 1
        let n = w.refs[i] // and w.ptes[0] in a comment is fine
        w.tasks[t].entry.flags.insert(.woken)
        extension World {
        pg |= reach.pages[pc]
        let s = load(w, .cacheSlot(slot), .relaxed)
        """
        #expect(MemoryDoorScan.findings(in: text, file: "Core/Ops/Op+X.swift").map { $0.split(separator: ":")[1] } == ["1", "2", "3", "4"])
        #expect(MemoryDoorScan.findings(in: text, file: "Core/Memory/MemoryCell.swift").isEmpty)
        #expect(MemoryDoorScan.findings(in: text, file: "Core/Engine/World.swift").isEmpty)
    }
}
