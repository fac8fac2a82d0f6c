// libffi for the ABI tests. Swift 6 rejects taking the address of libffi's
// global ffi_type values directly ("not concurrency-safe"), so these
// accessors hand them out.
#include <ffi.h>

static inline ffi_type *pw_ffi_type_void(void) { return &ffi_type_void; }
static inline ffi_type *pw_ffi_type_sint32(void) { return &ffi_type_sint32; }
static inline ffi_type *pw_ffi_type_uint32(void) { return &ffi_type_uint32; }
static inline ffi_type *pw_ffi_type_sint64(void) { return &ffi_type_sint64; }
static inline ffi_type *pw_ffi_type_uint64(void) { return &ffi_type_uint64; }
static inline ffi_type *pw_ffi_type_pointer(void) { return &ffi_type_pointer; }
static inline ffi_type *pw_ffi_type_double(void) { return &ffi_type_double; }
