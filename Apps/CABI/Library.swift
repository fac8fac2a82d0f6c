import CPagewait
import Glibc

// Library-wide calls: version, error texts, freeing what the library
// allocated for the caller.

@_cdecl("pw_version")
public func pwVersion() -> Int32 { PW_VERSION_NUMBER }

@_cdecl("pw_version_string")
public func pwVersionString() -> UnsafePointer<CChar>? { versionString }

nonisolated(unsafe) private let versionString: UnsafePointer<CChar> = UnsafePointer(strdup(PW_VERSION)!)

@_cdecl("pw_errstr")
public func pwErrstr(_ code: Int32) -> UnsafePointer<CChar>? {
    errorTexts[code] ?? errorTexts[Int32.min]!
}

nonisolated(unsafe) private let errorTexts: [Int32: UnsafePointer<CChar>] = {
    let texts: [Int32: String] = [
        PW_OK: "not an error",
        PW_DECLINE: "declined: the base strategy's code is used",
        PW_ERROR: "the operation failed",
        PW_EMISUSE: "misuse: NULL argument, dead or wrong-type handle, or call out of place",
        PW_ESIZE: "a struct's size field is not one this library accepts",
        PW_ENOTFOUND: "no such plugin, scenario, strategy or parameter",
        PW_EPARSE: "malformed scenario text or schedule string",
        PW_ERANGE: "a number out of range",
        PW_EEXIST: "already registered",
        PW_EPLUGIN: "the plugin could not be loaded or its init failed",
        PW_EVERSION: "the host API is older than the plugin needs",
        PW_EBUILD: "the scenario could not be built under the strategy",
        PW_ESTALE: "the schedule does not fit this scenario and strategy",
        Int32.min: "unknown result code",
    ]
    return texts.mapValues { UnsafePointer(strdup($0)!) }
}()

@_cdecl("pw_errmsg")
public func pwErrmsg(_ handle: UnsafeRawPointer?) -> UnsafePointer<CChar>? {
    guard let handle, let object = handles.withLock({ $0.lookup(OpaquePointer(handle)) }) else {
        return ThreadError.message
    }
    return object.lastError.const
}

@_cdecl("pw_free")
public func pwFree(_ p: UnsafeMutableRawPointer?) {
    free(p)
}

/// A string allocated for the caller, to be freed with pw_free.
func callerString(_ s: String) -> UnsafeMutablePointer<CChar> {
    strdup(s)!
}
