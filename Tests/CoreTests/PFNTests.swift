// PFN (Core/Page/PFN.swift): a page frame number where a structure names a
// frame, in the Int32 the fields held before.

import Testing
import PagewaitCore

@Suite("PFN")
struct PFNTests {
    /// What a PTE, a page-cache slot and a page reference were with a plain
    /// `Int32` for the frame, field for field.
    struct PlainPTE { var kind: PTEKind; var pfn: Int32; var mm: Int8; var level: PageTableLevel }
    struct PlainCacheSlot { var file: Int8; var pfn: Int32 }
    struct PlainPageRef { var pfn: Int32; var gen: UInt32 }

    static func same<A, B>(_: A.Type, _: B.Type) -> Bool {
        MemoryLayout<A>.size == MemoryLayout<B>.size && MemoryLayout<A>.alignment == MemoryLayout<B>.alignment
            && MemoryLayout<A>.stride == MemoryLayout<B>.stride
    }

    @Test("laid out as an Int32, so the PTEs, cache slots, page references and events that hold one keep their layout")
    func layout() {
        #expect(Self.same(PFN.self, Int32.self))
        #expect(Self.same(PTE.self, PlainPTE.self))
        #expect(Self.same(CacheSlot.self, PlainCacheSlot.self))
        #expect(Self.same(PageRef.self, PlainPageRef.self))
        #expect(Self.same(PFN?.self, Int32?.self))
    }

    @Test("feeds the identity the bytes of its raw number, and prints as it")
    func identityAndText() {
        for raw: Int32 in [-1, -7, 0, 3, 256, .max] {
            var a = StableHasher(), b = StableHasher()
            a.combine(PFN(rawValue: raw))
            b.combine(raw)
            #expect(a.value == b.value)
            #expect("\(PFN(rawValue: raw))" == "\(raw)")
        }
    }

    @Test("a PTE and a cache slot feed their identity the bytes their Int32 fields fed")
    func holdersKeepTheirIdentity() {
        for raw: Int32 in [-1, 0, 5] {
            let pte = PTE(kind: .migration, pfn: PFN(rawValue: raw), mm: 2)
            var a = StableHasher(), b = StableHasher()
            pte.combineIdentity(into: &a)
            b.combine(PTEKind.migration.rawValue); b.combine(raw); b.combine(Int8(2))
            #expect(a.value == b.value)

            let slot = CacheSlot(file: 1, pfn: PFN(rawValue: raw))
            var c = StableHasher(), d = StableHasher()
            slot.combineIdentity(into: &c)
            d.combine(Int8(1)); d.combine(raw)
            #expect(c.value == d.value)
        }
    }

    @Test("a page reference packs the frame's raw bits into a register and back, negative numbers included")
    func registerRoundTrip() {
        for raw: Int32 in [-1, -5, 0, 9, .max, .min] {
            let ref = PageRef(pfn: PFN(rawValue: raw), gen: 3)
            #expect(ref.register == Int64(3) << 32 | Int64(UInt32(bitPattern: raw)))
            #expect(PageRef(register: ref.register) == ref)
            #expect(ref.description == "pfn \(raw) (gen 3)")
        }
    }

    @Test("none is the -1 the tables write; any negative number names no frame; a literal and an index name the same frame")
    func noneAndIndex() {
        #expect(PFN.none.rawValue == -1 && PFN.none.isNone && PFN.none.index == -1)
        #expect(PFN(rawValue: -9).isNone && !PFN(rawValue: 0).isNone)
        let literal: PFN = 7
        #expect(literal == PFN(7) && literal.index == 7 && literal != .none)
        #expect(PTE(mm: 0).pfn == .none && CacheSlot(file: 0).pfn == .none)
    }
}
