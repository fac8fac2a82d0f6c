// The header reader (CHeader.swift) on a small sample written for it, on
// the declarations it must refuse, and on include/pagewait.h's own
// conventions.

import Testing

@Suite("Reading the C header")
struct HeaderParserTests {
    static let sample = """
        /* A sample: int pw_commented(void); must not be read. */
        #ifndef SAMPLE_H
        #define SAMPLE_H
        #include <stddef.h>
        #include <stdint.h>
        #ifdef __cplusplus
        extern "C" {
        int pw_only_in_cplusplus(void);
        #endif
        #define S_NUMBER   0x10u  /* hex with a suffix */
        #define S_NEGATIVE (-3)
        #define S_NAME     "abc"
        #define S_MACRO(a, b) \\
            ((a) + (b))
        typedef struct s_handle s_handle;
        typedef int32_t s_id;
        typedef int (*s_callback)(void *user, s_handle *h);  // a function-pointer type
        typedef struct s_info {
            size_t size;               /* 0 */
            int a;                     /* 8 */
            double d;                  /* 16: aligned to 8 */
            const char *name;          /* 24 */
            int pair[3];               /* 32, 12 bytes */
            s_callback callback;       /* 48: aligned to 8 */
            void (*destroy)(void *user);
            uint32_t tail;             /* 64; the struct rounds up to 72 */
        } s_info;
        int pw_one(void);
        const char *pw_two(int code, unsigned flag);
        void pw_three(void *p, s_handle **out, const s_info *info, s_id id, int64_t big,
                      uint64_t u, size_t n, s_callback cb, int (*inline_cb)(int x));
        int pw_four(s_handle *h, const char *name, char **out, const void *any);
        #ifdef __cplusplus
        }
        #endif
        #endif
        """

    @Test("prototypes: names, return types and every parameter's libffi type")
    func prototypes() throws {
        let h = try CHeader(parsing: Self.sample)
        #expect(h.prototypes.map(\.name) == ["pw_one", "pw_two", "pw_three", "pw_four"])
        let one = try h.prototype("pw_one")
        #expect(one.returnKind == .sint32 && one.parameters.isEmpty)
        let two = try h.prototype("pw_two")
        #expect(two.returnType == "const char *" && two.returnKind == .pointer)
        #expect(two.parameters.map(\.kind) == [.sint32, .uint32])
        #expect(two.parameters.map(\.name) == ["code", "flag"])
        let three = try h.prototype("pw_three")
        #expect(three.returnKind == .void)
        #expect(three.parameterKinds == [.pointer, .pointer, .pointer, .sint32, .sint64, .uint64, .uint64, .pointer, .pointer])
        #expect(three.parameters.map(\.type) == ["void *", "s_handle **", "const s_info *", "s_id", "int64_t", "uint64_t",
                                                  "size_t", "s_callback", "int (*)(...)"])
        #expect(three.parameters.map(\.name) == ["p", "out", "info", "id", "big", "u", "n", "cb", "inline_cb"])
        let four = try h.prototype("pw_four")
        #expect(four.parameterKinds == [.pointer, .pointer, .pointer, .pointer])
        // Only a single pointer to an opaque struct is a handle.
        #expect(four.parameters.map(\.handle) == ["s_handle", nil, nil, nil])
        #expect(three.parameters[1].handle == nil)
        // A single pointer to a struct with a body names the struct.
        #expect(three.parameters.map(\.structure) == [nil, nil, "s_info", nil, nil, nil, nil, nil, nil])
        #expect(h.handleTypes == ["s_handle"])
    }

    @Test("defines: integers in their C spellings, strings, and function-like macros left out")
    func defines() throws {
        let h = try CHeader(parsing: Self.sample)
        #expect(try h.integer("S_NUMBER") == 16)
        #expect(try h.integer("S_NEGATIVE") == -3)
        #expect(try h.string("S_NAME") == "abc")
        #expect(h.defines["S_MACRO"] == nil)
        #expect(throws: HeaderError.self) { try h.integer("S_NAME") }
        #expect(throws: HeaderError.self) { try h.string("S_NUMBER") }
        #expect(CHeader.integerLiteral("0x0100u") == 256)
        #expect(CHeader.integerLiteral("(-1)") == -1)
        #expect(CHeader.integerLiteral("1000") == 1000)
        #expect(CHeader.integerLiteral("1.5") == nil)
    }

    @Test("struct layouts follow the C rules: natural alignment, arrays, rounding to the widest member")
    func layout() throws {
        let h = try CHeader(parsing: Self.sample)
        let s = try h.layout("s_info")
        #expect(s.fields.map(\.name) == ["size", "a", "d", "name", "pair", "callback", "destroy", "tail"])
        #expect(s.fields.map(\.offset) == [0, 8, 16, 24, 32, 48, 56, 64])
        #expect(s.fields.map(\.kind) == [.uint64, .sint32, .double, .pointer, .sint32, .pointer, .pointer, .uint32])
        #expect(try s.field("pair").count == 3)
        #expect(s.size == 72 && s.alignment == 8)
        #expect(try h.layout("s_info") == s)  // by tag as well as by typedef name
        #expect(try s.field("destroy").function?.parameterKinds == [.pointer])
        #expect(throws: HeaderError.self) { try s.field("missing") }
    }

    @Test("what the reader does not know is an error, not a guess", arguments: [
        ("long pw_x(void);", "unknown type 'long'"),
        ("int pw_x(float f);", "unknown type 'float'"),
        ("int pw_x(unknown_t *p);", "unknown type 'unknown_t'"),
        ("char pw_x(void);", "unknown type 'char'"),
        ("PW_API int pw_x(void);", "unknown type 'PW_API int'"),
        ("int pw_x();", "write (void)"),
        ("int pw_x(int n, ...);", "variadic"),
        ("extern int pw_counter;", "unrecognised declaration"),
        ("int other_x(void);", "outside the pw_ namespace"),
        ("int pw_x(void);\nint pw_x(void);", "declared twice"),
        ("typedef struct s s;\nint pw_x(s value);", "passed by value"),
        ("typedef struct t { int a; union { int b; } u; } t;", "nested struct"),
        ("typedef struct t { int a, b; } t;", "one member per declaration"),
        ("typedef long t;", "unknown type 'long'"),
        ("#if PW_X > 1\nint pw_x(void);\n#endif", "unsupported directive #if"),
        ("#ifdef A\nint pw_x(void);", "unterminated #if"),
        ("int pw_x(void)", "text after the last declaration"),
        ("int (*pw_x(void))(int);", "unrecognised declaration"),
        ("#define A 1\n#define A 2", "appears twice"),
    ])
    func refuses(text: String, message: String) {
        do {
            let h = try CHeader(parsing: text)
            Issue.record("accepted \(text.debugDescription): \(h.prototypes)")
        } catch {
            #expect(error.message.contains(message), "\(error)")
        }
    }

    // MARK: - include/pagewait.h

    @Test("pagewait.h reads, and its prototypes are the pw_* functions with the types a C compiler sees")
    func realHeader() throws {
        let h = try parsedHeader.get()
        #expect(h.prototypes.count >= 40)
        #expect(h.handleTypes.sorted() == ["pw_builder", "pw_context", "pw_session"])
        #expect(try h.prototype("pw_version").parameters.isEmpty)
        #expect(try h.prototype("pw_errmsg").parameters.map(\.type) == ["const void *"])
        #expect(try h.prototype("pw_session_replay").parameterKinds == [.pointer, .pointer, .sint32, .pointer])
        #expect(try h.prototype("pw_emit_branch").parameterKinds == [.pointer, .sint32, .sint32, .sint64, .sint32])
        #expect(try h.prototype("pw_emit_test_flag").parameterKinds == [.pointer, .sint32, .uint32, .sint32])
        #expect(try h.prototype("pw_list_entry").parameterKinds == [.pointer, .pointer, .uint64, .pointer])
        #expect(try h.prototype("pw_free").returnKind == .void)
        #expect(try h.prototype("pw_session_new").parameters.map(\.handle) == ["pw_context", nil, nil])
        #expect(try h.integer("PW_VERSION_NUMBER") > 0)
    }

    @Test("every struct of pagewait.h begins with a size_t size")
    func structsBeginWithSize() throws {
        let h = try parsedHeader.get()
        let names = Set(h.structs.values.map(\.name))
        #expect(names.count >= 8)
        for name in names.sorted() {
            let first = try h.layout(name).fields.first
            #expect(first?.name == "size" && first?.type == "size_t" && first?.offset == 0, "\(name)")
        }
    }

    @Test("the plugin host API offers each pw_ function it names with that function's signature")
    func hostAPIMatchesPrototypes() throws {
        let h = try parsedHeader.get()
        let api = try h.layout("pw_host_api")
        let members = api.fields.filter { $0.function != nil }
        #expect(members.count >= 30)
        for m in members {
            let f = try #require(m.function)
            let p = try h.prototype("pw_" + m.name)
            #expect(f.returnType == p.returnType, "\(m.name)")
            #expect(f.parameters.map(\.type) == p.parameters.map(\.type), "\(m.name)")
        }
        #expect(try api.field("version").kind == .sint32)
    }
}
